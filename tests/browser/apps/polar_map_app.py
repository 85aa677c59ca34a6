"""Tiny Streamlit page: many small Arctic/Antarctic extents on a polar map (tests/browser/test_polar_maps.py).

?n=3000&proj=3413 draws n synthetic extents poleward of 62° on the polar map of that pole,
built for the view the browser reported (as the Browse page does), so counts split as you zoom.
"""

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dataset_atlas.maps import MapOptions, build_map_parts, view_from_return

epsg = int(st.query_params.get("proj", "3413"))
n = int(st.query_params.get("n", "3000"))
rng = np.random.default_rng(1)
sign = -1.0 if epsg == 3031 else 1.0
west = rng.uniform(-180, 179, n)
lat = rng.uniform(62, 87, n)
south = np.where(sign > 0, lat, -lat - 1.0)
results = pd.DataFrame({
    "id": [f"syn{i}" for i in range(n)], "title_zh": "合成", "title_en": "synthetic",
    "category": [f"c{i % 5}" for i in range(n)], "west": west, "south": south, "east": west + 1.0,
    "north": south + 1.0, "extent_quality": "exact",
})
key = f"polar_map_{epsg}"
view = view_from_return(st.session_state.get(key), epsg)
parts = build_map_parts(results, MapOptions(lang="en", epsg=epsg, view=view))
st_folium(parts.map, feature_group_to_add=parts.features, key=key, height=560, use_container_width=True,
          returned_objects=["bounds", "zoom"])
st.markdown(f"cells: `{parts.stats.cells}` drawn: `{parts.stats.drawn}`")
