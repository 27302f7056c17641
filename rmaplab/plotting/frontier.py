"""Charts of proofs: verdicts per order, the frontier of safe folio sizes,
the tiny analogues and the one-value constructions."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..frontier_bounds import BOUND_DIGITS, BOUND_LINEAR, BOUND_TABLE, LINEAR_FAMILY, frontier_frame
from ..labels import orders_label
from ._common import VERDICT_COLORS, _constant, _int_axis, _lines_and_marks

#: Colour and dash per frontier bound: told apart by both, and by the legend's words.
BOUND_STYLES = {
    BOUND_LINEAR: ("#222222", [1, 0]),
    BOUND_DIGITS: ("#1f77b4", [6, 3]),
    BOUND_TABLE: ("#9467bd", [2, 2]),
}


def _verdict_scale(verdicts) -> alt.Scale:
    """The verdict colours, restricted to the verdicts drawn (no empty legend entry)."""
    dom = [v for v in VERDICT_COLORS.domain if v in set(verdicts)]
    rng = [VERDICT_COLORS.range[VERDICT_COLORS.domain.index(v)] for v in dom]
    return alt.Scale(domain=dom, range=rng)


def frontier_chart(
    points: pd.DataFrame,
    word_bits: int = 64,
    max_bits: int = 24,
    bounds: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """Where every (order, bits per value) of ``points`` sits relative to the
    frontier, coloured by the verifier's verdict. ``points`` is
    :func:`rmaplab.views.frontier_points` and ``bounds``
    :func:`rmaplab.frontier_bounds.frontier_frame` (the view computes both;
    without ``bounds`` they are computed here, for notebooks that call the
    chart directly).

    The y axis stops a few orders above the points: the bounds at 1-3 bits
    per value reach order 64 and would squash the orders that matter."""
    if bounds is None:
        bounds = frontier_frame(word_bits, max_bits)
    fr = bounds.drop(columns="pages", errors="ignore")  # may exceed 2**64: not JSON
    names = list(dict.fromkeys(points["label"])) if len(points) else []
    pts = points.drop(columns=["label", "config"], errors="ignore") if len(points) else points
    top = max(20, int(pts["log2_pages"].max()) + 6) if len(pts) else 20
    # rows above the cut are dropped, not clipped: Vega numbers clip paths
    # per process, which would make the report's SVG differ run to run
    fr = fr[fr["log2_pages"] <= top]
    sort = list(BOUND_STYLES)
    x = alt.X(
        "bits:Q",
        title="id bits per rmap value (B)",
        axis=alt.Axis(format="d", tickMinStep=1),
        scale=alt.Scale(domain=[0, int(fr["bits"].max()) if len(fr) else max_bits]),
    )
    y = alt.Y(
        "log2_pages:Q",
        title="folio order = log2(pages)",
        axis=alt.Axis(format="d", tickMinStep=1),
        scale=alt.Scale(domain=[0, top], clamp=False),
    )
    # one legend (colour, as a line); the dash repeats the colour for grey
    # print, and a second legend of dashes would draw the same dot for each
    legend = alt.Legend(
        orient="bottom",
        direction="vertical",
        labelLimit=0,
        title="bound",
        symbolType="stroke",
        symbolStrokeWidth=3,
    )
    lines = (
        alt.Chart(fr)
        .mark_line(point=alt.OverlayMarkDef(size=20))
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "bound:N",
                sort=sort,
                scale=alt.Scale(domain=sort, range=[c for c, _ in BOUND_STYLES.values()]),
                legend=legend,
            ),
            strokeDash=alt.StrokeDash(
                "bound:N",
                sort=sort,
                scale=alt.Scale(domain=sort, range=[d for _, d in BOUND_STYLES.values()]),
                legend=None,
            ),
        )
    )
    dots = (
        alt.Chart(pts)
        .mark_point(filled=True, size=90)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "verdict:N",
                scale=_verdict_scale(pts["verdict"] if len(pts) else []),
                legend=alt.Legend(orient="top-right", title="verifier"),
            ),
            tooltip=["order", "bits", "verdict", "min_mappings"],
        )
    )
    return (
        alt.layer(lines, dots)
        .resolve_scale(color="independent")
        .properties(
            title=alt.TitleParams(
                f"Largest safe folio order per id bits in one value, {word_bits}-bit words",
                subtitle=[
                    "; ".join(names) if names else f"no configuration with {word_bits}-bit words",
                    f"pigeonhole covers {LINEAR_FAMILY} only,",
                    "not a table w[s] indexed by the whole slice value;",
                    f"y axis cut at order {top} (bounds at 1-3 bits reach {word_bits})",
                ],
            ),
            width=430,
            height=300,
        )
    )


def verdict_chart(df: pd.DataFrame) -> alt.Chart:
    """Verdict per order from :func:`rmaplab.verify.verify_all`."""
    d = df[["config", "order", "verdict", "method", "min_mappings", "headroom_bits"]].copy()
    params = [str(d["config"].iloc[0])]
    for col, unit in (("id_bits", "-bit ids"), ("word_bits", "-bit words")):
        v = _constant(df, col)
        if v is not None:
            params.append(f"{v}{unit}")
    params.append(f"orders {d['order'].min()}..{d['order'].max()}")
    return (
        alt.Chart(d)
        .mark_bar()
        .encode(
            x=alt.X("order:O", title="folio order", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("headroom_bits:Q", title="headroom bits (negative: can wrap)"),
            color=alt.Color("verdict:N", scale=_verdict_scale(d["verdict"])),
            tooltip=["order", "verdict", "method", "min_mappings", "headroom_bits"],
        )
        .properties(
            title=alt.TitleParams(
                f"{d['config'].iloc[0]}: headroom and verdict per order",
                subtitle=[
                    ", ".join(params),
                    "headroom: W - bits of (P - 1) * largest sub-ID (base P_g + 1 digits)",
                ],
            ),
            width=420,
            height=240,
        )
    )


#: Series of :func:`tiny_frontier_chart`, per column of ``frontier_table``.
TINY_FRONTIER_SERIES = {
    "linear_bound": "linear weights: pigeonhole bound",
    "best_linear": "best digit base b^j",
    "moments_table": "packed moments v + 2^e v^2",
    "best_table": "best table (exact where the search completed)",
    "upper_bound": "all tables: proven upper bound",
    "table_bound": "any table with >= 3 values: bound",
}


def tiny_frontier_chart(df: pd.DataFrame) -> alt.FacetChart:
    """Largest safe folio (pages) for one rmap value on tiny analogues, from
    :func:`rmaplab.frontier_tables.frontier_table`: linear weights against
    arbitrary tables w[s]."""
    cols = [c for c in TINY_FRONTIER_SERIES if c in df.columns]
    d = df.melt(
        id_vars=["slice_bits", "word_bits", "best_table_status"],
        value_vars=cols,
        var_name="series",
        value_name="pages",
    ).dropna(subset=["pages"])
    d["series"] = d["series"].map(TINY_FRONTIER_SERIES)
    d["slices"] = [f"{b}-bit slices" for b in d["slice_bits"]]
    exact = sum(str(s).startswith("exact") for s in df["best_table_status"])
    names = [TINY_FRONTIER_SERIES[c] for c in cols]
    # equal series (the pigeonhole bound and the best base often agree) are
    # drawn side by side within each W (xOffset) with a shape each
    legend = alt.Legend(orient="bottom", columns=1, labelLimit=0, title=None)
    base = alt.Chart().encode(
        x=alt.X("word_bits:O", title="word bits W", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("series:N", sort=names),
        y=alt.Y("pages:Q", title="largest safe folio (pages)", scale=alt.Scale(type="log")),
        tooltip=["slice_bits", "word_bits", "series", "pages", "best_table_status"],
    )
    chart = alt.layer(_lines_and_marks(base, "series", names, legend), data=d).properties(
        width=150, height=170
    )
    return chart.facet(facet=alt.Facet("slices:N", title=None), columns=3).properties(
        title=alt.TitleParams(
            "One rmap value on tiny analogues: linear weights vs. tables w[s]",
            subtitle=[
                f"slice bits {orders_label(df['slice_bits'])}; word bits "
                f"{orders_label(df['word_bits'])}",
                f"best table exact (exhaustive, symmetry-reduced) in {exact} of "
                f"{len(df)} cases, else a lower bound;",
                "equal values are drawn side by side within each W",
            ],
        )
    )


#: Reference id widths of :func:`one_value_chart` (issue 20).
ONE_VALUE_REFERENCES = {
    22: "22: PID_MAX_LIMIT",
    24: "24: v1's rmap ids",
    31: "31: 6.15's mm_id",
}


def one_value_chart(df: pd.DataFrame) -> alt.LayerChart:
    """Proven id bits against folio order, one line per construction, from
    :func:`rmaplab.onevalue.summary.proven_frame` (one value, M = 0), beside
    the id widths the kernel needs."""
    words = _constant(df, "word_bits")
    capped = sorted(set(df.loc[df["at_scan_cap"], "construction"])) if "at_scan_cap" in df else []
    refs = pd.DataFrame([{"id_bits": b, "reference": t} for b, t in ONE_VALUE_REFERENCES.items()])
    lines = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("order:Q", title="folio order", axis=_int_axis(sorted(set(df["order"])))),
            y=alt.Y("proven_id_bits:Q", title="mm id bits proven (packing lemma)"),
            color=alt.Color("construction:N", title="construction"),
            tooltip=[c for c in (*df.columns,) if c != "word_bits"],
        )
    )
    # each reference is labelled on its own line: a legend of dashes alone
    # would show one mark for all three
    rules = (
        alt.Chart(refs)
        .mark_rule(strokeDash=[4, 3], color="gray")
        .encode(y="id_bits:Q", tooltip=["reference"])
    )
    names = (
        alt.Chart(refs.assign(order=int(df["order"].min())))
        .mark_text(align="left", dy=-6, color="#444444", fontSize=10)
        .encode(x="order:Q", y="id_bits:Q", text="reference:N")
    )
    return alt.layer(lines, rules, names).properties(
        width=420,
        height=260,
        title=alt.TitleParams(
            f"One {words}-bit rmap value: id bits proven against folio order",
            subtitle=[
                f"word bits {words}; orders {orders_label(df['order'])}; mapcount "
                "bits 0; constructions certified by the packing lemma",
                *([f"at the scan's cap (a lower bound): {', '.join(capped)}"] if capped else []),
            ],
        ),
    )
