"""The 123 Planetary Computer collections as a person sees them, checked against their JSON.

Each row was read off the collection's JSON (issue 22), not off the reader: category (the NCDC
category its keywords / SAR fields mean), temporal resolution (``cube:dimensions`` time step,
else the period its id / title / keywords name), spatial resolution in metres (the finest of its
own assets' ``gsd`` / ``eo:bands`` / ``raster:bands``, else ``summaries``, else the datacube's
spatial step; 0.25° is 27,830 m) and access (an open licence with a public https href is open;
``msft:requires_account`` is login).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dataset_atlas.model import DatasetRecord
from dataset_atlas.sources.stac import read_stac_collection

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "planetary-computer-stac"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the STAC corpus is not beside the project")

# id -> (category, temporal resolution, spatial resolution in metres or None, access)
EXPECTED: dict[str, tuple[str, str, float | None, str]] = {
    "3dep-lidar-classification": ("基础地理", "unknown", 5.0, "unknown"),
    "3dep-lidar-copc": ("基础地理", "unknown", 2.0, "unknown"),
    "3dep-lidar-dsm": ("基础地理", "unknown", 2.0, "unknown"),
    "3dep-lidar-dtm-native": ("基础地理", "unknown", 2.0, "unknown"),
    "3dep-lidar-dtm": ("基础地理", "unknown", 2.0, "unknown"),
    "3dep-lidar-hag": ("基础地理", "unknown", 2.0, "unknown"),
    "3dep-lidar-intensity": ("基础地理", "unknown", 2.0, "unknown"),
    "3dep-lidar-pointsourceid": ("基础地理", "unknown", 5.0, "unknown"),
    "3dep-lidar-returns": ("基础地理", "unknown", 5.0, "unknown"),
    "3dep-seamless": ("基础地理", "unknown", 10.0, "open-access"),
    "alos-dem": ("基础地理", "unknown", 30.0, "unknown"),
    "alos-fnf-mosaic": ("基础地理", "yearly", None, "unknown"),
    "alos-palsar-mosaic": ("遥感及产品", "yearly", None, "unknown"),
    "aster-l1t": ("遥感及产品", "unknown", 15.0, "open-access"),
    "chesapeake-lc-13": ("基础地理", "unknown", 1.0, "unknown"),
    "chesapeake-lc-7": ("基础地理", "unknown", 1.0, "unknown"),
    "chesapeake-lu": ("基础地理", "unknown", 1.0, "unknown"),
    "chloris-biomass": ("生态", "unknown", 4633.0, "open-access"),
    "cil-gdpcir-cc-by-sa": ("气象", "daily", 27830.0, "open-access"),
    "cil-gdpcir-cc-by": ("气象", "daily", 27830.0, "open-access"),
    "cil-gdpcir-cc0": ("气象", "daily", 27830.0, "open-access"),
    "cop-dem-glo-30": ("基础地理", "unknown", 30.0, "open-access"),
    "cop-dem-glo-90": ("基础地理", "unknown", 90.0, "open-access"),
    "daymet-annual-hi": ("气象", "yearly", 1000.0, "unknown"),
    "daymet-annual-na": ("气象", "yearly", 1000.0, "unknown"),
    "daymet-annual-pr": ("气象", "yearly", 1000.0, "unknown"),
    "daymet-daily-hi": ("气象", "daily", 1000.0, "unknown"),
    "daymet-daily-na": ("气象", "daily", 1000.0, "unknown"),
    "daymet-daily-pr": ("气象", "daily", 1000.0, "unknown"),
    "daymet-monthly-hi": ("气象", "monthly", 1000.0, "unknown"),
    "daymet-monthly-na": ("气象", "monthly", 1000.0, "unknown"),
    "daymet-monthly-pr": ("气象", "monthly", 1000.0, "unknown"),
    "deltares-floods": ("水文", "unknown", 90.0, "open-access"),
    "deltares-water-availability": ("气象", "daily", None, "open-access"),
    "drcog-lulc": ("基础地理", "unknown", None, "unknown"),
    "eclipse": ("其他", "unknown", None, "unknown"),
    "ecmwf-forecast": ("气象", "unknown", None, "open-access"),
    "era5-pds": ("气象", "hourly", 27830.0, "open-access"),
    "esa-cci-lc-netcdf": ("基础地理", "unknown", None, "unknown"),
    "esa-cci-lc": ("基础地理", "unknown", 300.0, "unknown"),
    "esa-worldcover": ("基础地理", "unknown", 10.0, "open-access"),
    "fia": ("生态", "unknown", None, "open-access"),
    "fws-nwi": ("其他", "unknown", None, "open-access"),
    "gap": ("基础地理", "unknown", 30.0, "open-access"),
    "gbif": ("生态", "unknown", None, "unknown"),
    "gnatsgo-rasters": ("土壤", "unknown", None, "open-access"),
    "gnatsgo-tables": ("土壤", "unknown", None, "open-access"),
    "goes-cmi": ("遥感及产品", "unknown", None, "open-access"),
    "goes-glm": ("气象", "unknown", 8000.0, "unknown"),
    "gpm-imerg-hhr": ("气象", "hourly", None, "unknown"),
    "gridmet": ("气象", "daily", None, "open-access"),
    "hgb": ("生态", "unknown", 300.0, "unknown"),
    "hrea": ("其他", "unknown", 30.0, "open-access"),
    "io-biodiversity": ("生态", "unknown", 100.0, "open-access"),
    "io-lulc-9-class": ("基础地理", "yearly", 10.0, "open-access"),
    "io-lulc": ("基础地理", "unknown", 10.0, "open-access"),
    "jrc-gsw": ("水文", "unknown", None, "open-access"),
    "kaza-hydroforecast": ("气象", "unknown", None, "open-access"),
    "landsat-8-c2-l2": ("遥感及产品", "unknown", 30.0, "open-access"),
    "landsat-c2-l1": ("遥感及产品", "unknown", 60.0, "open-access"),
    "landsat-c2-l2": ("遥感及产品", "unknown", 30.0, "open-access"),
    "mobi": ("生态", "unknown", 990.0, "unknown"),
    "modis-09A1-061": ("遥感及产品", "8-day", 500.0, "unknown"),
    "modis-09Q1-061": ("遥感及产品", "8-day", 250.0, "unknown"),
    "modis-10A1-061": ("积雪", "daily", 500.0, "unknown"),
    "modis-10A2-061": ("积雪", "8-day", 500.0, "unknown"),
    "modis-11A1-061": ("气象", "daily", 1000.0, "unknown"),
    "modis-11A2-061": ("气象", "8-day", 1000.0, "unknown"),
    "modis-13A1-061": ("生态", "16-day", 500.0, "unknown"),
    "modis-13Q1-061": ("生态", "16-day", 250.0, "unknown"),
    "modis-14A1-061": ("遥感及产品", "daily", 1000.0, "unknown"),
    "modis-14A2-061": ("遥感及产品", "8-day", 1000.0, "unknown"),
    "modis-15A2H-061": ("生态", "8-day", 500.0, "unknown"),
    "modis-15A3H-061": ("生态", "4-day", 500.0, "unknown"),
    "modis-16A3GF-061": ("生态", "yearly", 500.0, "unknown"),
    "modis-17A2H-061": ("生态", "8-day", 500.0, "unknown"),
    "modis-17A2HGF-061": ("生态", "8-day", 500.0, "unknown"),
    "modis-17A3HGF-061": ("生态", "yearly", 500.0, "unknown"),
    "modis-21A2-061": ("气象", "8-day", 1000.0, "unknown"),
    "modis-43A4-061": ("遥感及产品", "daily", 500.0, "unknown"),
    "modis-64A1-061": ("遥感及产品", "monthly", 500.0, "unknown"),
    "ms-buildings": ("人文与社会", "unknown", None, "open-access"),
    "mtbs": ("生态", "unknown", 30.0, "open-access"),
    "naip": ("遥感及产品", "unknown", 0.6, "open-access"),
    "nasa-nex-gddp-cmip6": ("气象", "daily", 27830.0, "unknown"),
    "nasadem": ("基础地理", "unknown", 30.0, "open-access"),
    "noaa-c-cap": ("基础地理", "unknown", 30.0, "unknown"),
    "noaa-cdr-ocean-heat-content-netcdf": ("海洋", "unknown", None, "unknown"),
    "noaa-cdr-ocean-heat-content": ("海洋", "unknown", None, "unknown"),
    "noaa-cdr-sea-surface-temperature-optimum-interpolation": ("海洋", "unknown", None, "unknown"),
    "noaa-cdr-sea-surface-temperature-whoi-netcdf": ("海洋", "unknown", None, "unknown"),
    "noaa-cdr-sea-surface-temperature-whoi": ("海洋", "unknown", None, "unknown"),
    "noaa-climate-normals-gridded": ("气象", "unknown", 5000.0, "open-access"),
    "noaa-climate-normals-netcdf": ("气象", "unknown", None, "open-access"),
    "noaa-climate-normals-tabular": ("气象", "unknown", None, "open-access"),
    "noaa-mrms-qpe-1h-pass1": ("气象", "unknown", 1000.0, "unknown"),
    "noaa-mrms-qpe-1h-pass2": ("气象", "unknown", 1000.0, "unknown"),
    "noaa-mrms-qpe-24h-pass2": ("气象", "unknown", 1000.0, "unknown"),
    "noaa-nclimgrid-monthly": ("气象", "monthly", 5000.0, "unknown"),
    "nrcan-landcover": ("基础地理", "unknown", 30.0, "open-access"),
    "planet-nicfi-analytic": ("遥感及产品", "unknown", 4.77, "unknown"),
    "planet-nicfi-visual": ("遥感及产品", "unknown", 4.77, "unknown"),
    "sentinel-1-grd": ("遥感及产品", "unknown", None, "open-access"),
    "sentinel-1-rtc": ("遥感及产品", "unknown", 10.0, "login-access"),
    "sentinel-2-l2a": ("遥感及产品", "unknown", 10.0, "open-access"),
    "sentinel-3-olci-lfr-l2-netcdf": ("生态", "unknown", None, "open-access"),
    "sentinel-3-olci-wfr-l2-netcdf": ("海洋", "unknown", None, "open-access"),
    "sentinel-3-slstr-frp-l2-netcdf": ("气象", "unknown", None, "open-access"),
    "sentinel-3-slstr-lst-l2-netcdf": ("气象", "unknown", None, "open-access"),
    "sentinel-3-slstr-wst-l2-netcdf": ("海洋", "unknown", None, "open-access"),
    "sentinel-3-sral-lan-l2-netcdf": ("遥感及产品", "unknown", None, "open-access"),
    "sentinel-3-sral-wat-l2-netcdf": ("海洋", "unknown", None, "open-access"),
    "sentinel-3-synergy-aod-l2-netcdf": ("大气", "unknown", None, "open-access"),
    "sentinel-3-synergy-syn-l2-netcdf": ("大气", "unknown", None, "open-access"),
    "sentinel-3-synergy-v10-l2-netcdf": ("生态", "10-day", None, "open-access"),
    "sentinel-3-synergy-vg1-l2-netcdf": ("生态", "daily", None, "open-access"),
    "sentinel-3-synergy-vgp-l2-netcdf": ("生态", "unknown", None, "open-access"),
    "sentinel-5p-l2-netcdf": ("气象", "unknown", None, "open-access"),
    "terraclimate": ("气象", "unknown", None, "open-access"),
    "us-census": ("人文与社会", "unknown", None, "open-access"),
    "usda-cdl": ("基础地理", "unknown", 30.0, "unknown"),
    "usgs-lcmap-conus-v13": ("基础地理", "unknown", 30.0, "open-access"),
    "usgs-lcmap-hawaii-v10": ("基础地理", "unknown", 30.0, "open-access"),
}


def _doc(cid: str) -> dict[str, Any]:
    return dict(json.loads((CORPUS / f"{cid}.json").read_text(encoding="utf-8")))


def _record(cid: str) -> DatasetRecord:
    return read_stac_collection(_doc(cid), f"{cid}.json")


def test_the_table_covers_the_corpus() -> None:
    assert {p.stem for p in CORPUS.glob("*.json")} == set(EXPECTED)
    assert len(EXPECTED) == 123


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_shown_values_match_the_json(cid: str) -> None:
    rec = _record(cid)
    category, time_res, metres, access = EXPECTED[cid]
    assert (rec.category, str(rec.time_resolution), rec.resolution.metres, rec.access) == (
        category, time_res, metres, access)


def test_the_cases_issue_22_named() -> None:
    assert {cid: EXPECTED[cid][1] for cid in ("modis-10A2-061", "modis-13Q1-061", "modis-15A3H-061")} == {
        "modis-10A2-061": "8-day", "modis-13Q1-061": "16-day", "modis-15A3H-061": "4-day"}
    assert EXPECTED["landsat-8-c2-l2"][2] == 30.0  # its bands are 30 m and 100 m; 15 m is Level-1 pan
    sar = ("sentinel-1-grd", "sentinel-1-rtc", "alos-palsar-mosaic")
    assert {EXPECTED[c][0] for c in sar} == {"遥感及产品"}
    assert EXPECTED["cop-dem-glo-30"][3] == EXPECTED["cop-dem-glo-90"][3] == "open-access"


def _json_resolutions(doc: dict[str, Any]) -> list[Any]:
    found: list[Any] = [doc.get("gsd"), doc.get("summaries", {}).get("gsd")]
    for holder in [doc.get("summaries", {}), *doc.get("item_assets", {}).values(), *doc.get("assets", {}).values()]:
        found.append(holder.get("gsd"))
        for key, name in (("eo:bands", "gsd"), ("raster:bands", "spatial_resolution")):
            bands = holder.get(key)
            found.extend(b.get(name) for b in bands if isinstance(b, dict)) if isinstance(bands, list) else None
    found.extend(d.get("step") for d in doc.get("cube:dimensions", {}).values() if d.get("type") == "spatial")
    return [v for v in found if v not in (None, [])]


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_nothing_is_unknown_that_the_json_has(cid: str) -> None:
    doc, rec = _doc(cid), _record(cid)
    interval = doc["extent"]["temporal"]["interval"][0]
    assert (rec.time.start is None) == (interval[0] is None) and (rec.time.end is None) == (interval[1] is None)
    assert rec.extent.bbox is not None
    steps = [d.get("step") for d in doc.get("cube:dimensions", {}).values() if d.get("type") == "temporal"]
    if any(isinstance(s, str) for s in steps):
        assert str(rec.time_resolution) != "unknown"
    if _json_resolutions(doc):
        assert rec.resolution.metres is not None
    if any(isinstance(a, dict) and a.get("type") for a in doc.get("item_assets", {}).values()):
        assert rec.formats
    if doc.get("license") or any(lk.get("rel") == "license" for lk in doc.get("links", [])):
        assert rec.licence
