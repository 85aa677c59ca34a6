"""The Export tab: the current result as CSV / GeoJSON and its citations, generated on click."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

import streamlit as st

from dataset_atlas.catalog import Catalog, SearchResult
from dataset_atlas.catalog.export import export_file_name, iter_csv, iter_geojson, result_citations
from dataset_atlas.citation import MEDIA_TYPE
from dataset_atlas.ui.i18n import t
from dataset_atlas.ui.state import ViewState


def encoded(chunks: Iterable[str]) -> io.BytesIO:
    """The export's UTF-8 bytes, encoded chunk by chunk (no whole-result text beside them).

    Streamlit's download_button (1.67) reads a callable's file-like whole into its media
    store, so these bytes are the one copy of the file the app holds.
    """
    out = io.BytesIO()
    for chunk in chunks:
        out.write(chunk.encode("utf-8"))
    return out


_CITATION_LABELS = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON", "text": "cite_text"}


def render_export(state: ViewState, result: SearchResult, catalog: Catalog) -> None:
    """Download buttons; each file is built only when its button is clicked."""
    lang = state.lang
    frame = result.frame
    query = state.query()

    def name(kind: str) -> str:
        return export_file_name(query, len(frame), result.total, kind)

    st.caption(t("export_note", lang, n=len(frame)))
    c1, c2 = st.columns(2)
    c1.download_button(t("export_csv", lang), data=lambda: encoded(iter_csv(frame, catalog.get)),
                       file_name=name("csv"), mime="text/csv", width="stretch", on_click="ignore")
    c2.download_button(t("export_geojson", lang),
                       data=lambda: encoded(iter_geojson(frame, catalog.get)),
                       file_name=name("geojson"), mime="application/geo+json", width="stretch", on_click="ignore")
    st.markdown(f"**{t('export_citations', lang)}**")

    def citations(fmt: str) -> Callable[[], bytes]:
        return lambda: result_citations(frame, catalog.get, fmt, lang).encode("utf-8")

    for column, fmt in zip(st.columns(len(_CITATION_LABELS)), _CITATION_LABELS, strict=True):
        label = _CITATION_LABELS[fmt]
        column.download_button(
            t(label, lang) if label.startswith("cite_") else label,
            data=citations(fmt),
            file_name=name(fmt), mime=MEDIA_TYPE[fmt], width="stretch", on_click="ignore",
            key=f"export_cite_{fmt}", icon=":material/format_quote:")
