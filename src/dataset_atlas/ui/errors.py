"""One table from domain errors to what the user sees; pages never invent their own."""

from __future__ import annotations

import streamlit as st

from dataset_atlas.errors import (
    AtlasError,
    IndexFileError,
    QueryError,
    RasterError,
    RecordError,
    UnsafePathError,
)

# (error class, Streamlit call, prefix zh, prefix en); the first matching class wins.
_TABLE: list[tuple[type[BaseException], str, str, str]] = [
    (UnsafePathError, "error", "拒绝访问数据目录以外的文件", "Refused: file outside the data folder"),
    (RasterError, "warning", "无法生成快视图", "Cannot draw a quicklook"),
    (QueryError, "warning", "筛选条件无效", "Invalid filter"),
    (IndexFileError, "error", "无法读取目录索引", "Cannot read the catalog index"),
    (RecordError, "warning", "记录无效", "Invalid record"),
    (AtlasError, "error", "出错了", "Something went wrong"),
]


def show_error(exc: BaseException, lang: str) -> None:
    """Show ``exc`` as the table says (the message names the file or record)."""
    for cls, kind, zh, en in _TABLE:
        if isinstance(exc, cls):
            prefix = en if lang == "en" else zh
            getattr(st, kind)(f"{prefix}: {exc}")
            return
    raise exc
