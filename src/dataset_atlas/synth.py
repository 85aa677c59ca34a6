"""Synthetic NCDC records for scale tests and benchmarks.

:func:`synthetic_record` builds one record in the ``export_json`` schema of the seeds, with
the variety real catalogs show (see docs DOMAIN §1): bilingual titles, HTML abstracts, every
bbox shape (small, regional, global, polar, across 180°, points, missing with and without a
place name, swapped latitudes), every resolution form, ongoing and backwards time spans.
Everything comes from one :class:`random.Random` seeded per record, so a seed gives the same
bytes on every run and any record can be rebuilt on its own.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from pathlib import Path
from typing import Any

SHARD_SIZE = 1000  # files per sub-folder: keeps folders listable

# (category, Chinese themes, English themes). The first three are the seeds' categories.
CATEGORIES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("冻土", ("多年冻土地温", "活动层厚度", "冻土分布", "季节冻土深度"),
     ("permafrost ground temperature", "active layer thickness", "permafrost distribution",
      "seasonal frost depth")),
    ("基础地理", ("土地覆盖", "数字高程模型", "行政区划", "河网水系"),
     ("land cover", "digital elevation model", "administrative boundaries", "river network")),
    ("遥感及产品", ("亮度温度", "地表温度", "植被指数", "反照率"),
     ("brightness temperature", "land surface temperature", "vegetation index", "albedo")),
    ("冰川", ("冰川编目", "冰川物质平衡", "冰川表面高程变化"),
     ("glacier inventory", "glacier mass balance", "glacier surface elevation change")),
    ("积雪", ("积雪深度", "积雪覆盖度", "雪水当量"), ("snow depth", "snow cover fraction", "snow water equivalent")),
    ("水文", ("径流观测", "湖泊水位", "地下水位"), ("runoff observations", "lake water level", "groundwater level")),
    ("气象", ("气温降水", "自动气象站观测", "再分析气象驱动"),
     ("air temperature and precipitation", "automatic weather station observations", "reanalysis forcing")),
    ("生态", ("植被生产力", "土壤有机碳", "物种分布"),
     ("vegetation productivity", "soil organic carbon", "species distribution")),
    ("沙漠", ("沙丘移动", "风沙通量", "荒漠化程度"), ("dune migration", "aeolian sand flux", "desertification degree")),
    ("冰冻圈综合", ("冰冻圈要素", "冻融灾害"), ("cryosphere elements", "freeze-thaw hazards")),
    ("人文与社会", ("人口分布", "牧业统计"), ("population distribution", "pastoral statistics")),
]  # fmt: skip

# Gazetteer places (DOMAIN §3) with the boxes generated extents stay inside.
PLACES: list[tuple[str, str, tuple[float, float, float, float]]] = [
    ("北极", "Arctic", (-180.0, 60.0, 180.0, 90.0)),
    ("南极", "Antarctica", (-180.0, -90.0, 180.0, -60.0)),
    ("中国", "China", (73.5, 18.0, 135.1, 53.6)),
    ("青藏高原", "Tibetan Plateau", (73.5, 26.0, 104.7, 39.8)),
    ("东北", "Northeast China", (112.75, 38.0, 135.0, 54.35)),
    ("黑河流域", "Heihe River Basin", (97.1, 37.7, 102.0, 42.7)),
    ("祁连山", "Qilian Mountains", (94.2, 35.8, 103.1, 39.3)),
    ("三江源", "Sanjiangyuan", (89.75, 31.65, 102.4, 36.2)),
    ("新疆", "Xinjiang", (73.5, 34.3, 96.4, 49.2)),
    ("天山", "Tianshan", (73.5, 40.0, 95.0, 45.5)),
]
UNKNOWN_PLACES = [("研究区", "study area"), ("野外观测样地", "field plots"), ("", "")]

# Every form DOMAIN §1 lists, "" (unknown) included.
SPACE_RESOLUTIONS = ["10m", "30m", "1km", "25000.0m", "0.25°", "0.05度", "1/12°", "30″", "30 arc-second",
                     "500米", "1公里", "1 km x 1 km", "", "90m", "0.1°", "5km"]
# (text, class it must parse to): Chinese, English, empty.
TIME_RESOLUTIONS = [("年", "yearly"), ("月", "monthly"), ("日", "daily"), ("小时", "hourly"), ("时", "hourly"),
                    ("", "unknown"), ("daily", "daily"), ("monthly", "monthly"), ("yearly", "yearly"),
                    ("hourly", "hourly"), ("8天", "8-day"), ("周", "weekly"), ("不定期", "other"),
                    ("4-day", "4-day"), ("候", "5-day"), ("旬", "10-day"), ("16 days", "16-day")]
BBOX_SHAPES = ["small", "regional", "global", "polar", "antimeridian", "point", "missing_place",
               "missing_none", "swapped"]
# Weights: most records are ordinary boxes; the odd shapes are rare but always present.
_SHAPE_WEIGHTS = [30, 35, 5, 6, 3, 10, 5, 3, 3]
FORMATS = [".tif", "*.tif", "栅格", "TIFF", "Excel", "NetCDF", ".nc", "HDF5", "shp", "csv", "xlsx, csv",
           "txt", "矢量", "GeoJSON"]
ACCESS = ["open-access", "apply-access", "login-access"]
LICENCES = ["CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/", "CC BY-NC 4.0"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "玉芳"]
INSTITUTES = ["中国科学院西北生态环境资源研究院", "中山大学", "兰州大学", "北京师范大学", "中国科学院青藏高原研究所",
              "南京大学", "武汉大学", "University of Alaska Fairbanks"]
SENTENCES_ZH = [
    "该数据集基于多源遥感观测与地面实测资料，经过严格的质量控制生成。",
    "数据覆盖{place}，时间范围为{start}年至{end}年，空间分辨率为{res}。",
    "处理过程包括辐射定标、几何校正、云检测与时序插补等步骤。",
    "与站点观测对比，均方根误差小于 1.5，相关系数高于 0.85。",
    "本数据可用于{theme}变化研究、模型验证以及区域可持续发展评估。",
    "数据以 GeoTIFF 与 NetCDF 格式提供，坐标系统为 WGS84。",
    "野外考察期间共布设 120 个样点，采样深度 0&ndash;50 cm。",
]
SENTENCES_EN = [
    "This dataset combines multi-source remote sensing with in-situ measurements under strict quality control.",
    "It covers {place} from {start} to {end} at a spatial resolution of {res}.",
    "Processing includes radiometric calibration, geometric correction, cloud screening &amp; gap filling.",
    "Compared with station observations the RMSE is below 1.5 and the correlation above 0.85.",
    "The data support studies of {theme} change, model validation and regional assessments.",
    "Files are delivered as GeoTIFF and NetCDF in WGS84 coordinates.",
]


def _round(value: float) -> float:
    return round(value, 4)


def _bbox(rng: random.Random, shape: str, box: tuple[float, float, float, float]) -> list[float | None]:
    """West, south, east, north for a bbox shape, inside ``box`` where that makes sense."""
    w0, s0, e0, n0 = box
    if shape in ("missing_place", "missing_none"):
        return [None, None, None, None]
    if shape == "global":
        return [-180.0, -90.0, 180.0, 90.0]
    if shape == "polar":
        return [-180.0, 60.0, 180.0, 90.0] if rng.random() < 0.7 else [-180.0, -90.0, 180.0, -60.0]
    if shape == "antimeridian":
        w, e = rng.uniform(150.0, 179.0), rng.uniform(-179.0, -150.0)
        s = rng.uniform(40.0, 65.0)
        return [_round(w), _round(s), _round(e), _round(s + rng.uniform(2.0, 15.0))]
    lon, lat = rng.uniform(w0, e0), rng.uniform(s0, n0)
    if shape == "point":
        return [_round(lon), _round(lat), _round(lon), _round(lat)]
    half = rng.uniform(0.05, 1.0) if shape == "small" else rng.uniform(2.0, 12.0)
    w, e = max(-180.0, lon - half), min(180.0, lon + half)
    s, n = max(-90.0, lat - half * 0.6), min(90.0, lat + half * 0.6)
    if shape == "swapped":
        s, n = n, s  # bad input: the reader swaps them back and flags the extent "corrected"
    return [_round(w), _round(s), _round(e), _round(n)]


def _person(rng: random.Random) -> dict[str, str]:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return {"true_name": name, "email": f"user{rng.randrange(10_000)}@example.org",
            "work_for": rng.choice(INSTITUTES), "country": "中国"}


def _html(rng: random.Random, sentences: list[str], indent: str, n: int, sep: str, **fields: Any) -> str:
    picked = rng.sample(sentences, n)
    paragraphs = [indent + sep.join(s.format(**fields) for s in picked[i:i + 2]) for i in range(0, n, 2)]
    return "".join(f"<p>{p}</p>\n" for p in paragraphs).rstrip("\n")


def synthetic_record(index: int, *, seed: int = 0) -> dict[str, Any]:
    """Record number ``index`` of the synthetic catalog for ``seed`` (an NCDC JSON document)."""
    rng = random.Random(seed * 1_000_003 + index)
    category, themes_zh, themes_en = CATEGORIES[index % len(CATEGORIES)] if index < len(CATEGORIES) else (
        rng.choice(CATEGORIES))
    t = rng.randrange(len(themes_zh))
    theme_zh, theme_en = themes_zh[t], themes_en[t]
    # The first records cover every shape, so even a tiny catalog has them all.
    shape = BBOX_SHAPES[index] if index < len(BBOX_SHAPES) else rng.choices(BBOX_SHAPES, _SHAPE_WEIGHTS)[0]
    place_zh, place_en, box = rng.choice(PLACES)
    if shape == "missing_none":
        place_zh, place_en = rng.choice(UNKNOWN_PLACES)
    elif shape == "global":
        place_zh, place_en = "全球", "global"
    elif shape == "antimeridian":
        place_zh, place_en = "白令海峡", "Bering Strait"
    west, south, east, north = _bbox(rng, shape, box)
    space_res = SPACE_RESOLUTIONS[index % len(SPACE_RESOLUTIONS)] if index < 32 else rng.choice(SPACE_RESOLUTIONS)
    time_res = TIME_RESOLUTIONS[index % len(TIME_RESOLUTIONS)][0] if index < 32 else rng.choice(
        TIME_RESOLUTIONS)[0]
    start_year = rng.randrange(1950, 2024)
    span = rng.random()
    if span < 0.06:
        end_text: str | None = None  # ongoing
        end_year = 2026
    elif span < 0.08:
        end_year = start_year - rng.randrange(1, 5)  # bad input: ends before it starts
        end_text = f"{end_year}-12-31 00:00:00"
    else:
        end_year = min(2025, start_year + rng.randrange(0, 30))
        end_text = f"{end_year}-12-31 00:00:00"
    start_text = f"{start_year}-{rng.randrange(1, 13):02d}-01 00:00:00"
    rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    period = f"{start_year}-{end_year}" if end_text else f"{start_year}-"
    res_label = space_res or "多种"
    where_zh = place_zh or "研究区"
    where_en = place_en or "the study area"
    title_zh = f"{where_zh}{res_label}{theme_zh}数据集（{period}年）"
    title_en = f"{theme_en.capitalize()} dataset of {where_en} at {space_res or 'various'} resolution ({period})"
    fields_zh = {"place": where_zh, "start": start_year, "end": end_year, "res": res_label, "theme": theme_zh}
    fields_en = {"place": where_en, "start": start_year, "end": end_year, "res": space_res or "various",
                 "theme": theme_en}
    n_sent = rng.randrange(3, 7)
    abstract_zh = _html(rng, SENTENCES_ZH, "&emsp;&emsp;", n_sent, "", **fields_zh)
    abstract_en = _html(rng, SENTENCES_EN, "&emsp; &emsp; ", min(n_sent, len(SENTENCES_EN)), " ", **fields_en)
    fmt = rng.choice(FORMATS)
    people = [_person(rng) for _ in range(rng.randrange(1, 5))]
    cstr_bare = f"11738.11.ncdc.Synth.{2000 + index % 26}.{index}"
    cstr = f"https://cstr.cn/{cstr_bare}" if rng.random() < 0.3 else cstr_bare
    doi = f"10.12072/ncdc.synth.db{index}.{start_year}" if rng.random() < 0.4 else ""
    locus = [place_zh] if place_zh and shape != "missing_none" else []
    doc: dict[str, Any] = {
        "created": f"{rng.randrange(2015, 2026)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)} 08:00:00",
        "updated": "2026-05-06 07:23:08",
        "id": rid,
        "version": rng.randrange(1, 9),
        "ds_topic": None,
        "title_cn": title_zh,
        "title_en": title_en,
        "ds_abstract": abstract_zh,
        "ds_source": f"<p>&emsp;&emsp;数据来源于{theme_zh}观测与模拟。</p>",
        "ds_process_way": "<p>&emsp;&emsp;经过质量控制、插值与格式转换。</p>",
        "ds_quality": "<p>&emsp;&emsp;数据质量良好.</p>",
        "ds_acq_start_time": start_text,
        "ds_acq_end_time": end_text,
        "ds_acq_place": place_zh,
        "ds_acq_lon_east": east,
        "ds_acq_lat_south": south,
        "ds_acq_lon_west": west,
        "ds_acq_lat_north": north,
        "ds_acq_alt_low": None,
        "ds_acq_alt_high": None,
        "ds_share_type": rng.choice(ACCESS),
        "ds_total_size": rng.randrange(10_000, 50_000_000_000),
        "ds_files_count": rng.randrange(1, 5000),
        "ds_format": fmt,
        "ds_space_res": space_res,
        "ds_time_res": time_res,
        "ds_coordinate": rng.choice(["WGS84", "无", "", "EASE-GRID"]),
        "ds_projection": rng.choice(["", "WGS_1984_Albers", "EASE-GRID", "+proj=longlat +datum=WGS84"]),
        "ds_thumbnail": f"{rid}.jpg",
        "ds_thumb_from": rng.randrange(0, 3),
        "ds_ref_way": (f"{people[0]['true_name']}. {title_zh}. 国家冰川冻土沙漠科学数据中心, {end_year}. "
                       f"doi：{doi}") if doi and rng.random() < 0.5 else "",
        "paper_ref_way": "",
        "ds_ref_instruction": "用户在使用数据时请在正文中明确声明数据的来源。",
        "ds_from_station": None,
        "organization_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "ds_serv_man": "敏玉芳",
        "ds_serv_phone": "0931-4967596",
        "ds_serv_mail": "ncdc@lzb.ac.cn",
        "doi_value": doi,
        "subject_codes": rng.choice([["170.45"], ["170.4510"], ["170.15"], ["170.45", "170.15"]]),
        "quality_level": rng.randrange(0, 4),
        "publish_time": f"{min(2025, max(start_year, end_year))}-06-01 10:00:00",
        "last_updated": "2025-05-29 11:22:00",
        "protected": False,
        "protected_to": None,
        "lang": "zh",
        "cstr": cstr,
        "submit_center_id": "ncdc",
        "data_level": rng.randrange(0, 3),
        "license_type": rng.choice(LICENCES),
        "doi_reg_from": "reg_outside",
        "cstr_reg_from": "reg_local",
        "doi_not_reg_reason": None,
        "cstr_not_reg_reason": None,
        "is_paper_in_submitting": False,
        "ds_topic_tags": [theme_zh, category, *rng.sample(["遥感", "站点观测", "模型模拟", "长时间序列", "再分析"], 2)],
        "ds_subject_tags": [rng.choice(["地理学", "自然地理学", "大气科学", "生态学"])],
        "ds_class_tags": [],
        "ds_locus_tags": locus,
        "ds_time_tags": [start_year, end_year],
        "ds_contributors": people,
        "ds_meta_authors": people[:1],
        "ds_managers": [people[0]],
        "category": category,
    }
    if rng.random() < 0.95:  # a few records have no English block: the reader falls back
        doc["i18n"] = {"en": {
            "title": title_en, "ds_format": fmt, "ds_source": "<p>&emsp; &emsp; Observations and models.</p>",
            "ds_quality": "<p>&emsp; &emsp; The data quality is good</p>", "ds_ref_way": "",
            "ds_abstract": abstract_en, "ds_time_res": "", "ds_acq_place": place_en,
            "ds_space_res": space_res, "ds_projection": "", "ds_process_way": "",
            "ds_ref_instruction": "",
        }}
    return doc


def record_path(out_dir: Path, index: int, record_id: str, count: int) -> Path:
    """Where record ``index`` goes: shards of :data:`SHARD_SIZE` files."""
    width = max(3, len(str(max(count - 1, 0) // SHARD_SIZE)))
    return out_dir / f"{index // SHARD_SIZE:0{width}d}" / f"{index:07d}_{record_id[:8]}.json"


def write_synthetic_records(count: int, out_dir: str | os.PathLike[str], *, seed: int = 0) -> int:
    """Write ``count`` synthetic NCDC records as JSON files under ``out_dir``; return how many.

    The same ``count`` and ``seed`` give byte-identical files.
    """
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    encode = json.JSONEncoder(ensure_ascii=False, indent=None).encode  # C encoder: fast
    made: set[Path] = set()
    for i in range(count):
        doc = synthetic_record(i, seed=seed)
        path = record_path(root, i, doc["id"], count)
        if path.parent not in made:
            path.parent.mkdir(exist_ok=True)
            made.add(path.parent)
        path.write_bytes(encode(doc).encode("utf-8"))
    return count
