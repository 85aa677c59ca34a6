"""Citations: the records' own identifiers, the publication year, every author, four formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataset_atlas import cli
from dataset_atlas.catalog import LocalCatalog
from dataset_atlas.citation import FORMATS, build_citation, format_citation, format_citations, provider_authors
from dataset_atlas.citeparse import parse_citation
from dataset_atlas.model import DatasetRecord, LocalText, Person
from dataset_atlas.sources.ncdc import read_ncdc
from dataset_atlas.sources.stac import read_stac_collection

from .conftest import MAGT_ID, SEEDS, SMMR_ID, collection, seed
from .helpers import check_csl, parse_bibtex, parse_ris

# --- the records ----------------------------------------------------------------------------------------------

def own_dois(doc: dict) -> list[str]:
    """The DOIs a collection declares as its own: sci:doi, else its doi.org cite-as links."""
    declared = doc.get("sci:doi")
    if declared:
        return declared if isinstance(declared, list) else [declared]
    return [lk["href"].strip().split("doi.org/", 1)[1] for lk in doc.get("links", [])
            if lk.get("rel") == "cite-as" and "doi.org/" in lk["href"]]


def all_formats(record: DatasetRecord, lang: str) -> dict[str, str]:
    return {fmt: format_citation(build_citation(record, lang), fmt) for fmt in FORMATS}


def test_every_corpus_collection_cites_its_own_dois_in_every_format(stac_corpus: Path) -> None:
    checked = 0
    for path in sorted(stac_corpus.glob("*.json")):
        doc = json.loads(path.read_text())
        record = read_stac_collection(doc, str(path))
        dois = own_dois(doc)
        out = all_formats(record, "en")
        (bib,) = parse_bibtex(out["bibtex"])
        (ris,) = parse_ris(out["ris"])
        (csl,) = check_csl(out["csl-json"])
        for fmt, text in out.items():
            for doi in dois:
                assert doi.lower() in text.lower(), (path.name, fmt, doi)
        if dois:
            checked += 1
            assert bib[2]["doi"] == dois[0] and ris["DO"] == [dois[0]] and csl["DOI"] == dois[0]
        assert bib[2]["title"] and bib[2]["url"].startswith("https://")
    assert checked >= 45  # 51 collections carry a DOI or a citation; most of them a DOI


def test_modis_and_landsat_dois(stac_corpus: Path) -> None:
    modis = all_formats(collection(stac_corpus, "modis-10A1-061"), "en")
    assert "https://doi.org/10.5067/MODIS/MOD10A1.061" in modis["text"]
    assert "(2021)" in modis["text"]  # the year of its own data set citation
    landsat = all_formats(collection(stac_corpus, "landsat-c2-l2"), "en")
    for doi in ("10.5066/P9IAXOVV", "10.5066/P9C7I13B", "10.5066/P9OGBGM6"):
        for fmt, text in landsat.items():
            assert doi in text, (fmt, doi)


@pytest.mark.parametrize(("name", "data_start"), [("cil-gdpcir-cc-by", "1950"), ("sentinel-2-l2a", "2015")])
def test_year_is_never_the_data_start(stac_corpus: Path, name: str, data_start: str) -> None:
    record = collection(stac_corpus, name)
    assert record.time.start is not None and str(record.time.start.year) == data_start
    c = build_citation(record, "en")
    assert c.year == ""  # the collection does not say when it was published
    for text in all_formats(record, "en").values():
        assert data_start not in text
    assert "(n.d.)" in format_citation(c, "text")


def test_publication_year_of_seeds() -> None:
    magt = build_citation(seed(MAGT_ID), "en")
    assert magt.year == "2026"  # publish_time 2026-04-07; the data start in 2010
    smmr = seed(SMMR_ID)
    assert build_citation(smmr, "zh").year == "2020" and smmr.time.start is not None
    assert "1978" not in format_citation(build_citation(smmr, "zh"), "text")


def test_seeds_carry_cstr_and_landing_page_in_every_format() -> None:
    for path in SEEDS.iterdir():
        record = read_ncdc(json.loads(path.read_text(encoding="utf-8")), str(path))
        for lang in ("zh", "en"):
            out = all_formats(record, lang)
            for fmt, text in out.items():
                assert record.cstr in text, (record.id, fmt)
            (bib,) = parse_bibtex(out["bibtex"])
            assert bib[2]["url"] == f"https://www.ncdc.ac.cn/portal/metadata/{record.id}"
            assert bib[2]["publisher"] == record.publisher.get(lang)


def test_all_authors_in_both_languages_no_et_al() -> None:
    record = seed(MAGT_ID)
    names = [p.name for p in record.contributors if p.role == "contributor"]
    assert len(names) == 17
    for lang in ("zh", "en"):
        out = all_formats(record, lang)
        assert out["text"].startswith(", ".join(names) + " (2026).")
        assert "等" not in out["text"] and "et al" not in out["text"]
        (_, _, fields), = parse_bibtex(out["bibtex"])
        assert fields["author"] == " and ".join("{" + n + "}" for n in names)
        (ris,) = parse_ris(out["ris"])
        assert ris["AU"] == names
        (csl,) = check_csl(out["csl-json"])
        assert [a["literal"] for a in csl["author"]] == names  # type: ignore[index, union-attr]


def test_own_citation_text_comes_first_and_gains_missing_identifiers() -> None:
    doc = json.loads(next(p for p in SEEDS.iterdir() if SMMR_ID[:8] in p.read_text()).read_text())
    doc["ds_ref_way"] = ("<p>车涛. 中国SMMR数据集. 国家冰川冻土沙漠科学数据中心, 2020. "
                         "doi：10.11888/Snow.tpdc.270000</p>")
    doc["paper_ref_way"] = "Che T, et al. A paper. Journal, 2016. doi:10.1000/paper.1"
    record = read_ncdc(doc)
    assert record.doi == "10.11888/Snow.tpdc.270000"  # the dataset's, not the paper's
    assert record.references[0].doi == "10.1000/paper.1"
    text = format_citation(build_citation(record, "zh"), "text")
    assert text.startswith("车涛. 中国SMMR数据集.")
    assert text.rstrip("\n").endswith("CSTR: 11738.11.ncdc.Westdc.2020.348.")
    assert "10.1000/paper.1" not in text


def test_hostile_text_stays_valid_bibtex_and_ris() -> None:
    record = DatasetRecord(
        id="x}y", source_kind="ncdc", title=LocalText(en="Snow {depth} 100% $x$ #1 a_b ~ ^ \\end}"),
        contributors=(Person("O'Brien & {Sons}", role="contributor"),),
        publisher=LocalText(en="Centre\nwith newline"),
    )
    (entry,) = parse_bibtex(format_citation(build_citation(record, "en"), "bibtex"))
    assert entry[2]["title"].startswith("{Snow \\{depth\\} 100\\% \\$x\\$ \\#1 a\\_b")
    (ris,) = parse_ris(format_citation(build_citation(record, "en"), "ris"))
    assert ris["PB"] == ["Centre with newline"]


def test_whole_result_files_have_unique_bibtex_keys(stac_corpus: Path) -> None:
    records = [collection(stac_corpus, n) for n in ("daymet-annual-na", "daymet-annual-hi", "daymet-annual-pr")]
    citations = [build_citation(r, "en") for r in records]
    entries = parse_bibtex(format_citations(citations, "bibtex"))
    assert len({key for _, key, _ in entries}) == 3
    assert len(parse_ris(format_citations(citations, "ris"))) == 3
    assert len(check_csl(format_citations(citations, "csl-json"))) == 3


def test_cli_cite_every_format(tmp_path: Path, stac_corpus: Path) -> None:
    assert cli.CITATION_FORMATS == FORMATS
    index = tmp_path / "index.parquet"
    LocalCatalog.from_paths([SEEDS, stac_corpus / "modis-10A1-061.json"]).save(index)
    code, out = cli.run(["cite", "modis-10A1-061", "--index", str(index)])
    assert code == 0 and "https://doi.org/10.5067/MODIS/MOD10A1.061" in out
    code, out = cli.run(["cite", "modis-10A1-061", "--format", "bibtex", "--index", str(index)])
    (entry,) = parse_bibtex(out)
    assert {"doi", "url", "year", "author", "title", "publisher"} <= entry[2].keys()
    code, out = cli.run(["cite", MAGT_ID, "--format", "ris", "--lang", "zh", "--index", str(index)])
    (ris,) = parse_ris(out)
    assert ris["TI"] == ["东北多年冻土区1km冻土地温分布数据（2010-2024年）"] and ris["PY"] == ["2026"]
    code, out = cli.run(["cite", MAGT_ID, "--format", "csl-json", "--index", str(index)])
    (item,) = check_csl(out)
    assert item["issued"] == {"date-parts": [[2026]]}


def test_cli_cite_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = cli.run(["cite", "no-such-id"])
    assert code == 2 and "no dataset with id 'no-such-id'" in capsys.readouterr().err
    code, _ = cli.run(["cite", MAGT_ID, "--format", "apa"])
    assert code == 2 and "invalid choice: 'apa'" in capsys.readouterr().err


# --- one model: the record's own citation, corporate authors (issue 22) ------------------------------------


def test_modis_10a1_every_format_is_hall_and_riggs(stac_corpus: Path) -> None:
    record = collection(stac_corpus, "modis-10A1-061")
    authors = ["Hall, D. K.", "Riggs, G. A."]
    title = "MODIS/Aqua Snow Cover Daily L3 Global 500m Grid, Version 61"  # as the record writes it
    for lang in ("en", "zh"):
        out = all_formats(record, lang)
        assert out["text"].startswith("Hall, D. K., & Riggs, G. A. (2021). " + title)
        (_, _, bib), = parse_bibtex(out["bibtex"])
        assert bib["author"] == "{Hall, D. K.} and {Riggs, G. A.}" and bib["title"] == "{" + title + "}"
        assert bib["year"] == "2021" and bib["doi"] == "10.5067/MODIS/MOD10A1.061" and bib["version"] == "61"
        (ris,) = parse_ris(out["ris"])
        assert ris["AU"] == authors and ris["TI"] == [title] and ris["PY"] == ["2021"]
        (csl,) = check_csl(out["csl-json"])
        assert [a["literal"] for a in csl["author"]] == authors and csl["title"] == title  # type: ignore[index, union-attr]
        for text in (out["bibtex"], out["ris"], out["csl-json"]):
            assert "MODIS Snow Cover Daily\n" not in text and "AU  - National Snow" not in text


def test_copernicus_dem_author_is_esa_never_the_processor_or_hosts(stac_corpus: Path) -> None:
    for name in ("cop-dem-glo-30", "cop-dem-glo-90"):
        record = collection(stac_corpus, name)
        assert provider_authors(record) == ("European Space Agency",)
        out = all_formats(record, "en")
        assert out["text"].startswith("European Space Agency (n.d.). Copernicus DEM GLO-")
        (_, _, bib), = parse_bibtex(out["bibtex"])
        assert bib["author"] == "{European Space Agency}"
        (ris,) = parse_ris(out["ris"])
        assert ris["AU"] == ["European Space Agency"]
        for fmt, text in out.items():
            for other in ("Sinergise", "OpenTopography", "Microsoft"):
                assert other not in text, (name, fmt, other)


def _providers(*pairs: tuple[str, str]) -> DatasetRecord:
    return DatasetRecord(id="p", source_kind="stac", title=LocalText(en="T"),
                         contributors=tuple(Person(n, institution=r, role="provider") for n, r in pairs))


@pytest.mark.parametrize(("providers", "authors"), [
    ((("NSIDC", "producer, licensor, processor"), ("Microsoft", "host, processor")), ("NSIDC",)),
    ((("ESA", "licensor"), ("Sinergise", "producer, processor"), ("Microsoft", "host")), ("ESA",)),
    ((("Landrush", "processor, producer"), ("USGS", "processor, producer, licensor")), ("USGS",)),
    ((("CIL", "producer"), ("Microsoft", "host")), ("CIL",)),
    ((("Microsoft", "producer, processor, host"),), ("Microsoft",)),  # its own building footprints
    ((("Catalyst", "processor"), ("Microsoft", "host, licensor")), ()),  # hosts and processors only
    ((("NASA", "producer"), ("NOAA", "processor, producer, licensor")), ("NOAA",)),
])
def test_provider_roles_decide_the_corporate_author(providers: tuple[tuple[str, str], ...],
                                                    authors: tuple[str, ...]) -> None:
    assert provider_authors(_providers(*providers)) == authors
    assert build_citation(_providers(*providers), "en").authors == authors


@pytest.mark.parametrize(("text", "authors", "year", "title"), [
    ("Thornton, M.M., R. Shrestha, Y. Wei, and B.E. Wilson. 2020. Daymet: Annual Climate Summaries, Version 4. "
     "ORNL DAAC, Oak Ridge, Tennessee, USA. https://doi.org/10.3334/ORNLDAAC/1852",
     ("Thornton, M.M.", "R. Shrestha", "Y. Wei", "B.E. Wilson"), "2020", "Daymet: Annual Climate Summaries, Version 4"),
    ("Clayson, Carol Anne; Brown, Jeremiah; and NOAA CDR Program (2016). NOAA CDR of SST - WHOI, Version 2. "
     "NOAA National Climatic Data Center. doi:10.7289/V5FB510W",
     ("Clayson, Carol Anne", "Brown, Jeremiah", "NOAA CDR Program"), "2016", "NOAA CDR of SST - WHOI, Version 2"),
    ("Vose, Russell S., Applequist, Scott, and Arndt, Derek (2014): NOAA Monthly U.S. Climate Gridded Dataset "
     "(NClimGrid), Version 1. NOAA NCEI. DOI:10.7289/V5SX6B56.",
     ("Vose, Russell S.", "Applequist, Scott", "Arndt, Derek"), "2014",
     "NOAA Monthly U.S. Climate Gridded Dataset (NClimGrid), Version 1"),
    ("U.S. Geological Survey (USGS), 2022, Land Change Monitoring, Assessment, and Projection (LCMAP) "
     "Collection 1.3: USGS data release", ("U.S. Geological Survey (USGS)",), "2022",
     "Land Change Monitoring, Assessment, and Projection (LCMAP) Collection 1.3"),
    ("Jean-Francois Pekel, Alan S. Belward, High-resolution mapping of global surface water. "
     "Nature 540, 418-422 (2016)",
     ("Jean-Francois Pekel", "Alan S. Belward"), "2016", "High-resolution mapping of global surface water"),
    ("Daepp, Cabral, Ranganathan et al. (2022) Eclipse: An End-to-End Platform. ACM/IEEE IPSN.",
     ("Daepp", "Cabral", "Ranganathan"), "2022", "Eclipse: An End-to-End Platform"),
    ("车涛, 晋锐. 中国地区被动微波SMMR亮度温度数据集[DS]. 国家冰川冻土沙漠科学数据中心, 2020. "
     "doi：10.11888/Snow.tpdc.270000",
     ("车涛", "晋锐"), "2020", "中国地区被动微波SMMR亮度温度数据集"),
])
def test_own_citations_are_read_into_their_parts(text: str, authors: tuple[str, ...], year: str, title: str) -> None:
    parsed = parse_citation(text)
    assert parsed is not None and (parsed.authors, parsed.year, parsed.title) == (authors, year, title)


def test_an_acknowledgement_is_a_note_not_authors(stac_corpus: Path) -> None:
    record = collection(stac_corpus, "nasa-nex-gddp-cmip6")
    assert parse_citation(record.citation.en) is None
    c = build_citation(record, "en")
    assert c.authors == ("NASA NEX",) and c.title == record.title.en and c.note == record.citation.en
    (_, _, bib), = parse_bibtex(format_citation(c, "bibtex"))
    assert "Climate Analytics Group" in bib["note"] and "Climate Analytics" not in bib["author"]


def test_access_date_and_a_citation_without_year(stac_corpus: Path) -> None:
    c = build_citation(collection(stac_corpus, "noaa-c-cap"), "en")
    assert c.accessed == "April 2022" and c.year == ""  # 2022 is when it was accessed, not published
    assert c.authors == ("National Oceanic and Atmospheric Administration, Office for Coastal Management",)
    assert "(n.d.)" in format_citation(c, "text") and "Accessed April 2022." in format_citation(c, "text")
    (ris,) = parse_ris(format_citation(c, "ris"))
    assert ris["Y2"] == ["April 2022"] and "PY" not in ris
    (csl,) = check_csl(format_citation(c, "csl-json"))
    assert csl["accessed"] == {"date-parts": [[2022, 4]]}


def test_an_own_citation_naming_another_doi_is_not_shown_as_is(stac_corpus: Path) -> None:
    # Daymet daily's sci:citation carries the DOI of another product (1904) than its sci:doi (1840).
    c = build_citation(collection(stac_corpus, "daymet-daily-na"), "en")
    text = format_citation(c, "text")
    assert c.given == "" and "10.3334/ORNLDAAC/1840" in text and "1904" not in text
    assert text.startswith("Thornton, M.M., R. Shrestha, P.E. Thornton, S. Kao, Y. Wei, B.E. Wilson (2021).")
