"""CSTR and DOI identifiers."""

from __future__ import annotations

import re

_CSTR = re.compile(r"(\d{5}\.\d{2}\.[^\s/?#]+(?:\.[^\s/?#]+)*)")
_DOI = re.compile(r"(10\.\d{4,9}/[^\s\"'<>，。；;]+)")
_CSTR_URL = re.compile(r"^(https?://)?(www\.)?cstr\.cn/", re.I)
_CSTR_PREFIX = re.compile(r"^cstr\s*[:：]\s*", re.I)


def normalize_cstr(value: object) -> str:
    """Bare CSTR (``31253.11.sciencedb.01869``) from bare text or a cstr.cn URL."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    text = _CSTR_PREFIX.sub("", _CSTR_URL.sub("", text))
    m = _CSTR.search(text)
    return m.group(1).rstrip(".") if m else ""


def normalize_doi(value: object) -> str:
    """Bare DOI (``10.xxxx/...``) from a DOI, a doi.org URL or citation text (``doi：10.…``)."""
    if not isinstance(value, str):
        return ""
    m = _DOI.search(value.replace("：", ":"))
    return m.group(1).rstrip(".,)") if m else ""
