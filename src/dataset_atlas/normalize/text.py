"""HTML fragments from metadata: a sanitised version to display, a plain one to search."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

# Tags the NCDC editor produces and that are harmless; everything else is dropped, scripts
# and styles with their content. Links keep only http(s)/mailto targets (nh3 drops the rest).
_ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "sub", "sup", "ul", "ol", "li", "span",
    "table", "thead", "tbody", "tr", "td", "th", "a", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "code",
    "pre", "hr",
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


# STAC descriptions are CommonMark: rendered by markdown-it-py (raw HTML in them is escaped,
# not passed through), links resolved or dropped, images dropped, then sanitised like any HTML.
_MARKDOWN: MarkdownIt | None = None
MAX_MARKDOWN_CHARS = 200_000


def _markdown() -> MarkdownIt:
    global _MARKDOWN
    if _MARKDOWN is None:
        _MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
        # Every target becomes a link token, so that resolve_link decides: a rejected target
        # (javascript:) then shows as its link text, not as the literal "[x](javascript:…)".
        _MARKDOWN.validateLink = lambda url: True  # type: ignore[method-assign]
    return _MARKDOWN


def resolve_link(href: str, base_url: str = "") -> str:
    """An https/http/mailto link, a relative one resolved against ``base_url``, else "" (dropped).

    Site-relative links (``/dataset/x#y``) in a STAC description point into the catalog's own
    web site; opened from here they would be 404s.
    """
    href = href.strip()
    scheme = urlsplit(href).scheme.lower()
    if scheme in _URL_SCHEMES:
        return href
    if scheme or href.startswith("//") or not base_url.startswith(("https://", "http://")):
        return ""  # another scheme (javascript:, data:), protocol-relative, or nothing to resolve against
    if href.startswith("#"):
        return ""  # a jump inside the catalog's page: meaningless here
    return urljoin(base_url, href)


def _rewrite_links(tokens: list[Token], base_url: str) -> None:
    for token in tokens:
        if token.children:
            _rewrite_links(token.children, base_url)
    kept: list[Token] = []
    dropped_depth = 0
    for token in tokens:
        if token.type == "image":
            if token.content:
                kept.append(Token("text", "", 0, content=token.content))
            continue
        if token.type == "link_open":
            target = resolve_link(str(token.attrGet("href") or ""), base_url)
            if not target:
                dropped_depth += 1
                continue
            token.attrSet("href", target)
        elif token.type == "link_close" and dropped_depth:
            dropped_depth -= 1
            continue
        kept.append(token)
    tokens[:] = kept


def markdown_to_html(text: object, base_url: str = "") -> str:
    """Safe HTML for a Markdown description; relative links resolved against ``base_url``."""
    if not isinstance(text, str) or not text.strip():
        return ""
    if len(text) > MAX_MARKDOWN_CHARS:  # no real description is this long: plain paragraphs, bounded work
        paragraphs = (p.strip() for p in re.split(r"\n\s*\n", text) if p.strip())
        return sanitize_html("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))
    md = _markdown()
    tokens = md.parse(text.strip())
    _rewrite_links(tokens, base_url)
    return sanitize_html(md.renderer.render(tokens, md.options, {}))


def markdown_to_text(text: object) -> str:
    """Plain text of a Markdown description (link targets dropped), for search."""
    return html_to_text(markdown_to_html(text))
