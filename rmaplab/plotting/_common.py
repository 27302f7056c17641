"""What every chart module shares: the verdict colours and small helpers
that read a frame's parameters for titles (reading, never computing)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..config import RmapConfig

VERDICT_COLORS = alt.Scale(
    domain=["safe", "unsafe", "undecided"], range=["#1b9e77", "#d95f02", "#7570b3"]
)


def _constant(df: pd.DataFrame, col: str):
    """The one value ``col`` takes in ``df``, or None (missing or varying)."""
    if col not in df or df.empty:
        return None
    vals = df[col].dropna().unique()
    if len(vals) != 1:
        return None
    v = vals[0]
    return v.item() if hasattr(v, "item") else v


def _int_axis(values, **kw) -> alt.Axis:
    """Ticks exactly at the integer values sampled: no 2.5 mms."""
    return alt.Axis(values=sorted({int(v) for v in values}), format="d", **kw)


def _config_text(cfg: RmapConfig) -> str:
    return (
        f"{cfg.name}: {cfg.id_bits}-bit ids, {cfg.word_bits}-bit words, "
        f"orders {cfg.orders[0]}..{cfg.orders[-1]}"
    )


def _lines_and_marks(base: alt.Chart, field: str, sort: list, legend: alt.Legend) -> alt.LayerChart:
    """A line per ``field`` value with a filled mark of its own shape at each
    point, under one legend of coloured shapes. (``mark_line(point=True)``
    with colour and shape draws two legends, one of them of identical dots:
    the line layer's colour never merges with the points' shape.)"""
    # no sort on the three scales: Vega-Lite merges the colour and shape
    # legends only when neither is sorted (the legend lists values A-Z)
    line = base.mark_line().encode(
        detail=f"{field}:N", stroke=alt.Stroke(f"{field}:N", legend=None)
    )
    marks = base.mark_point(filled=True, size=55, opacity=1).encode(
        color=alt.Color(f"{field}:N", legend=legend),
        shape=alt.Shape(f"{field}:N", legend=legend),
    )
    return alt.layer(line, marks)
