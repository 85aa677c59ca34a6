"""What a data file's name says, decoded for people (pure: no I/O, no interface strings).

EASE-Grid brightness-temperature files (NSIDC convention, the NCDC SMMR seed) are named
``China-EASE-N07-ML1978298A.18H``: ``N07`` Nimbus-7, grid ``ML`` (M global, N north, S south;
L 25 km, H 12.5 km), year 1978, day of year 298, ``A`` ascending or ``D`` descending pass,
channel 18 GHz, ``H`` horizontal or ``V`` vertical polarisation. A name that does not fit (or
a day that its year does not have) is not decoded: no label beats a wrong day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_EASE_NAME = re.compile(
    r"(?:^|[-_])(?:(?P<sat>N07|F\d{2})-)?(?P<grid>[MNS][LH])(?P<year>\d{4})(?P<doy>\d{3})(?P<pass>[AD])"
    r"\.(?P<ch>\d{2})(?P<pol>[HV])$",
    re.IGNORECASE,
)
# Nimbus-7 SMMR's channels by the two digits of the name (6.6 and 10.7 GHz are named 06 and 10).
# Other sensors name channels by their nominal GHz too (19, 22, 37, 85), but their 06 / 10 are
# other frequencies (AMSR-E: 6.9, 10.65): without N07 the channel is shown as named.
SMMR_GHZ = {"06": "6.6", "10": "10.7", "18": "18", "21": "21", "37": "37"}
SATELLITES = {"N07": "Nimbus-7 SMMR"}


@dataclass(frozen=True)
class EaseName:
    """The parts of an EASE-Grid brightness-temperature file name."""

    day: date
    ascending: bool  # the satellite's pass: ascending (A) or descending (D)
    ghz: str  # the channel's frequency as people write it ("6.6", "18", "37")
    polarisation: str  # "H" horizontal or "V" vertical
    grid: str  # "ML", "MH", "NL", "SL", ...
    satellite: str | None  # "Nimbus-7 SMMR" for N07, None when the name does not say


def decode_ease_name(name: str) -> EaseName | None:
    """The decoded parts of ``name`` (a file name or a path ending in one), or None."""
    m = _EASE_NAME.search(name.replace("\\", "/").rsplit("/", 1)[-1])
    if m is None:
        return None
    year, doy = int(m["year"]), int(m["doy"])
    if not 1 <= doy <= 366 or year < 1900:
        return None
    day = date(year, 1, 1) + timedelta(days=doy - 1)
    if day.year != year:  # day 366 of a year of 365 days
        return None
    channel = m["ch"]
    sat = (m["sat"] or "").upper()
    return EaseName(day=day, ascending=m["pass"].upper() == "A",
                    ghz=SMMR_GHZ.get(channel, str(int(channel))) if sat == "N07" else str(int(channel)),
                    polarisation=m["pol"].upper(), grid=m["grid"].upper(), satellite=SATELLITES.get(sat))
