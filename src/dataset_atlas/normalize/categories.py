"""Top-level categories: one bilingual label table for NCDC categories and STAC themes.

The catalog stores the NCDC (Chinese) name; STAC collections, which have no category, get the
NCDC category their theme means (snow → 积雪, land cover → 基础地理, ...), so "冻土" and a
STAC "Permafrost" are one facet. Categories not in the table are shown as given, in both
languages (the list itself always comes from the data).
"""

from __future__ import annotations

# DOMAIN.md §6 (NCDC's top-level categories), then the themes STAC collections add.
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "冰川": ("冰川", "Glaciers"),
    "冻土": ("冻土", "Permafrost and frozen ground"),
    "积雪": ("积雪", "Snow"),
    "海冰": ("海冰", "Sea ice"),
    "冰冻圈综合": ("冰冻圈综合", "Cryosphere (integrated)"),
    "沙漠": ("沙漠", "Deserts"),
    "基础地理": ("基础地理", "Basic geography"),
    "气象": ("气象", "Meteorology"),
    "水文": ("水文", "Hydrology"),
    "生态": ("生态", "Ecology"),
    "人文与社会": ("人文与社会", "Human and society"),
    "遥感及产品": ("遥感及产品", "Remote sensing and products"),
    # not NCDC top-level categories: STAC themes without an NCDC equivalent, older NCDC names
    "海洋": ("海洋", "Ocean"),
    "土壤": ("土壤", "Soil"),
    "大气": ("大气", "Atmosphere"),
    "冰冻圈": ("冰冻圈", "Cryosphere"),
    "遥感": ("遥感", "Remote sensing"),
    "气候": ("气候", "Climate"),
    "水资源": ("水资源", "Water resources"),
    "其他": ("其他", "Other"),
}


def category_label(category: str, lang: str) -> str:
    """The category in ``lang`` ('zh' or 'en'); unknown categories as given."""
    labels = CATEGORY_LABELS.get(category)
    if labels is None:
        return category
    return labels[1] if lang == "en" else labels[0]
