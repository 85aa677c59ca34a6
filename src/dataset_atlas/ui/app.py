"""Routing: every view is served at ``/`` and chosen by ``?view=`` (browse, dataset, catalog).

Path-based pages (``/dataset?id=…``) made a deep link opened on its own log console errors:
Streamlit's loader first probes ``/dataset/_stcore/health`` and ``host-config`` (404) before
finding the server at ``/``. With one path, a shared link is as clean as the home page, and the
view is part of the state that Back/Forward restore.
"""

from __future__ import annotations

import streamlit as st

from dataset_atlas.ui.controls import current_view
from dataset_atlas.ui.i18n import t

PAGE_FILES = {"browse": "pages/browse.py", "dataset": "pages/dataset.py", "catalog": "pages/catalog.py"}
PAGE_ICONS = {"browse": ":material/map:", "dataset": ":material/description:", "catalog": ":material/inventory_2:"}


def run_app() -> None:
    """Configure the page and run the view this run asks for, always at the default path."""
    st.set_page_config(page_title="Dataset Atlas · 数据集地图", page_icon="🗺️", layout="wide",
                       initial_sidebar_state="auto")
    view = current_view()
    lang = st.session_state.get("w_lang") or st.query_params.get("lang", "zh")
    # One url_path for every view: Streamlit derives a page's identity, and so every widget's
    # identity, from it. Per-view identities made the top bar's widgets new on each view
    # change, and a new language radio sent its default (中文) back on the next click.
    page = st.Page(PAGE_FILES[view], title=t(view, lang), icon=PAGE_ICONS[view], default=True, url_path="atlas")
    st.navigation([page], position="hidden").run()
