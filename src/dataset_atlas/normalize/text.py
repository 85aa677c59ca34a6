"""HTML fragments from metadata: a sanitised version to display, a plain one to search."""

from __future__ import annotations

import html
import re

import nh3

# Tags the NCDC editor produces and that are harmless; everything else is dropped, scripts
# and styles with their content. Links keep only http(s)/mailto targets (nh3 drops the rest).
_ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "sub", "sup", "ul", "ol", "li", "span",
    "table", "thead", "tbody", "tr", "td", "th", "a", "blockquote", "h3", "h4", "h5", "h6",
}  # fmt: skip
_ALLOWED_ATTRS = {"a": {"href", "title"}}
_URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|li|tr|h\d|blockquote)>|<br\s*/?>", re.I)
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u3000]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def sanitize_html(fragment: object) -> str:
    """Return ``fragment`` as HTML that is safe to insert into a page."""
    if not isinstance(fragment, str) or not fragment.strip():
        return ""
    return nh3.clean(
        fragment,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRS,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style"},
    ).strip()


def html_to_text(fragment: object) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, spaces folded."""
    if not isinstance(fragment, str) or not fragment:
        return ""
    safe = sanitize_html(fragment)  # drops script/style bodies, which must not be searchable
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", safe)))
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


def clean_text(value: object) -> str:
    """A short plain-text field (title, place): markup removed, whitespace folded."""
    return html_to_text(value).replace("\n", " ")
