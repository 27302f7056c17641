"""Chart builders: each returns an ``alt.Chart`` from tidy library results.

Tested through ``Chart.to_dict()``. Importing this module selects altair's
``mimetype`` renderer, which JupyterLab renders offline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

from .config import RmapConfig
from .lattice import iroot


def use_offline_renderer() -> None:
    """Charts as ``application/vnd.vegalite.v5+json``: JupyterLab 4 renders that
    mimetype with its bundled Vega, offline. Altair's default renderer emits
    HTML that loads Vega from a CDN, which fails behind firewalls."""
    alt.renderers.enable("mimetype")


use_offline_renderer()

__all__ = [
    "atomics_chart",
    "cost_chart",
    "design_chart",
    "false_shared_chart",
    "frontier_chart",
    "frontier_frame",
    "one_value_chart",
    "probability_chart",
    "published_chart",
    "race_chart",
    "tiny_frontier_chart",
    "use_offline_renderer",
    "verdict_chart",
]

VERDICT_COLORS = alt.Scale(
    domain=["safe", "unsafe", "undecided"], range=["#1b9e77", "#d95f02", "#7570b3"]
)


def _carry_free_max_order(bits: int, word_bits: int) -> int | None:
    """Largest order o whose own group (P_g = 2**o) passes the carry-free test."""
    best = None
    for o in range(0, word_bits):
        P = 1 << o
        maxsub = sum((P + 1) ** j for j in range(bits))
        if (P - 1) * maxsub < (1 << word_bits):
            best = o
        else:
            break
    return best


#: The family the pigeonhole bound covers, in words every label and title reuses.
LINEAR_FAMILY = "sub-IDs linear in the slice's bits (sum_j bit_j * w_j)"
BOUND_LINEAR = "pigeonhole: no linear weights safe from here"
BOUND_DIGITS = "carry-free: base P+1 digits safe up to here"
BOUND_TABLE = "convex table w[s] = s + s^2 * 2^k: safe up to here"


def frontier_frame(word_bits: int = 64, max_bits: int = 24) -> pd.DataFrame:
    """Per bits-per-value B, three bounds on the folio size (tidy: one row
    per (B, bound), ``log2_pages`` and ``pages``):

    * ``BOUND_LINEAR``: from ``pages`` on, no sub-ID *linear in the slice's
      bits* (``sum_j bit_j * w_j mod 2**W``, any weights) is safe
      (pigeonhole, :func:`rmaplab.verify.frontier_pages`); it says nothing
      about tables ``w[s]`` indexed by the whole slice value;
    * ``BOUND_DIGITS``: the largest ``2**order`` the posted base-(P+1)
      digits certify carry-free with ``P_g = 2**order``;
    * ``BOUND_TABLE``: up to ``pages`` the table ``w[s] = s + s^2 * 2^k`` is
      proven safe (:func:`rmaplab.proof.quadratic_table`); omitted where it
      certifies only 1 page.
    """
    from .proof import quadratic_table

    rows = []
    for b in range(1, max_bits + 1):
        T = iroot(1 << word_bits, b)
        rows.append(
            {"bits": b, "bound": BOUND_LINEAR, "log2_pages": math.log2(T + 1), "pages": T + 1}
        )
        cf = _carry_free_max_order(b, word_bits)
        if cf is not None:
            rows.append(
                {"bits": b, "bound": BOUND_DIGITS, "log2_pages": float(cf), "pages": 1 << cf}
            )
        tp = quadratic_table(b, word_bits)[0]
        if tp > 1:
            rows.append({"bits": b, "bound": BOUND_TABLE, "log2_pages": math.log2(tp), "pages": tp})
    return pd.DataFrame(rows)


def frontier_chart(points: pd.DataFrame, word_bits: int = 64, max_bits: int = 24) -> alt.Chart:
    """Where every (order, bits per value) of ``points`` sits relative to the
    frontier, coloured by the verifier's verdict. ``points`` is
    :func:`rmaplab.views.frontier_points` (the view computes the verdicts,
    the chart draws them)."""
    fr = frontier_frame(word_bits, max_bits).drop(columns="pages")  # may exceed 2**64: not JSON
    names = list(dict.fromkeys(points["label"])) if len(points) else []
    pts = points.drop(columns="label") if len(points) else points
    lines = (
        alt.Chart(fr)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "bits:Q",
                title="id bits per rmap value (B)",
                axis=alt.Axis(format="d", tickMinStep=1),
            ),
            y=alt.Y(
                "log2_pages:Q",
                title="log2(pages per folio) = order",
                axis=alt.Axis(format="d", tickMinStep=1),
            ),
            strokeDash=alt.StrokeDash(
                "bound:N",
                title="bound",
                sort=[BOUND_LINEAR, BOUND_DIGITS, BOUND_TABLE],
                legend=alt.Legend(labelLimit=400),
            ),
            color=alt.value("#555555"),
        )
    )
    dots = (
        alt.Chart(pts)
        .mark_point(filled=True, size=90)
        .encode(
            x="bits:Q",
            y="log2_pages:Q",
            color=alt.Color("verdict:N", scale=VERDICT_COLORS),
            shape=alt.Shape("config:N"),
            tooltip=["config", "order", "bits", "verdict", "min_mappings"],
        )
    )
    return (lines + dots).properties(
        title=alt.TitleParams(
            f"Frontier for {word_bits}-bit rmap values",
            subtitle=[
                "; ".join(names) if names else "no configuration with these words",
                f"pigeonhole covers {LINEAR_FAMILY} only;",
                "a table w[s] indexed by the whole slice value is not covered",
            ],
        ),
        width=420,
        height=300,
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
            color=alt.Color("verdict:N", scale=VERDICT_COLORS),
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


#: Panel and axis titles of :func:`cost_chart`, per cost column.
COST_TITLES = {
    "bytes": ("Memory per folio", "bytes of rmap values (K words)"),
    "atomics_per_update": (
        "Atomics per update",
        "atomic RMW per (un)map (legacy 2 + 1 + 2 + K)",
    ),
}


def cost_chart(df: pd.DataFrame, configs: Sequence[RmapConfig] | None = None) -> alt.HConcatChart:
    """Bytes of rmap values and atomics per update against order (from
    :func:`rmaplab.cost.cost_table`, one or several configurations).

    ``configs``: the resolved :class:`RmapConfig` objects the rows come
    from, for the subtitle (id and word bits); without them the subtitle
    names the configurations only.
    """
    long = df.melt(
        id_vars=["config", "order"],
        value_vars=list(COST_TITLES),
        var_name="cost",
        value_name="amount",
    )
    if configs:
        params = "; ".join(_config_text(c) for c in configs)
    else:
        params = ", ".join(dict.fromkeys(df["config"]))
    panels = []
    for col, (head, ytitle) in COST_TITLES.items():
        panels.append(
            alt.Chart(long)
            .transform_filter(alt.datum.cost == col)
            .mark_line(point=True)
            .encode(
                x=alt.X("order:O", title="folio order", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("amount:Q", title=ytitle, axis=alt.Axis(format="d", tickMinStep=1)),
                color=alt.Color("config:N"),
                tooltip=["config", "order", "cost", "amount"],
            )
            .properties(title=head, width=240, height=200)
        )
    return alt.hconcat(*panels).properties(
        title=alt.TitleParams(
            "Cost per folio and per update",
            subtitle=[
                params,
                "bytes: the K values only (no mapcount, no seqcount); "
                "atomics: legacy path 2, total mapcount 1, seqcount 2, one per value",
            ],
        )
    )


def published_chart(tidy: pd.DataFrame, benchmarks: Sequence[str] | None = None) -> alt.Chart:
    """Cover-letter figures per stage and CPU (tidy frame of
    :func:`rmaplab.cost.load_published`)."""
    d = tidy if benchmarks is None else tidy[tidy["benchmark"].isin(benchmarks)]
    d = d.assign(stage=d["stage"].astype(str))
    order = [s for s in ["mapcount", "rmap-id", "123", "batch", "exclusive", "nocmpxchg", "all"]]
    return (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "stage:N", sort=order, title="stage of the series", axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y("change_percent:Q", title="change vs. v6.7-rc1 (%)"),
            color=alt.Color("benchmark:N"),
            strokeDash=alt.StrokeDash("cpu:N"),
            tooltip=["cpu", "stage", "benchmark", "change_percent"],
        )
        .properties(
            title=alt.TitleParams(
                "Published overhead per stage (cover letter)",
                subtitle=[
                    "WIP v1 cover letter, microbenchmarks against v6.7-rc1; "
                    f"CPUs: {', '.join(c.replace('_', ' ') for c in dict.fromkeys(d['cpu']))}",
                    "not measured here (rmaplab bench-atomics is)",
                ],
            ),
            width=420,
            height=260,
        )
    )


def atomics_chart(
    df: pd.DataFrame, iters: int | None = None, repeat: int | None = None
) -> alt.Chart:
    """ns per update against K (from :func:`rmaplab.atomics.bench_atomics`);
    ``iters`` and ``repeat`` as passed to it, for the subtitle."""
    d = df.assign(case=df["threads"].astype(str) + " thread(s), " + df["path"])
    runs = []
    if iters is not None:
        runs.append(f"{iters} updates per run")
    if repeat is not None:
        runs.append(f"best of {repeat} runs")
    return (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(
            x=alt.X("values:O", title="rmap values K", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("ns_per_update:Q", title="ns per update", scale=alt.Scale(type="log")),
            color=alt.Color("case:N"),
            tooltip=["values", "threads", "path", "ns_per_update", "ratio_vs_k3"],
        )
        .properties(
            title=alt.TitleParams(
                "Update path measured here",
                subtitle=[
                    "C (cc -O2) on this machine: seqcount 2 + mapcount 1 + K atomic adds; "
                    "plain: exclusive-writer stores",
                    ", ".join(runs) if runs else "one run per point (see bench-atomics)",
                ],
            ),
            width=420,
            height=260,
        )
    )


def false_shared_chart(
    df: pd.DataFrame,
    order: int | None = None,
    config: RmapConfig | None = None,
    seeds: int | None = None,
) -> alt.Chart:
    """False-shared rate (copies the ground truth would have avoided, per
    check) against the number of processes, one panel per scheme (schemes
    that agree would hide under one line), one line per workload; ``df`` has
    columns scheme, workload, procs, checks, false_shared
    (:func:`rmaplab.compare.sweep_procs`).

    Workloads where no scheme has a false shared are left out and named in
    the subtitle (unless every workload is such). ``order``, ``config`` (a
    resolved :class:`RmapConfig`) and ``seeds`` (how many were summed) go
    into the subtitle.
    """
    d = df.assign(rate=(df["false_shared"] / df["checks"].where(df["checks"] > 0)).fillna(0.0))
    per_workload = d.groupby("workload", sort=False)["false_shared"].sum()
    quiet = [w for w, v in per_workload.items() if v == 0]
    if len(quiet) < len(per_workload):
        d = d[~d["workload"].isin(quiet)]
    else:
        quiet = []
    params = []
    if order is not None:
        params.append(f"order {order}")
    if config is not None:
        params.append(f"{config.name} ({config.id_bits}-bit ids, {config.word_bits}-bit words)")
    if seeds is not None:
        params.append(f"checks summed over {seeds} seeds")
    subtitle = [", ".join(params)] if params else []
    if quiet:
        subtitle.append(f"{', '.join(quiet)}: no false shared for any scheme (not drawn)")
    procs = sorted(d["procs"].unique())
    return (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "procs:Q",
                title="processes",
                scale=alt.Scale(type="log", base=2),
                axis=_int_axis(procs),
            ),
            y=alt.Y("rate:Q", title="false shared per check"),
            color=alt.Color("workload:N"),
            tooltip=["scheme", "workload", "procs", "checks", "false_shared", "rate"],
        )
        .properties(width=160, height=120)
        .facet(facet=alt.Facet("scheme:N", title=None), columns=3)
        .properties(
            title=alt.TitleParams(
                "Needless copies against the number of processes", subtitle=subtitle
            )
        )
    )


#: Axis titles of :func:`probability_chart` per swept parameter.
PARAM_TITLES = {
    "mms": "mms mapping the folio",
    "mappings": "mappings (total mapcount n)",
    "word_bits": "bits per rmap value (W)",
    "id_bits": "mm id bits",
    "order": "folio order",
}
#: The ``kind`` of a point drawn at its upper bound.
UPPER_BOUND = "no hit: 95% upper bound"


def probability_chart(
    df: pd.DataFrame, x: str, config: RmapConfig | str | None = None
) -> alt.LayerChart:
    """P(false exclusive) against parameter ``x`` on a log scale, one line per
    encoding. ``df`` holds :func:`rmaplab.collide.collide` rows; ``config``
    (a name or :class:`RmapConfig`) goes into the subtitle beside the
    parameters every row shares.

    A Monte Carlo point that saw no hit is drawn at its 95% (Wilson) upper
    bound as a hollow down-triangle; an exact or proven 0 has no place on a
    log axis and is named in the subtitle instead. Encodings are drawn side
    by side around each x (``x_drawn``) so equal series stay visible; the
    subtitle names the series that are equal at every point.
    """
    d = df.copy()
    zero = d["probability"] <= 0
    d["shown"] = d["probability"].where(~zero, d["ci_high"])
    d["kind"] = ["estimate" if not z else UPPER_BOUND for z in zero]
    exact_zero = list(dict.fromkeys(d.loc[d["shown"] <= 0, "encoding"]))
    d = d[d["shown"] > 0].copy()
    encs = list(dict.fromkeys(d["encoding"]))
    xs = sorted((d if len(d) else df)[x].unique())
    step = 0.012 * ((xs[-1] - xs[0]) if len(xs) > 1 else 1)
    d["x_drawn"] = [
        v + (encs.index(e) - (len(encs) - 1) / 2) * step
        for v, e in zip(d[x], d["encoding"], strict=True)
    ]
    series = {e: tuple(g.sort_values(x)["shown"]) for e, g in d.groupby("encoding", sort=False)}
    same: list[list[str]] = []
    for i, a in enumerate(encs):
        twins = [b for b in encs[i + 1 :] if series[b] == series[a]]
        if twins and not any(a in s for s in same):
            same.append([a, *twins])

    params = []
    if config is not None:
        params.append(config if isinstance(config, str) else config.name)
    for col, fmt in (
        ("order", "order {}"),
        ("mms", "{} mms"),
        ("mappings", "{} mappings"),
        ("word_bits", "{}-bit words"),
        ("id_bits", "{}-bit ids"),
        ("population", "{} population"),
    ):
        v = _constant(df, col) if col != x else None
        if v is not None:
            params.append(fmt.format(v))
    mc = df[df.get("method", pd.Series(dtype=str)) == "monte-carlo"] if "method" in df else df[:0]
    t = _constant(mc, "trials")
    if t is not None:
        params.append(f"{t} trials per point")
    subtitle = [", ".join(params)]
    if (d["kind"] == UPPER_BOUND).any():
        subtitle.append("hollow down-triangle: no hit in its trials, drawn at the 95% upper bound")
    notes = []
    if exact_zero:
        notes.append(f"exactly 0, not drawn: {', '.join(exact_zero)}")
    if same:
        notes.append(
            "equal at every point (drawn side by side): " + "; ".join(" = ".join(s) for s in same)
        )
    if notes:
        subtitle.append("; ".join(notes))

    label = PARAM_TITLES.get(x, x.replace("_", " "))
    base = alt.Chart(d).encode(
        x=alt.X("x_drawn:Q", title=label, axis=_int_axis(xs), scale=alt.Scale(nice=False)),
        y=alt.Y("shown:Q", title="P(false exclusive)", scale=alt.Scale(type="log")),
        color=alt.Color("encoding:N", sort=encs),
    )
    line = base.mark_line(opacity=0.7).encode(
        strokeDash=alt.StrokeDash("encoding:N", sort=encs, legend=None)
    )
    shape = alt.Shape(
        "kind:N",
        title=None,
        scale=alt.Scale(domain=["estimate", UPPER_BOUND], range=["circle", "triangle-down"]),
        legend=alt.Legend(labelLimit=300),
    )
    tooltip = ["encoding", x, "probability", "ci_low", "ci_high", "method", "trials"]
    # two layers: filled estimates, hollow upper bounds
    estimates = (
        base.transform_filter(alt.datum.kind == "estimate")
        .mark_point(size=70, strokeWidth=2, filled=True, opacity=1)
        .encode(shape=shape, tooltip=tooltip)
    )
    bounds = (
        base.transform_filter(alt.datum.kind == UPPER_BOUND)
        .mark_point(size=90, strokeWidth=2, filled=False, opacity=1)
        .encode(shape=shape, tooltip=tooltip)
    )
    return alt.layer(line, estimates, bounds).properties(
        title=alt.TitleParams(f"False 'exclusive' against {label}", subtitle=subtitle),
        width=420,
        height=260,
    )


def design_chart(df: pd.DataFrame) -> alt.FacetChart:
    """Fewest rmap values proven safe per order and family, from
    :func:`rmaplab.design.design` (one or several id/word widths)."""
    d = df[~df["best"] & df["values"].notna()].copy()
    d["values"] = d["values"].astype(int)
    d["widths"] = [
        f"{i}-bit ids, {w}-bit words" for i, w in zip(d["id_bits"], d["word_bits"], strict=True)
    ]
    widths = list(dict.fromkeys(d["widths"]))
    from .labels import orders_label

    chart = (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(
            x=alt.X("order:O", title="folio order", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("values:Q", title="rmap values K proven safe", axis=alt.Axis(format="d")),
            color=alt.Color("encoding:N", title="family"),
            tooltip=["widths", "order", "encoding", "values", "bytes", "atomics_per_update"],
        )
        .properties(width=300, height=200)
    )
    return chart.facet(facet=alt.Facet("widths:N", title=None, sort=widths), columns=3).properties(
        title=alt.TitleParams(
            "Fewest rmap values proven safe per folio order",
            subtitle=[
                f"{'; '.join(widths)}; orders {orders_label(df['order'])}",
                "per family, among the encodings searched (rmaplab design); "
                "no point: none proven safe",
            ],
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
    from .labels import orders_label

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
    chart = (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(
            x=alt.X("word_bits:O", title="word bits W", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("pages:Q", title="largest safe folio (pages)", scale=alt.Scale(type="log")),
            color=alt.Color("series:N", title=None, sort=list(TINY_FRONTIER_SERIES.values())),
            tooltip=["slice_bits", "word_bits", "series", "pages", "best_table_status"],
        )
        .properties(width=260, height=200)
    )
    return chart.facet(facet=alt.Facet("slices:N", title=None), columns=3).properties(
        title=alt.TitleParams(
            "One rmap value on tiny analogues: linear weights against tables w[s]",
            subtitle=[
                f"slice bits {orders_label(df['slice_bits'])}; word bits "
                f"{orders_label(df['word_bits'])}; best table exact (exhaustive, "
                f"symmetry-reduced) in {exact} of {len(df)} cases, else a lower bound",
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
    from .labels import orders_label

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
    rules = (
        alt.Chart(refs)
        .mark_rule(strokeDash=[4, 3], color="gray")
        .encode(
            y="id_bits:Q",
            strokeDash=alt.StrokeDash("reference:N", title="id width needed"),
            tooltip=["reference"],
        )
    )
    return (lines + rules).properties(
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


def race_chart(df: pd.DataFrame, protocols: Sequence[str] | None = None) -> alt.LayerChart:
    """Heat map of race exploration results (``rmaplab.race.race_outcomes``: one
    row per scenario and protocol with ``outcome`` and ``label``): false
    "exclusive" states per cell (orange: at least one; purple: incomplete)."""
    order = list(protocols) if protocols is not None else list(dict.fromkeys(df["protocol"]))
    budget = int(df["max_states"].max()) if "max_states" in df else 0
    base = alt.Chart(df).encode(
        x=alt.X("protocol:N", sort=order, title="protocol", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("scenario:N", sort=list(dict.fromkeys(df["scenario"])), title="scenario"),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(
            "outcome:N",
            scale=alt.Scale(
                domain=["none wrong", "wrong answers", "incomplete"],
                range=["#1b9e77", "#d95f02", "#7570b3"],
            ),
        ),
        tooltip=["scenario", "protocol", "states", "complete", "false_exclusive", "false_shared"],
    )
    text = base.mark_text().encode(text="label:N")
    return (rect + text).properties(
        title=[
            "False 'exclusive' states per scenario and protocol",
            f"(every interleaving, sequential consistency, budget {budget} states)",
        ],
        width=alt.Step(90),
        height=alt.Step(22),
    )
