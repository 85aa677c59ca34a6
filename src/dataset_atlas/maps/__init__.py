"""The map layer: folium maps of dataset extents that work fully offline.

Never imports Streamlit. The page glue is::

    from dataset_atlas.maps import MapOptions, build_map_parts, datasets_at_click, legend_html, view_from_return

    view = view_from_return(st.session_state.get("atlas_map"))  # what the browser shows
    parts = build_map_parts(results, MapOptions(lang=lang, selected_id=selected, view=view,
                                                category_order=catalog.values("category")))
    ret = st_folium(parts.map, feature_group_to_add=parts.features, key="atlas_map",
                    returned_objects=["last_clicked", "last_object_clicked",
                                      "last_object_clicked_tooltip", "bounds", "zoom"])
    under_click = datasets_at_click(ret, results)  # smallest extent first; [] for a count cell
    st.html(legend_html(results["category"].value_counts().to_dict(), lang,
                        order=catalog.values("category")))

See :class:`MapParts` for why the features travel separately (no remount on rerun).
"""

from dataset_atlas.maps.aggregate import CELL_PX, Cell, MapPlan, MapView, plan_map, view_from_return
from dataset_atlas.maps.basemap import default_polar_view, polar_frame
from dataset_atlas.maps.build import (
    FEATURE_BUDGET_BYTES,
    PAYLOAD_LIMIT_BYTES,
    MapOptions,
    MapParts,
    MapStats,
    build_extent_map,
    build_map,
    build_map_parts,
    payload_bytes,
)
from dataset_atlas.maps.click import clicked_point, dataset_id_from_click, datasets_at_click, is_cell_click
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
from dataset_atlas.maps.overlays import add_polar_quicklook_overlay, add_quicklook_overlay, rgba_to_data_url
from dataset_atlas.maps.style import OTHER_COLOR, PALETTE, category_color, extent_tooltip, label, legend_html

__all__ = [
    "CELL_PX",
    "OTHER_COLOR",
    "PALETTE",
    "Cell",
    "MapPlan",
    "MapView",
    "clicked_point",
    "datasets_at_click",
    "is_cell_click",
    "plan_map",
    "view_from_return",
    "FEATURE_BUDGET_BYTES",
    "MERCATOR_MAX_LAT",
    "PAYLOAD_LIMIT_BYTES",
    "Box",
    "MapOptions",
    "MapParts",
    "MapStats",
    "OfflineAssetError",
    "add_polar_quicklook_overlay",
    "add_quicklook_overlay",
    "aggregate_extents",
    "asset_urls",
    "box_center",
    "build_extent_map",
    "build_map",
    "build_map_parts",
    "category_color",
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
    "default_polar_view",
    "polar_frame",
    "rgba_to_data_url",
]
