"""Tiny Streamlit page for the offline map browser test (run by tests/browser/test_map_offline.py)."""

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dataset_atlas.maps import MapOptions, build_map_parts, dataset_id_from_click, legend_html

results = pd.DataFrame(
    {
        "id": ["tibet", "lhasa", "bering", "antarctic", "greenland", "nowhere"],
        "title_zh": [
            "青藏高原冰川<script>alert(1)</script>",
            "拉萨站<img src=x onerror=alert(2)>",
            "白令海海冰",
            "南极冰盖",
            "格陵兰冰盖",
            "无范围",
        ],
        "title_en": ["Tibet", "Lhasa", "Bering", "Antarctic", "Greenland", "None"],
        "category": ["冰川", "气象站", "海冰", "冰盖", "冰盖", "冰川"],
        "west": [75.0, 91.1, 165.0, -180.0, -73.0, np.nan],
        "south": [27.0, 29.6, 52.0, -90.0, 59.0, np.nan],
        "east": [104.0, 91.1, -160.0, 180.0, -11.0, np.nan],
        "north": [40.0, 29.6, 66.0, -60.0, 84.0, np.nan],
        "extent_quality": ["exact", "point", "approximate", "exact", "corrected", "missing"],
    }
)

if "n" in st.query_params:
    # ?n=5000: a synthetic catalog, too big to draw one by one (aggregated view).
    n = int(st.query_params["n"])
    rng = np.random.default_rng(0)
    west = rng.uniform(-180, 170, n)
    south = rng.uniform(-80, 70, n)
    results = pd.DataFrame(
        {
            "id": [f"syn{i}" for i in range(n)],
            "title_zh": "合成",
            "title_en": "synthetic",
            "category": [f"c{i % 7}" for i in range(n)],
            "west": west,
            "south": south,
            "east": west + rng.uniform(0, 10, n),
            "north": south + rng.uniform(0, 10, n),
            "extent_quality": "exact",
        }
    )

selected = st.session_state.get("selected")
parts = build_map_parts(results, MapOptions(lang="zh", selected_id=selected))
ret = st_folium(
    parts.map,
    feature_group_to_add=parts.features,
    key="atlas_map",
    height=520,
    use_container_width=True,
    returned_objects=["last_object_clicked", "last_object_clicked_tooltip"],
)
clicked = dataset_id_from_click(ret, results)
if clicked and clicked != selected:
    st.session_state["selected"] = clicked
    st.rerun()
st.markdown(f"selected: `{selected}`")
st.html(legend_html(results["category"].value_counts().to_dict(), "zh"))
