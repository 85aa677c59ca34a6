"""Time coverage of a result: spans for a few datasets, counts per year for many."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

GANTT_LIMIT = 40  # above this many datasets, one bar per dataset is unreadable


def spans(frame: pd.DataFrame, lang: str, today: date | None = None) -> pd.DataFrame:
    """One row per dated dataset: title, start, end (today when ongoing), ongoing flag."""
    dated = frame[frame["start"].notna() | frame["end"].notna()]
    title_col = "title_en" if lang == "en" else "title_zh"
    end_fill = pd.Timestamp(today or date.today())
    start = dated["start"].fillna(dated["end"])
    end = dated["end"].fillna(end_fill)
    lo, hi = start.where(start <= end, end), end.where(start <= end, start)  # backwards spans drawn forwards
    return pd.DataFrame({
        "id": dated["id"].to_numpy(), "title": dated[title_col].str.slice(0, 80).to_numpy(),
        "category": dated["category"].to_numpy(), "start": lo.to_numpy(), "end": hi.to_numpy(),
        "ongoing": dated["end"].isna().to_numpy(),
    }).sort_values("start", kind="stable")


def coverage_by_year(frame: pd.DataFrame, today: date | None = None) -> pd.DataFrame:
    """Number of datasets whose span covers each year (ongoing spans run to this year)."""
    table = spans(frame, "en", today)
    if table.empty:
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "datasets": pd.Series(dtype="int64")})
    y0 = table["start"].dt.year.to_numpy()
    y1 = table["end"].dt.year.to_numpy()
    years = np.arange(int(y0.min()), int(y1.max()) + 1)
    # +1 at each start year, -1 after each end year, then a running sum: O(n + years).
    delta = np.zeros(len(years) + 1, dtype=np.int64)
    np.add.at(delta, y0 - years[0], 1)
    np.add.at(delta, y1 - years[0] + 1, -1)
    return pd.DataFrame({"year": years, "datasets": np.cumsum(delta)[:-1]})
