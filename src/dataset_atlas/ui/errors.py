"""One table from domain errors to what the user sees; pages never invent their own."""

from __future__ import annotations

import re
from collections.abc import Callable

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


def plain(text: object) -> str:
    """``text`` as a Markdown code span: shown as typed, never a link, image or HTML.

    Messages quote ids, paths and URL parameters that anyone can choose. Backslash escapes
    are not enough (GFM still turns a bare ``http://…`` into a link); inside a code span
    nothing is interpreted. The fence is longer than any backtick run in the text.
    """
    value = " ".join(str(text).split()) or " "
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def show_error(exc: BaseException, lang: str) -> None:
    """Show ``exc`` as the table says (the message names the file or record)."""
    for cls, kind, zh, en in _TABLE:
        if isinstance(exc, cls):
            prefix = en if lang == "en" else zh
            getattr(st, kind)(f"{prefix}: {plain(exc)}")
            return
    raise exc


def guarded(record_id: str, lang: str, draw: Callable[[], None]) -> None:
    """Draw part of a page from one record's content; whatever that content breaks is a
    message about that record, never a traceback (e.g. a NUL byte in an asset path)."""
    try:
        draw()
    except AtlasError as exc:
        show_error(exc, lang)
    except Exception as exc:  # noqa: BLE001 - any record content; the page must survive it
        prefix = "无法显示数据集" if lang != "en" else "Cannot show dataset"
        st.warning(f"{prefix} {plain(record_id)}: {plain(type(exc).__name__)}: {plain(exc)}")
