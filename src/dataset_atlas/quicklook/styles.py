"""Styles: turn a band of values into RGBA, a legend and statistics.

Three kinds: categorical (a class table), continuous (a ramp over a range) and diverging
(a ramp split at a meaningful centre, e.g. 0 degC). The style is picked from the data and
the file (dtype, number of distinct integers, colour table, tags, units); a hint (preset
name, kind name or a Style) overrides the guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

Kind = Literal["categorical", "continuous", "diverging", "rgb"]

# Hand-written stops so the core needs no matplotlib: viridis and ColorBrewer RdBu (reversed:
# blue = cold / below the centre, red = warm / above).
RAMPS: dict[str, tuple[str, ...]] = {
    "viridis": ("#440154", "#482878", "#3e4989", "#31688e", "#26828e",
                "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"),
    "rdbu": ("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
             "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"),
}
QUALITATIVE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
               "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5")
LUT_SIZE = 255  # odd, so a diverging centre (0.5) falls exactly on one entry
MAX_CLASSES = 32  # more distinct integers than this is a continuous field, not classes


@dataclass(frozen=True)
class ClassEntry:
    """One class of a categorical style."""

    value: int
    label: str
    color: str  # "#rrggbb"


@dataclass(frozen=True)
class Style:
    """How to colour one band. ``name`` is what the UI shows and the cache keys on."""

    name: str
    kind: Kind
    classes: tuple[ClassEntry, ...] = ()
    vmin: float | None = None  # None: from the data's 2-98 percentiles
    vmax: float | None = None
    center: float | None = None  # diverging only
    ramp: str = "viridis"
    units: str | None = None
    keywords: tuple[str, ...] = field(default=(), compare=False)  # file hints that select it

    def key(self) -> str:
        """Stable text identifying the style's effect, for cache keys."""
        classes = ";".join(f"{c.value}={c.label}={c.color}" for c in self.classes)
        return (f"{self.name}|{self.kind}|{classes}|{self.vmin}|{self.vmax}|{self.center}|"
                f"{self.ramp}|{self.units}")


CALC2020_CLASSES = (
    ClassEntry(1, "Cropland", "#e8d21d"),
    ClassEntry(2, "Forest", "#1b7a2f"),
    ClassEntry(3, "Graminoid tundra", "#b5d67a"),
    ClassEntry(4, "Shrub tundra", "#6f9e3c"),
    ClassEntry(5, "Wetland", "#4fb3a9"),
    ClassEntry(6, "Open water", "#2b6cc4"),
    ClassEntry(7, "Lichen/moss", "#c9b27c"),
    ClassEntry(8, "Man-made imperviousness", "#d7301f"),
    ClassEntry(9, "Barren land", "#a6a6a6"),
    ClassEntry(10, "Ice/snow", "#dff3ff"),
)

# Chinese class names as the CALC-2020 record's Chinese abstract gives them.
CLASS_LABELS_ZH: dict[str, str] = {
    "Cropland": "耕地", "Forest": "森林", "Graminoid tundra": "禾本科苔原", "Shrub tundra": "灌木苔原",
    "Wetland": "湿地", "Open water": "开阔水域", "Lichen/moss": "地衣/苔藓",
    "Man-made imperviousness": "人造不透水层", "Barren land": "荒地", "Ice/snow": "冰/雪",
}  # fmt: skip


def class_label(label: str, lang: str) -> str:
    """A legend class name in ``lang``: the preset's Chinese name, else as given."""
    return CLASS_LABELS_ZH.get(label, label) if lang == "zh" else label


# Presets are picked by hint or by keywords found in the file's name, tags or description,
# never by a record id.
PRESETS: dict[str, Style] = {
    "arctic-land-cover": Style("arctic-land-cover", "categorical", CALC2020_CLASSES,
                               keywords=("calc-2020", "calc_2020", "calc2020",
                                         "arctic land cover")),
    "ground-temperature": Style("ground-temperature", "diverging", vmin=-4.0, vmax=2.0,
                                center=0.0, ramp="rdbu", units="°C",
                                keywords=("magt", "ground temperature")),
    "brightness-temperature": Style("brightness-temperature", "continuous", ramp="viridis",
                                    units="K", keywords=("brightness temperature",)),
}
KINDS: tuple[Kind, ...] = ("categorical", "continuous", "diverging", "rgb")

_CELSIUS = re.compile(r"^(°c|degc|deg c|celsius|degrees? celsius|℃|c)$", re.IGNORECASE)


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b)."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def rgb_to_hex(rgb: Sequence[int]) -> str:
    """(r, g, b[, a]) -> '#rrggbb'."""
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb[:3]))


@dataclass(frozen=True)
class FileHints:
    """What a reader learned about the band, used to pick and label a style."""

    dtype: str
    units: str | None = None
    colormap: Mapping[int, tuple[int, int, int, int]] | None = None
    class_names: Mapping[int, str] | None = None
    text: str = ""  # file name, description and tags, lower-cased, for keyword presets


def is_celsius(units: str | None) -> bool:
    """True for the usual spellings of degrees Celsius."""
    return bool(units) and bool(_CELSIUS.match(units.strip()))  # type: ignore[union-attr]


def choose_style(
    data: np.ma.MaskedArray, hints: FileHints, hint: str | Style | None = None
) -> Style:
    """Pick a style for ``data``; ``hint`` (preset name, kind or Style) wins when given."""
    if isinstance(hint, Style):
        return hint
    if hint:
        key = hint.strip().lower()
        if key in PRESETS:
            return PRESETS[key]
        if key == "categorical":
            return _file_categorical(data, hints) or _generic_categorical(data, hints)
        if key in ("continuous", "diverging"):
            kind: Kind = "diverging" if key == "diverging" else "continuous"
            center = 0.0 if kind == "diverging" else None
            ramp = "rdbu" if kind == "diverging" else "viridis"
            return Style(key, kind, center=center, ramp=ramp, units=hints.units)
        known = ", ".join([*PRESETS, *KINDS])
        raise ValueError(f"unknown style {hint!r}; known: {known}")
    integer = np.dtype(hints.dtype).kind in "iub"
    file_style = _file_categorical(data, hints) if integer else None
    if file_style is not None:
        return file_style
    for preset in PRESETS.values():
        if any(k in hints.text for k in preset.keywords):
            if preset.kind == "categorical" and not integer:
                continue
            return replace(preset, units=hints.units or preset.units)
    if integer and _few_classes(data):
        return _generic_categorical(data, hints)
    if is_celsius(hints.units):
        return Style("diverging", "diverging", center=0.0, ramp="rdbu", units=hints.units)
    return Style("continuous", "continuous", ramp="viridis", units=hints.units)


def _few_classes(data: np.ma.MaskedArray) -> bool:
    values = data.compressed()
    if values.size == 0:
        return False
    return bool(values.min() >= 0 and values.max() <= 255
                and np.unique(values).size <= MAX_CLASSES)


def _file_categorical(data: np.ma.MaskedArray, hints: FileHints) -> Style | None:
    """A categorical style from the file's own colour table and/or category names."""
    if not hints.colormap and not hints.class_names:
        return None
    present = set(np.unique(data.compressed()).tolist())
    values = sorted(set(hints.class_names or {}) | present)
    entries = []
    for i, v in enumerate(values):
        if hints.colormap and v in hints.colormap:
            color = rgb_to_hex(hints.colormap[v])
        else:
            color = QUALITATIVE[i % len(QUALITATIVE)]
        label = (hints.class_names or {}).get(v, f"class {v}")
        entries.append(ClassEntry(int(v), label, color))
    return Style("file-classes", "categorical", tuple(entries), units=hints.units)


def _generic_categorical(data: np.ma.MaskedArray, hints: FileHints) -> Style:
    values = np.unique(data.compressed()).tolist()[:MAX_CLASSES]
    entries = tuple(
        ClassEntry(int(v), (hints.class_names or {}).get(int(v), f"class {int(v)}"),
                   QUALITATIVE[i % len(QUALITATIVE)])
        for i, v in enumerate(values)
    )
    return Style("categorical", "categorical", entries, units=hints.units)


@dataclass(frozen=True)
class Styled:
    """The result of applying a style to a band in its own grid."""

    rgba: np.ndarray  # uint8 (H, W, 4); alpha 0 where there is no data
    legend: list[dict[str, Any]]
    stats: dict[str, Any]
    style: Style  # with the range actually used filled in


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def base_stats(data: np.ma.MaskedArray) -> dict[str, Any]:
    """Min, max, mean, std, percentiles and counts of the valid values."""
    values = data.compressed().astype(np.float64)
    total = int(data.size)
    out: dict[str, Any] = {
        "count": int(values.size),
        "valid_fraction": round(values.size / total, 6) if total else 0.0,
        "sample_shape": [int(s) for s in data.shape],
    }
    if values.size:
        p2, p98 = np.percentile(values, [2, 98])
        out.update(min=_finite(values.min()), max=_finite(values.max()),
                   mean=_finite(values.mean()), std=_finite(values.std()),
                   p2=_finite(p2), p98=_finite(p98))
    else:
        out.update(min=None, max=None, mean=None, std=None, p2=None, p98=None)
    return out


def apply_style(data: np.ma.MaskedArray, style: Style) -> Styled:
    """Colour ``data`` (masked = transparent) and compute its legend and statistics."""
    if style.kind == "categorical":
        return _apply_categorical(data, style)
    if style.kind in ("continuous", "diverging"):
        return _apply_ramp(data, style)
    raise ValueError(f"style kind {style.kind!r} does not apply to a single band")


def _apply_categorical(data: np.ma.MaskedArray, style: Style) -> Styled:
    h, w = data.shape
    valid = ~np.ma.getmaskarray(data)
    filled = np.ma.filled(data, fill_value=0)
    stats = base_stats(data)
    n_valid = int(valid.sum())
    values = filled[valid]
    table = {e.value: e for e in style.classes}
    small_ints = (filled.dtype.kind in "iub" and (values.size == 0 or (
        int(values.min()) >= 0 and int(values.max()) < 2**16)))
    if small_ints:
        # A lookup table indexed by value: one pass however many classes there are.
        top = max([int(values.max()) if values.size else 0, *table]) + 1
        lut = np.zeros((max(top, 1), 4), dtype=np.uint8)
        for e in style.classes:
            if e.value >= 0:
                lut[e.value] = (*hex_to_rgb(e.color), 255)
        rgba = lut[np.where(valid, filled, 0).astype(np.intp)]
        rgba[~valid] = 0
        counts_all = np.bincount(values.astype(np.intp), minlength=top)
        counts = {v: int(counts_all[v]) if 0 <= v < top else 0 for v in table}
    else:
        rgba = np.zeros((h, w, 4), dtype=np.uint8)
        counts = {}
        for e in style.classes:
            hit = valid & (filled == e.value)
            counts[e.value] = int(hit.sum())
            rgba[hit] = (*hex_to_rgb(e.color), 255)
    classes = [{"value": e.value, "label": e.label, "color": e.color, "count": counts[e.value],
                "share": round(counts[e.value] / n_valid, 6) if n_valid else 0.0}
               for e in style.classes]
    other = n_valid - sum(counts.values())
    stats["classes"] = classes
    # Values outside the class table stay transparent, but are counted so nothing hides.
    stats["other_count"] = other
    stats["other_share"] = round(other / n_valid, 6) if n_valid else 0.0
    legend = [{"value": c["value"], "label": c["label"], "color": c["color"],
               "share": c["share"]} for c in classes]
    return Styled(rgba, legend, stats, style)


def _ramp_lut(name: str, n: int = LUT_SIZE) -> np.ndarray:
    stops = np.array([hex_to_rgb(c) for c in RAMPS[name]], dtype=np.float64)
    pos = np.linspace(0.0, 1.0, len(stops))
    x = np.linspace(0.0, 1.0, n)
    return np.stack([np.interp(x, pos, stops[:, i]) for i in range(3)], axis=1).round()


def _range(stats: dict[str, Any], style: Style) -> tuple[float, float]:
    lo = style.vmin if style.vmin is not None else stats["p2"]
    hi = style.vmax if style.vmax is not None else stats["p98"]
    if lo is None or hi is None:  # no valid data at all
        lo, hi = 0.0, 1.0
    if style.kind == "diverging" and style.center is not None:
        # The centre must sit inside the range, or one half of the ramp never shows.
        lo, hi = min(lo, style.center), max(hi, style.center)
    if hi <= lo:
        hi = lo + 1.0
    return float(lo), float(hi)


def _normalise(values: np.ndarray, lo: float, hi: float, center: float | None) -> np.ndarray:
    """Map values to 0..1; with a centre, two linear halves meeting at 0.5."""
    if center is None or not lo < center < hi:
        return np.clip((values - lo) / (hi - lo), 0.0, 1.0)
    below = 0.5 * (values - lo) / (center - lo)
    above = 0.5 + 0.5 * (values - center) / (hi - center)
    return np.clip(np.where(values < center, below, above), 0.0, 1.0)


def _apply_ramp(data: np.ma.MaskedArray, style: Style) -> Styled:
    stats = base_stats(data)
    lo, hi = _range(stats, style)
    center = style.center if style.kind == "diverging" else None
    lut = _ramp_lut(style.ramp)
    values = np.ma.filled(data.astype(np.float64), fill_value=lo)
    idx = (_normalise(values, lo, hi, center) * (LUT_SIZE - 1)).round().astype(np.intp)
    h, w = data.shape
    rgba = np.zeros((h, w, 4), dtype=np.uint8)
    rgba[..., :3] = lut[idx]
    rgba[..., 3] = np.where(np.ma.getmaskarray(data), 0, 255)
    valid = data.compressed().astype(np.float64)
    counts, edges = np.histogram(valid, bins=20, range=(lo, hi)) if valid.size else (
        np.zeros(20, dtype=np.int64), np.linspace(lo, hi, 21))
    stats["histogram"] = {"edges": [round(float(e), 6) for e in edges],
                          "counts": [int(c) for c in counts],
                          "below": int((valid < lo).sum()), "above": int((valid > hi).sum())}
    stats["range"] = [lo, hi]
    if center is not None and lo < center < hi:
        stop_values = [*np.linspace(lo, center, 3)[:-1], center, *np.linspace(center, hi, 3)[1:]]
    else:
        stop_values = list(np.linspace(lo, hi, 5))
    unit = f" {style.units}" if style.units else ""
    legend = []
    for v in stop_values:
        i = int(round(float(_normalise(np.array([v]), lo, hi, center)[0]) * (LUT_SIZE - 1)))
        legend.append({"value": round(float(v), 6), "label": f"{float(v):.4g}{unit}",
                       "color": rgb_to_hex(lut[i])})
    return Styled(rgba, legend, stats, replace(style, vmin=lo, vmax=hi))
