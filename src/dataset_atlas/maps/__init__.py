"""The map layer: folium maps of dataset extents that work fully offline.

Never imports Streamlit. The page glue is::

    from dataset_atlas.maps import build_map_parts, dataset_id_from_click, legend_html

    parts = build_map_parts(results, lang=lang, selected_id=selected)
    ret = st_folium(parts.map, feature_group_to_add=parts.features, key="atlas_map",
                    returned_objects=["last_object_clicked", "last_object_clicked_tooltip",
                                      "last_active_drawing"])
    clicked = dataset_id_from_click(ret, results)
    st.html(legend_html(results["category"].value_counts().to_dict(), lang))

See :class:`MapParts` for why the features travel separately (no remount on rerun).
"""

from dataset_atlas.maps.build import (
    FEATURE_BUDGET_BYTES,
    PAYLOAD_LIMIT_BYTES,
    MapParts,
    MapStats,
    add_quicklook_overlay,
    build_extent_map,
    build_map,
    build_map_parts,
    cell_deg_for_zoom,
    payload_bytes,
    rgba_to_data_url,
)
from dataset_atlas.maps.click import dataset_id_from_click
from dataset_atlas.maps.extents import (
    MERCATOR_MAX_LAT,
    Box,
    aggregate_extents,
    box_center,
    display_parts,
    make_box,
)
from dataset_atlas.maps.offline import (
    OfflineAssetError,
    asset_urls,
    external_urls,
    is_local,
    make_offline,
)
from dataset_atlas.maps.style import category_color, extent_tooltip, label, legend_html

__all__ = [
    "FEATURE_BUDGET_BYTES",
    "MERCATOR_MAX_LAT",
    "PAYLOAD_LIMIT_BYTES",
    "Box",
    "MapParts",
    "MapStats",
    "OfflineAssetError",
    "add_quicklook_overlay",
    "aggregate_extents",
    "asset_urls",
    "box_center",
    "build_extent_map",
    "build_map",
    "build_map_parts",
    "category_color",
    "cell_deg_for_zoom",
    "dataset_id_from_click",
    "display_parts",
    "extent_tooltip",
    "external_urls",
    "is_local",
    "label",
    "legend_html",
    "make_box",
    "make_offline",
    "payload_bytes",
    "rgba_to_data_url",
]
