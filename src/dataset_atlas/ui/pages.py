"""The Dataset and Catalog pages (the Browse page is in :mod:`dataset_atlas.ui.browse`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dataset_atlas.catalog import Query
from dataset_atlas.ui.browse import prepare, selected_record
from dataset_atlas.ui.controls import select, set_pending
from dataset_atlas.ui.detail import render_detail
from dataset_atlas.ui.errors import guarded, plain
from dataset_atlas.ui.i18n import category_label, t, value_label


def render_dataset_page() -> None:
    """One dataset in full; ``?id=`` in the URL chooses it."""
    run = prepare()
    catalog, state, result = run.catalog, run.state, run.result
    lang = state.lang
    st.button(t("back", lang), icon=":material/arrow_back:", on_click=set_pending, kwargs={"view": "browse"})
    record = selected_record(catalog, state)
    if record is None:
        if state.selected:
            st.warning(t("not_found", lang, id=plain(state.selected)))
        frame = result.frame.head(500)
        titles = dict(zip(frame["id"], frame["title_en" if lang == "en" else "title_zh"], strict=True))
        choice = st.selectbox(t("choose_dataset", lang), options=list(titles), index=None,
                              format_func=lambda i: titles.get(i, i), placeholder=t("choose_option", lang))
        if choice:
            select(choice)
    else:
        guarded(record.id, lang, lambda: render_detail(record, lang))


def render_catalog_page() -> None:
    """Where the catalog came from and what its ingest rejected, for curators."""
    run = prepare()
    catalog, state = run.catalog, run.state
    lang = state.lang
    report = catalog.report
    st.markdown(f"### {t('ingest_summary', lang)}")
    source = t("seeds_source", lang) if catalog.source.kind == "seeds" else catalog.source.display
    st.markdown(f"**{t('source', lang)}:** `{source}`")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("records", lang), f"{len(catalog):,}")
    c2.metric(t("rejected", lang), f"{len(report.rejected):,}")
    c3.metric(t("warnings", lang), f"{len(report.warnings):,}")
    c4.metric(t("skipped", lang), f"{len(report.skipped):,}")
    st.markdown(f"**{t('rejected', lang)}**")
    if report.rejected:
        st.dataframe(pd.DataFrame([{t("path", lang): r.path, t("reason", lang): r.reason} for r in report.rejected]),
                     hide_index=True, width="stretch")
    else:
        st.caption(t("none", lang))
    with st.expander(f"{t('warnings', lang)} ({len(report.warnings):,})"):
        st.dataframe(pd.DataFrame({t("warning", lang): report.warnings[:5000]}), hide_index=True, width="stretch")
    if report.skipped:
        with st.expander(f"{t('skipped', lang)} ({len(report.skipped):,})"):
            st.dataframe(pd.DataFrame([{t("path", lang): r.path, t("reason", lang): r.reason}
                                       for r in report.skipped]), hide_index=True, width="stretch")
    facets = catalog.search(Query(limit=0)).facets  # the whole catalog's counts, counted by the backend
    col_a, col_b = st.columns(2)
    with col_a:
        st.markdown(f"**{t('category', lang)}**")
        categories = facets.get("category", {})
        st.dataframe(pd.DataFrame({t("category", lang): [category_label(str(c), lang) for c in categories],
                                   t("count", lang): list(categories.values())}), hide_index=True, width="stretch")
    with col_b:
        st.markdown(f"**{t('extent_quality', lang)}**")
        qualities = facets.get("extent_quality", {})
        st.dataframe(pd.DataFrame({t("extent_quality", lang): [value_label(str(v), lang) for v in qualities],
                                   t("count", lang): list(qualities.values())}), hide_index=True, width="stretch")
