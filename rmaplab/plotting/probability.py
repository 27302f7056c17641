"""Charts of wrong answers: false shared per scheme, P(false exclusive) per
encoding, and the race explorer's heat map."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from ..config import RmapConfig
from ._common import _constant, _int_axis


def false_shared_chart(
    df: pd.DataFrame,
    order: int | None = None,
    config: RmapConfig | None = None,
    seeds: int | None = None,
) -> alt.FacetChart:
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
    d = (
        df
        if "rate" in df
        else df.assign(rate=(df["false_shared"] / df["checks"].where(df["checks"] > 0)).fillna(0.0))
    )
    per_workload = d.groupby("workload", sort=False)["false_shared"].sum()
    quiet = [w for w, v in per_workload.items() if v == 0]
    if len(quiet) < len(per_workload):
        d = d[~d["workload"].isin(quiet)]
    else:
        quiet = []
    workloads = list(dict.fromkeys(d["workload"]))
    params = []
    if order is not None:
        params.append(f"order {order}")
    if config is not None:
        params.append(f"{config.name} ({config.id_bits}-bit ids, {config.word_bits}-bit words)")
    if seeds is not None:
        params.append(f"{seeds} seeds")
    subtitle = [", ".join(params)] if params else []
    spread = {"rate_low", "rate_high"} <= set(d.columns)
    if spread:
        subtitle.append("point: pooled over seeds; bar: lowest to highest single seed")
    if quiet:
        subtitle.append(f"{', '.join(quiet)}: no false shared for any scheme (not drawn)")
    procs = sorted(d["procs"].unique())
    # one workload is named in the title: a one-entry legend says nothing
    if len(workloads) > 1:
        color: Any = alt.Color("workload:N", sort=workloads, legend=alt.Legend(orient="bottom"))
        what = "workloads " + ", ".join(workloads)
    else:
        color = alt.value("#d95f02")
        what = f"{workloads[0]} workload" if workloads else "no workload"
    x = alt.X(
        "procs:Q", title="processes", scale=alt.Scale(type="log", base=2), axis=_int_axis(procs)
    )
    tooltip = [
        c
        for c in (
            "scheme",
            "workload",
            "procs",
            "checks",
            "false_shared",
            "rate",
            "rate_low",
            "rate_high",
        )
        if c in d
    ]
    line = (
        alt.Chart()
        .mark_line(point=True)
        .encode(
            x=x, y=alt.Y("rate:Q", title="false shared per check"), color=color, tooltip=tooltip
        )
    )
    layers = [line]
    if spread:
        layers.append(
            alt.Chart().mark_rule().encode(x=x, y="rate_low:Q", y2="rate_high:Q", color=color)
        )
    return (
        alt.layer(*layers, data=d)
        .properties(width=150, height=110)
        .facet(facet=alt.Facet("scheme:N", title=None), columns=3)
        .properties(
            title=alt.TitleParams(
                f"False shared per check against processes, {what}", subtitle=subtitle
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
    # a configuration's name promises its widths: name it only where the rows
    # ran those widths (collide_mms runs 16-bit words and 12-bit ids)
    if isinstance(config, str):
        params.append(config)
    elif config is not None and all(
        _constant(df, c) in (None, getattr(config, c)) for c in ("id_bits", "word_bits")
    ):
        params.append(config.name)
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
    half = (len(params) + 1) // 2
    subtitle = [", ".join(params[:half]) + ",", ", ".join(params[half:])]
    if "ci_low" in d and (d["kind"] == "estimate").any():
        subtitle.append("bars: 95% interval of each estimate (from its hits and trials)")
    if (d["kind"] == UPPER_BOUND).any():
        subtitle.append("hollow down-triangle: no hit in its trials, drawn at the 95% upper bound")
    notes = []
    if exact_zero:
        notes.append(f"exactly 0, not drawn: {', '.join(exact_zero)}")
    if same:
        notes.append(
            "equal at every point (drawn side by side): " + "; ".join(" = ".join(s) for s in same)
        )
    subtitle += notes

    label = PARAM_TITLES.get(x, x.replace("_", " "))
    base = alt.Chart(d).encode(
        x=alt.X("x_drawn:Q", title=label, axis=_int_axis(xs), scale=alt.Scale(nice=False)),
        y=alt.Y("shown:Q", title="P(false exclusive)", scale=alt.Scale(type="log")),
        color=alt.Color("encoding:N", sort=encs, legend=alt.Legend(orient="bottom", columns=4)),
    )
    line = base.mark_line(opacity=0.7).encode(
        strokeDash=alt.StrokeDash("encoding:N", sort=encs, legend=None)
    )
    shape = alt.Shape(
        "kind:N",
        title=None,
        scale=alt.Scale(domain=["estimate", UPPER_BOUND], range=["circle", "triangle-down"]),
        legend=alt.Legend(orient="bottom", labelLimit=0),
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
    layers = [line]
    if "ci_low" in d and "ci_high" in d:
        # the interval the rows carry (collide computes it); a log axis has no 0
        bars = (
            base.transform_filter((alt.datum.kind == "estimate") & (alt.datum.ci_low > 0))
            .mark_rule(strokeWidth=1.5)
            .encode(y="ci_low:Q", y2="ci_high:Q", tooltip=tooltip)
        )
        layers.append(bars)
    return alt.layer(*layers, estimates, bounds).properties(
        title=alt.TitleParams(f"False 'exclusive' against {label}", subtitle=subtitle),
        width=420,
        height=260,
    )


#: Colour per race outcome (the legend lists only the outcomes drawn).
OUTCOME_COLORS = {"none wrong": "#1b9e77", "wrong answers": "#d95f02", "incomplete": "#7570b3"}


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
                domain=[o for o in OUTCOME_COLORS if o in set(df["outcome"])],
                range=[c for o, c in OUTCOME_COLORS.items() if o in set(df["outcome"])],
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
