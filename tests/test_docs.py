"""The documents: a README a newcomer reads in minutes, and no link that points at nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCUMENTS = [README, ROOT / "CHANGES.md", *sorted((ROOT / "docs").glob("*.md"))]

# [text](target) and ![alt](target); a target may carry an optional "title".
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE_SPAN = re.compile(r"`[^`\n]*`")


def relative_links(text: str) -> list[str]:
    """Link targets that name a file of the repository (no URL, no in-page anchor)."""
    text = CODE_SPAN.sub("", FENCE.sub("", text))
    targets = (m.group(1) for m in LINK.finditer(text))
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


def anchors(text: str) -> set[str]:
    """The ids GitHub gives a document's headings (lower case, punctuation dropped, spaces to -)."""
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", FENCE.sub("", text), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_link_pattern() -> None:
    text = "[a](docs/a.md) ![b](x.png \"t\") [c](https://x.org) [d](#here) `[e](no.md)` [f](b.md#s)"
    assert relative_links(text) == ["docs/a.md", "x.png", "b.md#s"]
    assert anchors("# Sharing a catalog\n## Database catalog (pgstac) against it\n## A\n## A") == {
        "sharing-a-catalog", "database-catalog-pgstac-against-it", "a", "a-1"}


def test_readme_is_short() -> None:
    assert README.stat().st_size < 10_000, "README.md must stay under 10,000 bytes; move detail to docs/"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(document: Path) -> None:
    missing = []
    for target in relative_links(document.read_text(encoding="utf-8")):
        path, _, anchor = target.partition("#")
        linked = document.parent / path
        if not linked.exists():
            missing.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text(encoding="utf-8")):
            missing.append(target)
    assert not missing, f"{document.relative_to(ROOT)} links to nothing: {missing}"
