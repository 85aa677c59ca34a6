"""Gazetteer: approximate boxes for place names of records without a bbox."""

from __future__ import annotations

import re

from dataset_atlas.model import BBox

# (names, box W,S,E,N). Names are matched as substrings of the normalised place text, the
# longest name first, so "青藏高原" wins over "中国" in "中国青藏高原".
GAZETTEER: list[tuple[tuple[str, ...], BBox]] = [
    (("北极", "arctic", "circumpolar arctic", "pan-arctic", "泛北极", "环北极"), (-180.0, 60.0, 180.0, 90.0)),
    (("南极", "antarctica", "antarctic", "南极洲"), (-180.0, -90.0, 180.0, -60.0)),
    (("青藏高原", "tibetan plateau", "qinghai-tibet plateau", "qinghai-tibetan plateau",
      "tibet plateau", "青藏"), (73.5, 26.0, 104.7, 39.8)),
    (("东北", "northeast china", "north-east china", "northeastern china"), (112.75, 38.0, 135.0, 54.35)),
    (("黑河流域", "黑河", "heihe river basin", "heihe"), (97.1, 37.7, 102.0, 42.7)),
    (("祁连山", "祁连", "qilian mountains", "qilian mountain", "qilian"), (94.2, 35.8, 103.1, 39.3)),
    (("三江源", "sanjiangyuan", "three-river source", "three rivers source"), (89.75, 31.65, 102.4, 36.2)),
    (("新疆", "xinjiang"), (73.5, 34.3, 96.4, 49.2)),
    (("天山", "tianshan", "tian shan", "tien shan"), (73.5, 40.0, 95.0, 45.5)),
    (("中国", "china", "全国", "中华人民共和国"), (73.5, 18.0, 135.1, 53.6)),
    (("全球", "global", "globe", "world", "worldwide"), (-180.0, -90.0, 180.0, 90.0)),
]  # fmt: skip

_INDEX = sorted(
    ((name, box) for names, box in GAZETTEER for name in names), key=lambda nb: len(nb[0]), reverse=True
)
# English names match as whole words; compiled once (lookups run for every record without a bbox).
_WORDS = {name: re.compile(rf"(?<![a-z]){re.escape(name)}(?![a-z])") for name, _ in _INDEX if name.isascii()}
_SPACES = re.compile(r"\s+")


def lookup_place(*names: object) -> tuple[str, BBox] | None:
    """The first gazetteer entry found in any of ``names`` (Chinese or English), or None."""
    for raw in names:
        if not isinstance(raw, str) or not raw.strip():
            continue
        text = _SPACES.sub(" ", raw.strip().lower())
        for name, box in _INDEX:
            if name.isascii():
                if _WORDS[name].search(text):
                    return name, box
            elif name in text:
                return name, box
    return None
