"""Plain-text export for mailing-list posts: every line at most 72 columns."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import tabulate as _tabulate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MAIL_WIDTH", "check_width", "text_table", "wrap"]

#: linux-mm posts are read in 80-column terminals with quoting; 72 leaves room.
MAIL_WIDTH = 72


def check_width(text: str, width: int = MAIL_WIDTH) -> str:
    """Return ``text`` unchanged, or raise if a line is wider than ``width``."""
    for n, line in enumerate(text.splitlines(), 1):
        if len(line) > width:
            raise ValueError(f"line {n} is {len(line)} columns, allowed <= {width}: {line!r}")
    return text


def wrap(text: str, width: int = MAIL_WIDTH) -> str:
    return "\n".join(textwrap.fill(p, width) if p.strip() else "" for p in text.split("\n"))


def text_table(
    df: pd.DataFrame | list[dict[str, Any]],
    columns: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    width: int = MAIL_WIDTH,
    floatfmt: str | Sequence[str] = "g",
) -> str:
    """An aligned plain-text table of a DataFrame (or a list of dict rows, for
    listings that load no pandas), checked to fit ``width``."""
    if isinstance(df, list):
        cols = list(columns) if columns is not None else list(df[0]) if df else []
        body: Any = [tuple(r[c] for c in cols) for r in df]
        hdr = list(headers) if headers is not None else cols
    else:
        if columns is not None:
            df = df[list(columns)]
        hdr = list(headers) if headers is not None else list(df.columns)
        body = df.itertuples(index=False, name=None)
    # tabulate pads every header by MIN_PADDING; mail columns are too dear
    saved = _tabulate.MIN_PADDING
    _tabulate.MIN_PADDING = 0
    try:
        out = _tabulate.tabulate(
            body,
            headers=hdr,
            tablefmt="simple",
            floatfmt=floatfmt,
            numalign="right",
            stralign="left",
        )
    finally:
        _tabulate.MIN_PADDING = saved
    return check_width(out, width)


# -- charts -------------------------------------------------------------------


def save_chart(chart, stem, formats=("png", "svg"), scale: float = 2.0) -> list[str]:
    """Write ``chart`` as ``stem.png`` / ``stem.svg`` with vl-convert (no
    browser). Returns the paths written."""
    from pathlib import Path

    out = []
    for fmt in formats:
        if fmt not in ("png", "svg"):
            raise ValueError(f"format={fmt!r} is not supported: allowed png, svg")
        path = Path(f"{stem}.{fmt}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "png":
            chart.save(str(path), scale_factor=scale)
        else:
            chart.save(str(path))
        out.append(str(path))
    return out


def text_bars(
    labels, values, title: str = "", width: int = MAIL_WIDTH, log: bool = False, fmt: str = "{:.3g}"
) -> str:
    """A horizontal bar chart in plain text, every line at most ``width``."""
    import math

    labels = [str(x) for x in labels]
    vals = [float(v) for v in values]
    lw = max((len(x) for x in labels), default=0)
    texts = [fmt.format(v) for v in vals]
    tw = max((len(t) for t in texts), default=0)
    room = width - lw - tw - 3
    if room < 5:
        raise ValueError(f"labels too long for {width} columns")

    def size(v):
        if log:
            pos = [x for x in vals if x > 0]
            if v <= 0 or not pos:
                return 0
            lo, hi = math.log10(min(pos)), math.log10(max(pos))
            return max(1, round((math.log10(v) - lo + 1) / (hi - lo + 1) * room))
        top = max((abs(x) for x in vals), default=0) or 1
        return round(abs(v) / top * room)

    lines = [title] if title else []
    for lab, v, t in zip(labels, vals, texts, strict=False):
        lines.append(f"{lab:<{lw}} {'#' * size(v):<{room}} {t:>{tw}}".rstrip())
    return check_width(
        wrap(lines[0], width) + "\n" + "\n".join(lines[1:]) if title else "\n".join(lines), width
    )


def text_lines(
    xs, series: dict, title: str = "", width: int = MAIL_WIDTH, height: int = 12, log: bool = False
) -> str:
    """A line chart in plain text: one marker letter per series on a grid,
    y axis labels on the left, a legend below; at most ``width`` columns."""
    import math

    xs = list(xs)
    names = list(series)
    marks = "abcdefghijklmnopqrstuvwxyz"
    ys = [float(y) for n in names for y in series[n]]
    tf = (lambda v: math.log10(v)) if log else (lambda v: v)
    pts = [tf(y) for y in ys if (y > 0 or not log)]
    if not pts:
        return check_width((title + "\n" if title else "") + "(no positive values to plot)", width)
    lo, hi = min(pts), max(pts)
    if hi == lo:
        hi = lo + 1
    label = (lambda v: f"1e{v:.1f}") if log else (lambda v: f"{v:.3g}")
    lw = max(len(label(lo)), len(label(hi)))
    cols = width - lw - 2
    grid = [[" "] * cols for _ in range(height)]
    nx = max(len(xs) - 1, 1)
    for si, n in enumerate(names):
        for xi, y in enumerate(series[n]):
            y = float(y)
            if log and y <= 0:
                continue
            c = round(xi / nx * (cols - 1))
            r = height - 1 - round((tf(y) - lo) / (hi - lo) * (height - 1))
            grid[r][c] = marks[si % len(marks)]
    lines = [wrap(title, width)] if title else []
    for r in range(height):
        lab = label(hi) if r == 0 else label(lo) if r == height - 1 else ""
        lines.append(f"{lab:>{lw}} |{''.join(grid[r])}".rstrip())
    lines.append(" " * lw + " +" + "-" * cols)
    xl = f"x: {xs[0]} .. {xs[-1]}"
    lines.append(" " * (lw + 2) + xl)
    for si, n in enumerate(names):
        lines.append(wrap(f"  {marks[si % len(marks)]} = {n}", width))
    return check_width("\n".join(lines), width)
