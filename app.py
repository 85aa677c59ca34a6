"""Dataset Atlas: the Streamlit entry point (navigation only; every page is in pages/)."""

import streamlit as st

from dataset_atlas.ui.i18n import t

lang = st.session_state.get("w_lang") or st.query_params.get("lang", "zh")
st.set_page_config(page_title="Dataset Atlas · 数据集地图", page_icon="🗺️", layout="wide")
navigation = st.navigation([
    st.Page("pages/browse.py", title=t("browse", lang), icon=":material/map:", default=True),
    st.Page("pages/dataset.py", title=t("dataset", lang), icon=":material/description:", url_path="dataset"),
    st.Page("pages/catalog.py", title=t("catalog", lang), icon=":material/inventory_2:", url_path="catalog"),
])
navigation.run()
