"""Interface strings in Chinese and English (record texts have their own fallback)."""

from __future__ import annotations

from typing import Literal

from dataset_atlas.normalize.categories import category_label as _category_label

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
    "sort_help": ("相关度：标题和编号的匹配优先；没有关键词时按标题排序。",
                  "Relevance: matches in the title and id first; without search text, by title."),
    "basemap": ("底图", "Basemap"),
    "basemap_offline": ("离线底图（随应用提供）", "Offline (ships with the app)"),
    "basemap_osm": ("OpenStreetMap（需联网）", "OpenStreetMap (online)"),
    "basemap_esri": ("Esri 影像（需联网）", "Esri imagery (online)"),
    "map_projection": ("地图投影", "Map projection"),
    "proj_3857": ("全球（Web 墨卡托）", "World (Web Mercator)"),
    "proj_3413": ("北极（EPSG:3413 极地立体）", "Arctic (EPSG:3413 polar stereographic)"),
    "proj_3031": ("南极（EPSG:3031 极地立体）", "Antarctic (EPSG:3031 polar stereographic)"),
    "polar_hint": ("当前结果都在 {side}（纬度高于 60°）：", "Every dataset in the result lies in the {side} (poleward of 60°):"),
    "polar_hint_go": ("用{side}视图查看", "Show the {side} view"),
    "side_3413": ("北极", "Arctic"),
    "side_3031": ("南极", "Antarctic"),
    "polar_online_basemap": ("极地视图只用离线底图（在线瓦片只有 Web 墨卡托）",
                             "Polar views always use the offline basemap (online tiles are Web Mercator only)"),
    "n_of_m": ("{n} / {m} 个数据集", "{n} of {m} datasets"),
    "no_extent_note": ("其中 {n} 个没有空间范围：可在列表中找到，但不在地图上", "{n} of them have no extent: listed below, not on the map"),
    "approx_note": ("虚线 = 根据地名估计的近似范围", "Dashed = approximate extent guessed from the place name"),
    "results": ("结果列表", "Results"),
    "timeline": ("时间覆盖", "Timeline"),
    "export": ("导出", "Export"),
    "export_csv": ("下载 CSV", "Download CSV"),
    "export_geojson": ("下载 GeoJSON", "Download GeoJSON"),
    "result_capped": ("地图、结果表和时间线显示按当前排序的前 {n} 个数据集（共 {m} 个匹配，筛选计数包含全部）；缩小筛选范围即可看到其余数据集。",
                      "The map, table and timeline show the first {n} of {m} matching datasets in the current order (the filter counts cover all of them); narrow the filters to see the rest."),
    "export_note": ("导出当前结果的 {n} 个数据集：含 CSTR、DOI、数据集主页、许可协议和摘要", "Exports the {n} datasets of the current result, with CSTR, DOI, landing page, licence and abstract"),
    "export_citations": ("导出全部引用", "Citations of the whole result"),
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
    "cite_text": ("文本", "Text"),
    "path": ("路径", "path"),
    "area_invalid": ("区域无效：请输入 西,南,东,北 四个数（度）；经度在 ±180 之内，纬度在 ±90 之内，南不大于北", "Invalid area"),
    "data_folder": ("数据目录", "the data folder"),
    "choose_option": ("请选择", "Choose an option"),
    "reason": ("原因", "reason"),
    "warning": ("警告", "warning"),
    "count": ("数量", "count"),
    "extent_from_place": ("根据地名“{place}”估计", "estimated from the place name “{place}”"),
    "angular_res": ("{text}（赤道处约 {metres}）", "{text} (≈ {metres} at the equator)"),
    "stat_min": ("最小值", "min"),
    "stat_max": ("最大值", "max"),
    "stat_mean": ("平均值", "mean"),
    "stat_valid_fraction": ("有效像元", "valid pixels"),
    "how_read": ("文件读取方式", "How the file was read"),
    "hist_value": ("数值", "value"),
    "hist_pixels": ("像元数", "pixels"),
    "file_name": ("文件名", "File name"),
    "preview_file": ("预览文件（共 {n} 个）", "File to preview ({n} files)"),
    "file_not_found": ("链接中的文件 {name} 不是此数据集的可预览文件：显示第一个文件",
                       "The link names the file {name}, which is not a previewable file of this dataset: "
                       "showing its first file"),
    "previews_shown": ("第 {a}–{b} 个预览，共 {n} 个可预览文件", "Previews {a}–{b} of {n} previewable files"),
    "preview_page": ("预览页", "Preview page"),
    "file_content": ("内容", "Content"),
    "pass_A": ("升轨", "ascending"),
    "pass_D": ("降轨", "descending"),
    "pol_H": ("水平极化", "H"),
    "pol_V": ("垂直极化", "V"),
    "landing_page": ("数据集主页", "Landing page"),
    "publisher": ("发布机构", "Publisher"),
    "contact": ("联系人", "Contact"),
    "data_source": ("数据来源", "Data source"),
    "processing": ("数据处理方法", "Processing method"),
    "data_quality": ("数据质量", "Data quality"),
    "references": ("参考文献与相关论文", "References and related papers"),
    "contents": ("数据内容", "Contents"),
    "assets": ("资源文件（assets）", "Assets"),
    "asset_key": ("键", "Key"),
    "media_type": ("类型", "Type"),
    "roles": ("用途", "Roles"),
    "where": ("位置", "Where"),
    "per_item": ("每个条目（item）", "in every item"),
    "on_collection": ("集合本身", "on the collection"),
    "bands": ("波段", "Bands"),
    "band": ("波段", "Band"),
    "common_name": ("通用名", "Common name"),
    "description": ("说明", "Description"),
    "wavelength": ("中心波长", "Centre wavelength"),
    "summaries": ("取值概要（summaries）", "Summaries"),
    "field": ("字段", "Field"),
    "values": ("取值", "Values"),
    "use_dataset": ("使用此数据集", "Use this dataset"),
    "snippet_pystac": ("Python：用 pystac-client 从 STAC API 查找数据条目", "Python: find the items through the STAC API with pystac-client"),
    "snippet_rasterio": ("Python：用 rasterio 读取本地数据文件", "Python: read the local data files with rasterio"),
    "snippet_cli": ("命令行：记录、引用和快视图", "Command line: the record, its citation, a quicklook"),
    "download_citation": ("下载 {fmt}", "Download {fmt}"),
    "contributors": ("贡献者", "Contributors"),
    "keywords": ("关键词", "Keywords"),
    "abstract": ("摘要", "Abstract"),
    "facts": ("基本信息", "Key facts"),
    "quicklook": ("数据快视图", "Quicklook"),
    "data_files": ("数据文件", "Data files"),
    "no_files": ("数据目录中没有此数据集的本地数据文件", "No local data files for this dataset in the data folder"),
    "no_data_root": ("未配置数据目录（DATASET_ATLAS_DATA_ROOT）", "No data folder configured (DATASET_ATLAS_DATA_ROOT)"),
    "previewable": ("可预览", "Previewable"),
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
    "also_searched": ("同时搜索了：{terms}", "Also searched: {terms}"),
    "also_searched_help": ("术语表中的译名：只匹配译名的数据集排在直接匹配之后",
                           "Translations from the glossary: datasets matching only a translation rank below direct matches"),
    "url_rejected": ("链接中的参数无法使用，已忽略：{keys}", "Link parameters that cannot be used were ignored: {keys}"),
}

# Values shown for the controlled vocabularies.
_VALUES: dict[str, tuple[str, str]] = {
    "hourly": ("逐小时", "hourly"), "daily": ("逐日", "daily"), "weekly": ("逐周", "weekly"),
    "4-day": ("逐4天", "4-day"), "5-day": ("逐候（5天）", "5-day (pentad)"), "8-day": ("逐8天", "8-day"),
    "10-day": ("逐旬（10天）", "10-day (dekad)"), "16-day": ("逐16天", "16-day"),
    "monthly": ("逐月", "monthly"), "yearly": ("逐年", "yearly"), "other": ("其他", "other"),
    "unknown": ("未知", "unknown"), "open-access": ("开放获取", "open access"),
    "apply-access": ("申请获取", "on application"), "login-access": ("登录获取", "after login"),
    "exact": ("精确", "exact"), "point": ("点位", "point"), "approximate": ("近似", "approximate"),
    "corrected": ("已校正", "corrected"), "missing": ("缺失", "missing"),
    "contributor": ("数据作者", "author"), "metadata author": ("元数据作者", "metadata author"),
    "contact": ("联系人", "contact"), "data service": ("数据服务", "data service"), "provider": ("提供方", "provider"),
}  # fmt: skip

# The access mode in words: what a researcher has to do to get the files.
_ACCESS_WORDS: dict[str, tuple[str, str]] = {
    "open-access": ("开放获取：无需登录即可下载", "Open: download without an account"),
    "login-access": ("登录获取：在数据中心登录后下载", "After login: sign in at the data centre to download"),
    "apply-access": ("申请获取：向数据中心提交申请，获批后下载", "On application: apply to the data centre, download once approved"),
    "unknown": ("未说明：请查看数据集主页", "Not stated: see the landing page"),
}


def access_words(access: str, lang: str) -> str:
    """The access mode as a sentence (open, after login, on application)."""
    if access in _ACCESS_WORDS:
        zh, en = _ACCESS_WORDS[access]
        return en if lang == "en" else zh
    return value_label(access, lang)


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


def category_label(category: str, lang: str) -> str:
    """A category as shown in ``lang`` (the bilingual table in normalize/categories.py)."""
    return _category_label(category, lang) if category else t("unknown", lang)


# Format names that are words, not product names (normalize/formats.py); others are as given.
_FORMAT_WORDS: dict[str, tuple[str, str]] = {
    "Raster": ("栅格", "Raster"), "Vector": ("矢量", "Vector"), "Image": ("图像", "Image"), "Text": ("文本", "Text"),
}  # fmt: skip


def format_label(value: str, lang: str) -> str:
    """A data format as shown: 栅格 for Raster in Chinese; product names (GeoTIFF) as given."""
    words = _FORMAT_WORDS.get(value)
    return value if words is None else words[1] if lang == "en" else words[0]
