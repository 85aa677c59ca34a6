"""Interface strings in Chinese and English (record texts have their own fallback)."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}

_T: dict[str, tuple[str, str]] = {
    "app_title": ("数据集地图", "Dataset Atlas"),
    "browse": ("浏览", "Browse"),
    "dataset": ("数据集详情", "Dataset"),
    "catalog": ("目录与导入", "Catalog & ingest"),
    "language": ("语言", "Language"),
    "view": ("视图", "View"),
    "filters": ("筛选", "Filters"),
    "any": ("不限", "Any"),
    "text": ("关键词（中文或英文）", "Search text (Chinese or English)"),
    "text_help": ("匹配标题、摘要和标签；多个词须全部出现；用引号搜索短语",
                  "Matches titles, abstracts and tags; every word must appear; quote a phrase"),
    "time": ("时间范围（年）", "Time range (years)"),
    "exact_dates": ("精确日期", "Exact dates"),
    "from": ("起", "From"),
    "to": ("止", "To"),
    "category": ("类别", "Category"),
    "resolution": ("空间分辨率（像元大小）", "Spatial resolution (cell size)"),
    "resolution_help": ("对数刻度；缩小范围后，分辨率未知的数据集不再显示",
                        "Log scale; once narrowed, datasets of unknown resolution are left out"),
    "time_resolution": ("时间分辨率", "Temporal resolution"),
    "access": ("共享方式", "Access"),
    "format": ("数据格式", "Format"),
    "area": ("区域", "Area"),
    "area_help": ("西,南,东,北（度）；西 > 东 表示跨越 180° 经线。也可在地图上画矩形。",
                  "W,S,E,N in degrees; W > E crosses the antimeridian. Or draw a box on the map."),
    "use_view": ("使用当前地图视野", "Use the current map view"),
    "clear": ("清除全部筛选", "Clear all filters"),
    "sort": ("排序", "Sort by"),
    "basemap": ("底图", "Basemap"),
    "basemap_offline": ("离线底图（随应用提供）", "Offline (ships with the app)"),
    "basemap_osm": ("OpenStreetMap（需联网）", "OpenStreetMap (online)"),
    "basemap_esri": ("Esri 影像（需联网）", "Esri imagery (online)"),
    "n_of_m": ("{n} / {m} 个数据集", "{n} of {m} datasets"),
    "no_extent_note": ("其中 {n} 个没有空间范围：可在列表中找到，但不在地图上", "{n} of them have no extent: listed below, not on the map"),
    "approx_note": ("虚线 = 根据地名估计的近似范围", "Dashed = approximate extent guessed from the place name"),
    "results": ("结果列表", "Results"),
    "timeline": ("时间覆盖", "Timeline"),
    "export": ("导出", "Export"),
    "export_csv": ("下载 CSV", "Download CSV"),
    "export_geojson": ("下载 GeoJSON", "Download GeoJSON"),
    "page": ("页", "Page"),
    "rows_shown": ("第 {a}–{b} 条，共 {n} 条；点击一行以选择数据集", "Rows {a}–{b} of {n}; click a row to select the dataset"),
    "select_hint": ("在地图上点击范围或在列表中选择一行以查看详情", "Click an extent on the map or a row in the list to see its details"),
    "open_page": ("打开详情页", "Open the full page"),
    "title": ("标题", "Title"),
    "start": ("开始", "Start"),
    "end": ("结束", "End"),
    "ongoing": ("持续中", "ongoing"),
    "unknown": ("未知", "unknown"),
    "time_span": ("时间范围", "Time span"),
    "spatial_res": ("空间分辨率", "Spatial resolution"),
    "temporal_res": ("时间分辨率", "Temporal resolution"),
    "projection": ("投影 / 坐标系", "Projection / coordinates"),
    "formats": ("格式", "Format"),
    "size": ("数据量", "Size"),
    "files": ("文件数", "Files"),
    "licence": ("许可协议", "Licence"),
    "extent": ("空间范围", "Extent"),
    "extent_quality": ("范围质量", "Extent quality"),
    "place": ("地点", "Place"),
    "citation": ("引用（可复制）", "Citation (ready to copy)"),
    "contributors": ("贡献者", "Contributors"),
    "keywords": ("关键词", "Keywords"),
    "abstract": ("摘要", "Abstract"),
    "facts": ("基本信息", "Key facts"),
    "quicklook": ("数据快视图", "Quicklook"),
    "data_files": ("数据文件", "Data files"),
    "no_files": ("未找到此数据集的本地数据文件（数据目录：{root}）", "No local data files found for this dataset (data folder: {root})"),
    "no_data_root": ("未配置数据目录（DATASET_ATLAS_DATA_ROOT）", "No data folder configured (DATASET_ATLAS_DATA_ROOT)"),
    "previewable": ("可预览", "previewable"),
    "synthetic": ("合成演示数据，并非真实观测", "Synthetic demo data, not real observations"),
    "overlay": ("地图上显示快视图", "Quicklooks on the map"),
    "opacity": ("透明度", "Opacity"),
    "stats": ("统计", "Statistics"),
    "legend": ("图例", "Legend"),
    "not_found": ("没有 ID 为 {id} 的数据集", "No dataset with id {id}"),
    "choose_dataset": ("选择数据集", "Choose a dataset"),
    "back": ("返回浏览", "Back to browsing"),
    "ingest_summary": ("导入摘要", "Ingest summary"),
    "source": ("目录来源", "Catalog source"),
    "records": ("记录", "Records"),
    "rejected": ("被拒绝的文件", "Rejected files"),
    "warnings": ("警告", "Warnings"),
    "skipped": ("跳过（非数据集）", "Skipped (not datasets)"),
    "none": ("无", "none"),
    "seeds_source": ("内置种子记录（seeds/）", "Embedded seed records (seeds/)"),
    "no_facet_counts": ("此目录（STAC API）不提供分面计数", "This catalog (a STAC API) gives no counts per filter value"),
    "id": ("ID", "ID"),
    "quality_exact": ("精确", "exact"),
    "quality_point": ("点位", "point"),
    "quality_approximate": ("近似（根据地名估计）", "approximate (guessed from the place name)"),
    "quality_corrected": ("已校正", "corrected"),
    "quality_missing": ("缺失", "missing"),
    "map_aggregated": ("结果较多：地图按网格显示数量；放大地图或点击数字可显示各自范围",
                       "Many results: the map shows counts per cell; zoom in or click a count to see each extent"),
    "error": ("出错了", "Something went wrong"),
    "coverage_per_year": ("每年覆盖的数据集数量", "Datasets covering each year"),
    "no_time": ("没有时间信息的数据集：{n}", "Datasets without a time span: {n}"),
}

# Values shown for the controlled vocabularies.
_VALUES: dict[str, tuple[str, str]] = {
    "hourly": ("逐小时", "hourly"), "daily": ("逐日", "daily"), "weekly": ("逐周", "weekly"),
    "monthly": ("逐月", "monthly"), "yearly": ("逐年", "yearly"), "other": ("其他", "other"),
    "unknown": ("未知", "unknown"), "open-access": ("开放获取", "open access"),
    "apply-access": ("申请获取", "on application"), "login-access": ("登录获取", "after login"),
    "exact": ("精确", "exact"), "point": ("点位", "point"), "approximate": ("近似", "approximate"),
    "corrected": ("已校正", "corrected"), "missing": ("缺失", "missing"),
}  # fmt: skip


def t(key: str, lang: str, **values: object) -> str:
    """The interface string ``key`` in ``lang``."""
    zh, en = _T[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def value_label(value: str, lang: str) -> str:
    """A vocabulary value (access, time resolution, quality) as shown to the user."""
    if value in _VALUES:
        zh, en = _VALUES[value]
        return en if lang == "en" else zh
    return value or t("unknown", lang)


# English names of common NCDC categories (the filter keeps the catalog's own value).
CATEGORY_EN = {
    "冻土": "Permafrost", "冰川": "Glaciers", "积雪": "Snow", "海冰": "Sea ice", "冰冻圈": "Cryosphere",
    "基础地理": "Basic geography", "遥感及产品": "Remote sensing & products", "遥感": "Remote sensing",
    "水文": "Hydrology", "水资源": "Water resources", "气象": "Meteorology", "气候": "Climate",
    "大气": "Atmosphere", "生态": "Ecology", "植被": "Vegetation", "土壤": "Soil", "沙漠": "Deserts",
    "荒漠": "Deserts", "湖泊": "Lakes", "地质": "Geology", "地球物理": "Geophysics", "极地": "Polar regions",
    "社会经济": "Socio-economics", "灾害": "Hazards", "农业": "Agriculture", "森林": "Forests",
}  # fmt: skip


def category_label(category: str, lang: str) -> str:
    """A category as shown: its English name where known, else the catalog's own text."""
    if lang == "en" and category in CATEGORY_EN:
        return f"{CATEGORY_EN[category]} ({category})"
    return category or t("unknown", lang)
