"""Visible strings in both languages: format words and the data-files table headers (issue 22)."""

from __future__ import annotations

from dataset_atlas.ui.i18n import format_label, t


def test_format_words_are_translated_and_product_names_kept() -> None:
    assert format_label("Raster", "zh") == "栅格" and format_label("Raster", "en") == "Raster"
    assert format_label("Vector", "zh") == "矢量"
    assert format_label("GeoTIFF", "zh") == "GeoTIFF" and format_label("NetCDF", "en") == "NetCDF"


def test_file_table_headers_are_words_in_both_languages() -> None:
    keys = ("file_name", "file_content", "size", "formats", "previewable")
    assert [t(k, "en") for k in keys] == ["File name", "Content", "Size", "Format", "Previewable"]
    assert [t(k, "zh") for k in keys] == ["文件名", "内容", "数据量", "格式", "可预览"]


def test_calc2020_legend_names_the_classes_in_chinese() -> None:
    from dataset_atlas.quicklook.styles import CALC2020_CLASSES, class_label

    zh = [class_label(c.label, "zh") for c in CALC2020_CLASSES]
    assert zh[:3] == ["耕地", "森林", "禾本科苔原"] and zh[-1] == "冰/雪"
    assert all(class_label(c.label, "en") == c.label for c in CALC2020_CLASSES)
    assert class_label("3", "zh") == "3"  # classes found in the data (no names) stay as given
