"""HTML fragments from metadata: a sanitised version to display, a plain one to search."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

import nh3

# Tags the NCDC editor produces and that are harmless; everything else is dropped, scripts
# and styles with their content. Links keep only http(s)/mailto targets (nh3 drops the rest).
_ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "sub", "sup", "ul", "ol", "li", "span",
    "table", "thead", "tbody", "tr", "td", "th", "a", "blockquote", "h3", "h4", "h5", "h6", "code",
}  # fmt: skip
_ALLOWED_ATTRS = {"a": {"href", "title"}}
_URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|li|tr|h\d|blockquote)>|<br\s*/?>", re.I)
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u3000]+")
_ODD_SPACES = re.compile(r"[\t\u00a0\u2002\u2003\u3000]| {2}")  # what _SPACES would change
_BLANK_LINES = re.compile(r"\s*\n\s*")
# Text without these characters comes out of the HTML parser unchanged (no tag, no entity, no
# CR/NUL that the parser rewrites, no "<", ">", "&" or no-break space that the serialiser
# escapes), so it skips the parser: most fields of a record are plain text.
_CLEAN_OPTIONS: dict[str, Any] = {
    "tags": _ALLOWED_TAGS, "attributes": _ALLOWED_ATTRS, "url_schemes": _URL_SCHEMES,
    "link_rel": "noopener noreferrer nofollow", "clean_content_tags": {"script", "style"},
}
# A reusable Cleaner (nh3 >= 0.2.18) saves converting the options on every call (3x faster
# on short fragments); older nh3 only has the function.
if hasattr(nh3, "Cleaner"):
    _clean: Callable[[str], str] = nh3.Cleaner(**_CLEAN_OPTIONS).clean
else:  # pragma: no cover
    _clean = partial(nh3.clean, **_CLEAN_OPTIONS)
_HTML_SPECIAL = re.compile("[<>&\r\x00\xa0]")


def sanitize_html(fragment: object) -> str:
    """Return ``fragment`` as HTML that is safe to insert into a page."""
    if not isinstance(fragment, str) or not fragment.strip():
        return ""
    if _HTML_SPECIAL.search(fragment) is None:
        return fragment.strip()
    return _clean(fragment).strip()


def html_to_text(fragment: object) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, spaces folded."""
    if not isinstance(fragment, str) or not fragment:
        return ""
    # sanitising first drops script/style bodies, which must not be searchable
    return safe_html_to_text(sanitize_html(fragment))


def safe_html_to_text(safe: str) -> str:
    """Plain text of HTML already passed through :func:`sanitize_html` (saves a second parse)."""
    if not safe:
        return ""
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", safe))) if "<" in safe or "&" in safe else safe
    # The searches skip two substitutions that would change nothing (most short fields).
    if _ODD_SPACES.search(text) is not None:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _BLANK_LINES.sub("\n", text)
    return text.strip()


def clean_text(value: object) -> str:
    """A short plain-text field (title, place): markup removed, whitespace folded."""
    if type(value) is str and len(value) <= 200:
        return _clean_short(value)
    return html_to_text(value).replace("\n", " ")


@lru_cache(maxsize=65_536)
def _clean_short(value: str) -> str:
    # Names, institutions, tags and places repeat across a catalog: clean each once.
    return html_to_text(value).replace("\n", " ")


# STAC descriptions are CommonMark. Only what catalogs use is rendered: paragraphs, links,
# bold and italics, inline code; everything is escaped first and sanitised after.
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\(\s*(<?)([^)\s>]+)>?(?:\s+&quot;[^)]*&quot;)?\s*\)")
_MD_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_CODE = re.compile(r"`([^`\n]+)`")
_MD_PARAGRAPHS = re.compile(r"\n\s*\n")


def markdown_to_html(text: object) -> str:
    """Safe HTML for a Markdown description (links keep only http(s) targets)."""
    if not isinstance(text, str) or not text.strip():
        return ""
    escaped = html.escape(text.strip(), quote=True)
    escaped = _MD_LINK.sub(lambda m: f'<a href="{m.group(3)}">{m.group(1)}</a>', escaped)
    escaped = _MD_BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", escaped)
    escaped = _MD_ITALIC.sub(r"<em>\1</em>", escaped)
    escaped = _MD_CODE.sub(r"<code>\1</code>", escaped)
    paragraphs = [p.strip().replace("\n", " ") for p in _MD_PARAGRAPHS.split(escaped) if p.strip()]
    return sanitize_html("".join(f"<p>{p}</p>" for p in paragraphs))


def markdown_to_text(text: object) -> str:
    """Plain text of a Markdown description (link targets dropped), for search."""
    return html_to_text(markdown_to_html(text))
