"""STAC Markdown rendered by a CommonMark library, links resolved or dropped, sanitised."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dataset_atlas.normalize.text import MAX_MARKDOWN_CHARS, markdown_to_html, resolve_link
from dataset_atlas.sources.stac import read_stac_collection

BASE = "https://planetarycomputer.microsoft.com/dataset/cil-gdpcir-cc-by"


@pytest.mark.parametrize(("href", "base", "expected"), [
    ("https://a.org/x", "", "https://a.org/x"),
    ("mailto:x@y.org", "", "mailto:x@y.org"),
    ("/dataset/cil-gdpcir-cc-by#citing", BASE, "https://planetarycomputer.microsoft.com/dataset/cil-gdpcir-cc-by#citing"),
    ("docs/readme.html", BASE, "https://planetarycomputer.microsoft.com/dataset/docs/readme.html"),
    ("/dataset/x", "", ""),  # nothing to resolve against: dropped
    ("#section", BASE, ""),  # a jump inside the catalog's page
    ("javascript:alert(1)", BASE, ""),
    ("data:text/html,<script>", BASE, ""),
    ("//evil.example/x", BASE, ""),
])
def test_resolve_link(href: str, base: str, expected: str) -> None:
    assert resolve_link(href, base) == expected


def test_markdown_headings_tables_links_images() -> None:
    text = ("## Accessing the data\n\nSee [the docs](/dataset/x#y), [bad](javascript:alert(1)) and "
            "![a picture](https://x.org/p.png).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>")
    out = markdown_to_html(text, BASE)
    assert "<h2>Accessing the data</h2>" in out and "##" not in out
    assert '<a href="https://planetarycomputer.microsoft.com/dataset/x#y"' in out
    assert "javascript" not in out and ">bad<" not in out and " bad and" in out  # the text stays, not the link
    assert "<img" not in out and "a picture" in out
    assert "<table>" in out and "<td>1</td>" in out
    assert "<script>" not in out and "&lt;script&gt;" in out  # raw HTML in Markdown is shown as text
    assert markdown_to_html("[x](/relative)") == "<p>x</p>"  # no site to resolve against


def test_huge_description_is_bounded() -> None:
    text = "[" * (MAX_MARKDOWN_CHARS + 10)
    out = markdown_to_html(text)
    assert out.startswith("<p>[[[") and out.endswith("</p>")


def test_corpus_headings_render_and_no_site_relative_link_is_left(stac_corpus: Path) -> None:
    with_headings = 0
    for path in sorted(stac_corpus.glob("*.json")):
        record = read_stac_collection(json.loads(path.read_text()), str(path))
        html = record.abstract_html.en
        assert not re.search(r"(^|>)\s*#{1,6} ", html), path.name  # no literal Markdown heading
        with_headings += bool(re.search(r"<h[1-6]>", html))
        for href in re.findall(r'href="([^"]*)"', html):
            assert href.startswith(("https://", "http://", "mailto:")), (path.name, href)
    assert with_headings == 23  # the issue counted 23 of 123 collections with headings
    cil = read_stac_collection(json.loads((stac_corpus / "cil-gdpcir-cc-by.json").read_text()))
    assert ('href="https://planetarycomputer.microsoft.com/dataset/cil-gdpcir-cc-by#citing-licensing-and-using-'
            'data-produced-by-this-project"') in cil.abstract_html.en
