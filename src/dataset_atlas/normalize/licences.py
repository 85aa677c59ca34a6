"""Licences named the same way across records, each with a link.

NCDC writes ``CC BY 4.0`` or a creativecommons.org URL, STAC an SPDX id (``CC-BY-4.0``) or
``proprietary`` / ``various`` with the real terms in a ``license`` link whose title names them
(Sentinel-2: "Copernicus Sentinel data terms"; Landsat: "Public Domain").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CC = re.compile(
    r"^(?:https?://creativecommons\.org/(?:licenses|publicdomain)/)?(?:cc[\s_-]*)?"
    r"(by(?:[\s_-]*(?:nc|sa|nd))*|zero|0)[\s/_-]*v?(\d\.\d)?/?(?:legalcode)?(?:\.html)?$", re.I)
_SPDX_HTML = re.compile(r"^https?://spdx\.org/licenses/([A-Za-z0-9.+-]+?)(?:\.html)?$", re.I)
# Open by name: the open licences, public domain (US federal data), open-data policies, and the
# Copernicus licences (Sentinel data, Copernicus DEM, C3S products: free, full and open by EU
# Regulation 1159/2013) as their ``license`` links title them.
_OPEN = re.compile(r"^(CC |CC0|CDLA|PDDL|ODbL|OGL|MIT|Apache|etalab)|public domain|\bopen (data|access)\b"
                   r"|\bunrestricted\b|copernicus|sentinel data", re.I)
_NOT_A_NAME = {"proprietary", "various", "other", "none", ""}
_KNOWN = {  # SPDX ids without a Creative Commons form, spelt as people write them
    "cdla-permissive-1.0": ("CDLA-Permissive 1.0", "https://cdla.dev/permissive-1-0/"),
    "cdla-permissive-2.0": ("CDLA-Permissive 2.0", "https://cdla.dev/permissive-2-0/"),
    "cdla-sharing-1.0": ("CDLA-Sharing 1.0", "https://cdla.dev/sharing-1-0/"),
    "odbl-1.0": ("ODbL 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "pddl-1.0": ("PDDL 1.0", "https://opendatacommons.org/licenses/pddl/1-0/"),
    "etalab-2.0": ("Etalab Open Licence 2.0", "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
    "mit": ("MIT", "https://opensource.org/license/mit"),
    "apache-2.0": ("Apache 2.0", "https://www.apache.org/licenses/LICENSE-2.0"),
}


@dataclass(frozen=True)
class Licence:
    """A licence as shown: a name and, when known, an https link to its terms."""

    name: str
    url: str = ""

    @property
    def is_open(self) -> bool:
        """A licence that lets anyone use the data (Creative Commons, public domain, ...)."""
        return bool(_OPEN.search(self.name))


def _creative_commons(text: str) -> Licence | None:
    m = _CC.match(text.strip())
    if not m:
        return None
    kind = re.sub(r"[\s_-]+", "-", m.group(1).lower())
    if kind in ("zero", "0"):
        return Licence("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/")
    version = m.group(2)
    if version is None:  # no version given: do not guess one
        return Licence(f"CC {kind.upper()}")
    return Licence(f"CC {kind.upper()} {version}", f"https://creativecommons.org/licenses/{kind}/{version}/")


def normalize_licence(text: str, link_title: str = "", link_href: str = "") -> Licence:
    """One licence from a licence field and, for STAC, the ``license`` link's title and href."""
    value = (text or "").strip()
    href = link_href.strip() if link_href.strip().startswith("https://") else ""
    spdx = _SPDX_HTML.match(href)
    for candidate in (value, spdx.group(1) if spdx else ""):
        cc = _creative_commons(candidate) if candidate else None
        if cc is not None:
            return cc
        known = _KNOWN.get(candidate.lower())
        if known is not None:
            return Licence(*known)
    if value.startswith("https://"):  # a URL as the licence field: a name from the link title or host
        return Licence(link_title.strip() or value.split("/")[2], value)
    if value.lower() in _NOT_A_NAME:
        title = link_title.strip()
        cc = _creative_commons(title) if title else None
        if cc is not None:
            return cc
        if title:
            return Licence(title, href)
        if href:
            return Licence(href.split("/")[2], href)
        return Licence(value)
    return Licence(value, href)
