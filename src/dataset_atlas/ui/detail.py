"""The dataset detail view (used as the Browse panel and as the Dataset page).

Every text from a record reaches the page either escaped (``html.escape``) or as the
sanitised abstract produced at ingest; links are only the CSTR/DOI resolvers and https
licence URLs, built here, never taken as markup from the record.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dataset_atlas.access import stac_assets, stac_bands, stac_summaries, usage_snippets
from dataset_atlas.citation import MEDIA_TYPE, build_citation, citation_file_name, format_citation
from dataset_atlas.errors import AtlasError
from dataset_atlas.maps import build_extent_map
from dataset_atlas.model import DatasetRecord
from dataset_atlas.quicklook import DataFile, Quicklook
from dataset_atlas.quicklook.filenames import decode_ease_name
from dataset_atlas.quicklook.files import choose_file, overlay_files
from dataset_atlas.quicklook.styles import class_label
from dataset_atlas.ui.controls import set_pending
from dataset_atlas.ui.data import MAX_OVERLAYS, data_files, data_root, quicklook
from dataset_atlas.ui.errors import plain, show_error
from dataset_atlas.ui.i18n import access_words, category_label, format_label, t, value_label
from dataset_atlas.ui.state import resolution_label

_CSS = """
<style>
.atlas-facts {border-collapse: collapse; width: 100%; font-size: 0.9rem;}
.atlas-facts th {text-align: left; color: #555; font-weight: 500; padding: 3px 14px 3px 0; width: 1%;
  vertical-align: top; white-space: nowrap;}
.atlas-facts td {padding: 3px 0; word-break: break-word;}
.atlas-tags span {display: inline-block; background: #eef2f7; border-radius: 10px; padding: 1px 9px;
  margin: 2px 4px 2px 0; font-size: 0.82rem;}
.atlas-abstract {font-size: 0.92rem; line-height: 1.55;}
.atlas-abstract h1, .atlas-abstract h2, .atlas-abstract h3, .atlas-abstract h4 {font-size: 1rem; margin: .8rem 0 .3rem;}
.atlas-refs li {font-size: 0.88rem; margin-bottom: .3rem;}
.atlas-legend span.sw {display: inline-block; width: 12px; height: 12px; border: 1px solid #888;
  margin-right: 5px; vertical-align: -1px;}
.atlas-legend div {font-size: 0.82rem; line-height: 1.5;}
.atlas-ramp {height: 12px; border: 1px solid #888; border-radius: 2px;}
</style>
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _size(n: int | None) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return ""


def _link(url: str, text: str) -> str:
    if not url.startswith("https://"):
        return _e(text)
    return f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(text)}</a>'


def facts_rows(record: DatasetRecord, lang: str) -> list[tuple[str, str]]:
    """(label, safe HTML) pairs for the key-facts table."""
    span_start = record.time.start.isoformat() if record.time.start else t("unknown", lang)
    span_end = record.time.end.isoformat() if record.time.end else t("ongoing", lang)
    res = record.resolution
    res_text = ""
    if res.metres is not None:
        res_text = resolution_label(res.metres)  # "25 km", not "25 km (25000.0m)"
        if res.angular and res.text:  # degrees say more than their equatorial metres
            res_text = t("angular_res", lang, text=res.text, metres=res_text)
    elif res.text:
        res_text = res.text
    time_res = value_label(str(record.time_resolution), lang)  # "hourly", not "hourly (P0DT1H0M0S)"
    if str(record.time_resolution) in ("other", "unknown") and record.time_resolution_text:
        time_res = record.time_resolution_text
    quality = value_label(str(record.extent.quality), lang)
    bbox = record.extent.bbox
    extent = ", ".join(f"{v:g}" for v in bbox) + f" ({quality})" if bbox else quality
    dois = record.dois or ((record.doi,) if record.doi else ())
    contacts = [p for p in record.contributors if p.role in ("contact", "data service")]
    rows = [
        (
            t("time_span", lang),
            _e(f"{span_start} – {span_end}" if record.time.start or record.time.end else t("unknown", lang)),
        ),
        (t("spatial_res", lang), _e(res_text or t("unknown", lang))),
        (t("temporal_res", lang), _e(time_res)),
        (t("extent", lang), _e(extent)),
        (t("place", lang), _e(record.place.get(lang))),
        (t("projection", lang), _e(record.projection)),
        (t("formats", lang), _e(", ".join(format_label(f, lang) for f in record.formats))),
        (t("size", lang), _e(_size(record.size_bytes))),
        (t("files", lang), _e(record.file_count if record.file_count is not None else "")),
        (t("access", lang), _e(access_words(record.access, lang))),
        (t("licence", lang), _link(record.licence_url, record.licence) if record.licence_url else _e(record.licence)),
        (t("landing_page", lang), _link(record.landing_page, record.landing_page) if record.landing_page else ""),
        ("CSTR", _link(record.cstr_url, record.cstr) if record.cstr else ""),
        ("DOI", "<br>".join(_link(f"https://doi.org/{d}", d) for d in dois)),
        (t("publisher", lang), _e(record.publisher.get(lang))),
        (t("contact", lang), "<br>".join(
            _e(p.name + (f" — {p.institution}" if p.institution else "")) for p in contacts)),
        (t("id", lang), _e(record.id)),
    ]
    return [(label, value) for label, value in rows if value]


def _facts_table(record: DatasetRecord, lang: str) -> str:
    body = "".join(f"<tr><th>{_e(label)}</th><td>{value}</td></tr>" for label, value in facts_rows(record, lang))
    return f'<table class="atlas-facts">{body}</table>'


def legend_block(look: Quicklook, lang: str) -> str:
    """The quicklook's legend and statistics as safe HTML."""
    items = []
    ramp = [e for e in look.legend if "color" in e]
    if look.kind == "categorical":
        for entry in ramp:
            share = entry.get("share")
            pct = f" — {share * 100:.1f}%" if isinstance(share, int | float) else ""
            items.append(
                f'<div><span class="sw" style="background:{_e(entry["color"])}"></span>'
                f"{_e(class_label(str(entry.get('label', entry.get('value', ''))), lang))}{_e(pct)}</div>"
            )
    else:
        stops = ", ".join(_e(e["color"]) for e in ramp)
        labels = [e.get("label", e.get("value", "")) for e in ramp]
        items.append(
            f'<div class="atlas-ramp" style="background:linear-gradient(to right, {stops})"></div>'
            f'<div style="display:flex;justify-content:space-between">'
            f"<span>{_e(labels[0] if labels else '')}</span><span>{_e(labels[-1] if labels else '')}</span></div>"
        )
    units = f"<div>{_e(look.units)}</div>" if look.units else ""
    return f'<div class="atlas-legend">{units}{"".join(items)}</div>'


def _stats_line(look: Quicklook, lang: str) -> str:
    """Statistics a person can read: no mean of class codes (land cover), labels in ``lang``."""
    stats = look.stats
    keys = ("valid_fraction",) if look.kind == "categorical" else ("min", "max", "mean", "valid_fraction")
    parts = []
    for key in keys:
        value = stats.get(key)
        if isinstance(value, int | float):
            shown = f"{value * 100:.1f}%" if key == "valid_fraction" else f"{value:.4g}"
            parts.append(f"{t('stat_' + key, lang)} {shown}")
    return " · ".join(parts)


def histogram_frame(look: Quicklook) -> pd.DataFrame | None:
    """The quicklook's value histogram (bin centres and pixel counts), if it has one."""
    hist = look.stats.get("histogram")
    if not isinstance(hist, dict) or not hist.get("counts"):
        return None
    edges = np.asarray(hist["edges"], dtype=float)
    width = float(np.min(np.diff(edges))) if len(edges) > 1 else 1.0
    # Bin centres to the precision the bins have (151.5825 → 152 for bins 3 units wide).
    decimals = max(0, int(-np.floor(np.log10(width)))) + (width < 1) if width > 0 and np.isfinite(width) else 2
    return pd.DataFrame({"value": np.round((edges[:-1] + edges[1:]) / 2, decimals), "pixels": hist["counts"]})


def file_label(name: str, lang: str) -> str:
    """What a file holds, read from its name (SMMR: "1978-10-25 · ascending · 18 GHz H"); "" if it says nothing."""
    parts = decode_ease_name(name)
    if parts is None:
        return ""
    return " · ".join((parts.day.isoformat(), t("pass_A" if parts.ascending else "pass_D", lang),
                       f"{parts.ghz} GHz {t('pol_' + parts.polarisation, lang)}"))


def file_caption(name: str, lang: str) -> str:
    """A file as the chooser, the preview and the map layer name it: its content, then its name."""
    label = file_label(name, lang)
    return f"{label} · {name}" if label else name


def file_quicklooks(files: list[DataFile], limit: int | None = None) -> list[tuple[DataFile, Quicklook | AtlasError]]:
    """Each previewable file with its quicklook (or the error to show; never raised), at most ``limit``."""
    out: list[tuple[DataFile, Quicklook | AtlasError]] = []
    for f in files:
        if not f.previewable or (limit is not None and len(out) >= limit):
            continue
        try:
            stat = f.path.stat()
            out.append((f, quicklook(str(f.path), stat.st_size, stat.st_mtime_ns)))
        except AtlasError as exc:
            out.append((f, exc))
        except OSError as exc:
            out.append((f, AtlasError(f"{f.name}: {exc.strerror or exc}")))
    return out


def record_quicklooks(record: DatasetRecord, files: list[DataFile] | None = None) -> list[Quicklook | AtlasError]:
    """Quicklooks of the dataset's first previewable files, as many as a map draws (errors kept to show)."""
    return [look for _, look in file_quicklooks(files if files is not None else data_files(record), MAX_OVERLAYS)]


def without_data_root(exc: AtlasError, root: Path | None, lang: str) -> AtlasError:
    """``exc`` with the server's data folder left out of its message (paths inside it stay)."""
    if root is None:
        return exc
    text = str(exc)
    for prefix in {str(root.resolve()), str(root)}:
        text = text.replace(prefix + os.sep, "").replace(prefix, t("data_folder", lang))
    if text == str(exc):
        return exc
    out = type(exc).__new__(type(exc))  # same class (the error table's message), new text
    out.__dict__.update(exc.__dict__)
    out.args = (text,)
    return out


PREVIEWS_PER_PAGE = 12  # the dataset page's previews per page (4 rows of 3)


def _choose(key: str, first: str) -> None:
    """The file chooser's callback: the choice goes into the view state (and so the URL)."""
    name = st.session_state.get(key)
    set_pending(file=None if name == first else name)  # the first file is the default: a short link


def render_quicklooks(record: DatasetRecord, lang: str, *, compact: bool, file: str | None = None) -> None:
    """The data files and their previews: the chosen ``file`` (compact panel) or all of them, by pages."""
    st.subheader(t("quicklook", lang))
    root = data_root()
    try:
        files = data_files(record)
    except AtlasError as exc:
        show_error(without_data_root(exc, root, lang), lang)
        return
    if not files:
        st.caption(t("no_files", lang) if root else t("no_data_root", lang))
        return
    previewable = [f for f in files if f.previewable]
    if compact:
        chosen, unknown = choose_file(files, file)
        if unknown:
            st.caption(t("file_not_found", lang, name=plain(file)))
        if chosen is not None and len(previewable) > 1:  # SMMR has 48 files: let the reader pick one
            key = f"ql_file_{record.id}"
            # Set from the view state every run: Back, a deep link or another language must show it.
            st.session_state[key] = chosen.name
            captions = {f.name: file_caption(f.name, lang) for f in previewable}
            st.selectbox(t("preview_file", lang, n=len(previewable)), list(captions), key=key,
                         format_func=lambda n: captions.get(n, n), on_change=_choose,
                         args=(key, previewable[0].name))
        for f, look in file_quicklooks([chosen] if chosen is not None else []):
            _preview(f, look, lang, root, wide=False)
        return
    shown = previewable
    if len(previewable) > PREVIEWS_PER_PAGE:
        pages = -(-len(previewable) // PREVIEWS_PER_PAGE)
        page = int(st.number_input(t("preview_page", lang), min_value=1, max_value=pages, step=1,
                                   key=f"ql_page_{record.id}"))
        shown = previewable[(page - 1) * PREVIEWS_PER_PAGE: page * PREVIEWS_PER_PAGE]
        first = (page - 1) * PREVIEWS_PER_PAGE + 1
        st.caption(t("previews_shown", lang, a=first, b=first + len(shown) - 1, n=len(previewable)))
    looks = file_quicklooks(shown)
    if len(looks) == 1:
        _preview(*looks[0], lang, root, wide=True)
    all_synthetic = bool(looks) and all(not isinstance(look, AtlasError) and look.synthetic for _, look in looks)
    if len(looks) > 1 and all_synthetic:
        st.caption("⚠ " + t("synthetic", lang))  # said once, not under each of twelve pictures
    for row in range(0, len(looks) if len(looks) > 1 else 0, 3):  # a grid: channels and days side by side
        for column, (f, look) in zip(st.columns(3), looks[row: row + 3], strict=False):
            with column:
                _preview(f, look, lang, root, wide=False, histogram=True, synthetic_note=not all_synthetic)
    st.markdown(f"**{t('data_files', lang)}**")
    st.dataframe(
        [
            {t("file_name", lang): f.name, t("file_content", lang): file_label(f.name, lang),
             t("size", lang): _size(f.size), t("formats", lang): format_label(f.format, lang),
             t("previewable", lang): f.previewable}
            for f in files
        ],
        hide_index=True,
        width="stretch",
    )


def _preview(f: DataFile, look: Quicklook | AtlasError, lang: str, root: Path | None, *, wide: bool,
             histogram: bool | None = None, synthetic_note: bool = True) -> None:
    """One file's preview: picture (captioned with what it holds), legend, statistics, histogram."""
    if isinstance(look, AtlasError):
        show_error(without_data_root(look, root, lang), lang)
        return
    c1, c2 = st.columns([3, 2]) if wide else (st.container(), st.container())
    c1.image(look.preview_png_bytes(), caption=file_caption(f.name, lang), width="stretch")
    with c2:
        if look.synthetic and synthetic_note:
            st.caption("⚠ " + t("synthetic", lang))
        st.html(legend_block(look, lang))
        line = _stats_line(look, lang)
        if line:
            st.caption(f"{t('stats', lang)}: {line}")
        if look.grid_note:  # how the file was read: for the curious, folded away
            with st.expander(t("how_read", lang)):
                st.code(look.grid_note, language=None, wrap_lines=True)  # the reader's technical note
        frame = histogram_frame(look)
        if (wide if histogram is None else histogram) and frame is not None:
            value, pixels = t("hist_value", lang), t("hist_pixels", lang)
            st.bar_chart(frame.rename(columns={"value": value, "pixels": pixels}), x=value, y=pixels,
                         height=140 if wide else 160)


_CITATION_TABS = {"text": "cite_text", "bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON"}
_CODE_LANGUAGE = {"text": None, "bibtex": "latex", "ris": None, "csl-json": "json"}


def render_citation(record: DatasetRecord, lang: str) -> None:
    """The citation in every format, each with the code block's copy button and a download."""
    st.subheader(t("citation", lang))
    citation = build_citation(record, lang)
    tabs = st.tabs([t(label, lang) if label.startswith("cite_") else label for label in _CITATION_TABS.values()])
    for tab, fmt in zip(tabs, _CITATION_TABS, strict=True):
        text = format_citation(citation, fmt)
        with tab:
            st.code(text.rstrip("\n"), language=_CODE_LANGUAGE[fmt], wrap_lines=True)
            st.download_button(
                t("download_citation", lang, fmt=_CITATION_TABS[fmt] if fmt != "text" else t("cite_text", lang)),
                text.encode("utf-8"), file_name=citation_file_name(record.id, fmt), mime=MEDIA_TYPE[fmt],
                key=f"cite_{fmt}_{record.id}", icon=":material/download:", on_click="ignore",
            )


def render_detail(
    record: DatasetRecord, lang: str, *, compact: bool = False, on_open: Callable[[], None] | None = None,
    file: str | None = None,
) -> None:
    """The detail view of one record; ``compact`` for the Browse side panel, previewing ``file``."""
    st.html(_CSS)
    st.html(
        f"<h3 style='margin:0 0 .3rem 0'>{_e(record.title.get(lang))}</h3>"
        + (
            f"<div style='color:#666;font-size:.85rem'>{_e(record.title.get('zh' if lang == 'en' else 'en'))}</div>"
            if record.title.zh and record.title.en and record.title.zh != record.title.en
            else ""
        )
    )
    if on_open is not None:
        st.button(t("open_page", lang), icon=":material/open_in_new:", on_click=on_open, key="open_page")
    tags = "".join(f"<span>{_e(k)}</span>" for k in record.keywords[:20])
    if record.category:
        tags = f"<span style='background:#dde9f7'><b>{_e(category_label(record.category, lang))}</b></span>" + tags
    st.html(f'<div class="atlas-tags">{tags}</div>')
    st.html(_facts_table(record, lang))
    if compact:
        render_quicklooks(record, lang, compact=True, file=file)
        return
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("abstract", lang))
        abstract = record.abstract_html.get(lang)
        st.html(f'<div class="atlas-abstract">{abstract or _e(t("none", lang))}</div>')  # whole, no inner scroll
        render_citation(record, lang)
        render_ncdc_sections(record, lang)
        st.subheader(t("contributors", lang))
        people = [p.name + (f" — {p.institution}" if p.institution else "") + f" ({value_label(p.role, lang)})"
                  for p in record.contributors]
        st.html("<ul>" + "".join(f"<li>{_e(p)}</li>" for p in people) + "</ul>" if people else _e(t("none", lang)))
    with right:
        st.subheader(t("extent", lang))
        bbox = record.extent.bbox
        m = build_extent_map(
            *(bbox or (float("nan"),) * 4), quality=str(record.extent.quality), lang=lang, category=record.category
        )
        st_folium(m, key=f"extent_{record.id}", height=300, use_container_width=True, returned_objects=[])
        note = record.extent.note
        if str(record.extent.quality) == "approximate" and record.place.get(lang):
            note = t("extent_from_place", lang, place=record.place.get(lang))  # the ingest note names the zh place
        st.caption(f"{t('extent_quality', lang)}: {t('quality_' + str(record.extent.quality), lang)}"
                   + (f" — {note}" if note else ""))
    render_stac_contents(record, lang)
    render_usage(record, lang)
    render_quicklooks(record, lang, compact=False)


def render_ncdc_sections(record: DatasetRecord, lang: str) -> None:
    """What researchers read before applying: data source, processing, quality, related papers."""
    for key, text in (("data_source", record.source_html), ("processing", record.processing_html),
                      ("data_quality", record.quality_html)):
        html_text = text.get(lang)
        if html_text:
            st.subheader(t(key, lang))
            st.html(f'<div class="atlas-abstract">{html_text}</div>')  # sanitised at ingest
    if record.references:
        st.subheader(t("references", lang))
        items = "".join(
            f"<li>{_e(r.text)}" + (f" {_link('https://doi.org/' + r.doi, 'doi:' + r.doi)}"
                                   if r.doi and r.doi not in r.text else "") + "</li>"
            for r in record.references)
        st.html(f'<ol class="atlas-refs">{items}</ol>')


def render_stac_contents(record: DatasetRecord, lang: str) -> None:
    """A STAC collection's assets, bands and summaries (tables: record text is never markup)."""
    assets, bands, summaries = stac_assets(record), stac_bands(record), stac_summaries(record)
    if not (assets or bands or summaries):
        return
    st.subheader(t("contents", lang))
    if assets:
        st.markdown(f"**{t('assets', lang)}**")
        st.dataframe([{t("asset_key", lang): a.key, t("title", lang): a.title, t("media_type", lang): a.media_type,
                       t("roles", lang): ", ".join(a.roles),
                       t("where", lang): t("per_item" if a.per_item else "on_collection", lang)} for a in assets],
                     hide_index=True, width="stretch")
    if bands:
        st.markdown(f"**{t('bands', lang)}**")
        st.dataframe([{t("band", lang): b.name, t("common_name", lang): b.common_name,
                       t("description", lang): b.description,
                       t("wavelength", lang): f"{b.wavelength_um:g} µm" if b.wavelength_um else "",
                       t("spatial_res", lang): f"{b.resolution_m:g} m" if b.resolution_m else ""} for b in bands],
                     hide_index=True, width="stretch")
    if summaries:
        st.markdown(f"**{t('summaries', lang)}**")
        st.dataframe([{t("field", lang): k, t("values", lang): v} for k, v in summaries],
                     hide_index=True, width="stretch")


def render_usage(record: DatasetRecord, lang: str) -> None:
    """"Use this dataset": code to copy (STAC API, local GeoTIFFs, the command line)."""
    try:
        found = data_files(record)
    except AtlasError:
        found = []
    geotiffs = [f.name for f in found if f.format == "GeoTIFF"]
    st.subheader(t("use_dataset", lang))
    for snippet in usage_snippets(record, geotiffs, [f.name for f in found if f.previewable]):
        st.caption(t("snippet_" + snippet.key, lang))
        st.code(snippet.code, language=snippet.language)


def overlay_looks(record: DatasetRecord, file: str | None = None) -> list[tuple[str, Quicklook]]:
    """(caption, quicklook) pairs to draw on the map for the selected dataset, the chosen ``file``
    last (on top); errors left out (the panel reports them)."""
    try:
        files = data_files(record)
        chosen, _ = choose_file(files, file)
        pairs = [(f, look) for f, look in file_quicklooks(overlay_files(files, chosen, MAX_OVERLAYS))
                 if not isinstance(look, AtlasError) and look.bounds]
    except Exception:  # noqa: BLE001 - the record's own content (paths); the detail panel reports it
        return []
    # Channels and days of one grid (SMMR) share a footprint: only the chosen one can be seen,
    # the others hide it. Tiles of a mosaic (CALC-2020) each have their own and all stay.
    distinct: dict[tuple[float, ...], tuple[DataFile, Quicklook]] = {}
    for f, look in pairs:
        assert look.bounds is not None
        distinct.setdefault(tuple(round(v, 2) for v in look.bounds), (f, look))
    return [(f.name, look) for f, look in reversed(distinct.values())]
