"""Charts of cost: bytes and atomics per folio, the published overhead, the
update path measured here, the design table and the needless copies of 6.15."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from ..config import RmapConfig
from ..labels import orders_label
from ._common import _config_text, _lines_and_marks

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
    # one configuration is named in the subtitle: a one-entry legend says nothing
    many = df["config"].nunique() > 1
    color = (
        alt.Color("config:N", legend=alt.Legend(orient="bottom")) if many else alt.value("#1f77b4")
    )
    panels = []
    for col, (head, ytitle) in COST_TITLES.items():
        panels.append(
            alt.Chart(long)
            .transform_filter(alt.datum.cost == col)
            .mark_line(point=True)
            .encode(
                x=alt.X("order:O", title="folio order", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("amount:Q", title=ytitle, axis=alt.Axis(format="d", tickMinStep=1)),
                color=color,
                tooltip=["config", "order", "cost", "amount"],
            )
            .properties(title=head, width=210, height=200)
        )
    return alt.hconcat(*panels).properties(
        title=alt.TitleParams(
            "Cost per folio and per update",
            subtitle=[
                params,
                "bytes: the K values only (no mapcount, no seqcount);",
                "atomics: legacy path 2, total mapcount 1, seqcount 2, one per value",
            ],
        )
    )


#: The cover letter's CPUs, as their vendors write them (the CSV's keys are snake case).
CPU_NAMES = {
    "intel_xeon_silver_4210r": "Intel Xeon Silver 4210R",
    "amd_epyc_7313": "AMD EPYC 7313",
}
#: What the cover letter's stage names mean (issue 19: "123" was unexplained).
STAGE_NOTE = [
    "stages: mapcount = total mapcount added; rmap-id = rmap values added;",
    "123 = 1/2/3-value groups added; batch, exclusive, nocmpxchg, all = later optimisations",
]


def published_chart(tidy: pd.DataFrame, benchmarks: Sequence[str] | None = None) -> alt.LayerChart:
    """Cover-letter figures per stage and CPU (tidy frame of
    :func:`rmaplab.cost.load_published`): one colour per benchmark, one
    mark shape and dash per CPU."""
    d = tidy if benchmarks is None else tidy[tidy["benchmark"].isin(benchmarks)]
    d = d.assign(
        stage=d["stage"].astype(str),
        cpu=[CPU_NAMES.get(c, str(c).replace("_", " ")) for c in d["cpu"]],
    )
    order = ["mapcount", "rmap-id", "123", "batch", "exclusive", "nocmpxchg", "all"]
    cpus = list(dict.fromkeys(d["cpu"]))
    legend = alt.Legend(orient="bottom", direction="vertical", labelLimit=0)
    x = alt.X("stage:N", sort=order, title="stage of the series", axis=alt.Axis(labelAngle=0))
    lines = (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True))
        .encode(
            x=x,
            y=alt.Y("change_percent:Q", title="runtime change vs. v6.7-rc1 (%), < 0 = faster"),
            color=alt.Color("benchmark:N", legend=legend),
            shape=alt.Shape("cpu:N", sort=cpus, title="CPU", legend=legend),
            # the shape legend names the CPUs; a dash legend would repeat it with dots
            strokeDash=alt.StrokeDash("cpu:N", sort=cpus, legend=None),
            tooltip=["cpu", "stage", "benchmark", "change_percent"],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#888888").encode(y="y:Q")
    return alt.layer(zero, lines).properties(
        title=alt.TitleParams(
            "Published runtime change per stage of the WIP v1 series",
            subtitle=[
                "cover letter's microbenchmarks, 1 GiB of 2 MiB THP, against v6.7-rc1;",
                f"CPUs: {', '.join(cpus)}; below 0 = faster;",
                *STAGE_NOTE,
                "published figures, not measured here (rmaplab bench-atomics is)",
            ],
        ),
        width=440,
        height=260,
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
            color=alt.Color("case:N", legend=alt.Legend(orient="bottom", columns=2)),
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


def design_chart(df: pd.DataFrame) -> alt.FacetChart:
    """Fewest rmap values proven safe per order and family, from
    :func:`rmaplab.design.design` (one or several id/word widths). Families
    with equal K are drawn side by side within each order, each with its
    own mark."""
    d = df[~df["best"] & df["values"].notna()].copy()
    d["values"] = d["values"].astype(int)
    d["widths"] = [
        f"{i}-bit ids, {w}-bit words" for i, w in zip(d["id_bits"], d["word_bits"], strict=True)
    ]
    widths = list(dict.fromkeys(d["widths"]))
    # a family whose every K lies above every other family's K (bit-counters:
    # one value per id bit) would squash the axis: named in the subtitle instead
    kmin = d.groupby("encoding", sort=False)["values"].min()
    off_fams = [
        f for f in kmin.index if kmin[f] > max(d.loc[d["encoding"] != f, "values"], default=-1)
    ]
    off = (
        d[d["encoding"].isin(off_fams)]
        .groupby("encoding", sort=False)["values"]
        .agg(["min", "max"])
    )
    d = d[~d["encoding"].isin(off_fams)]
    top = int(d["values"].max()) + 1 if len(d) else 1
    fams = list(dict.fromkeys(d["encoding"]))
    legend = alt.Legend(orient="bottom", title="family", columns=4, labelLimit=0)
    offnote = "; ".join(
        f"{f}: K {r['min']}" + (f"..{r['max']}" if r["max"] != r["min"] else "")
        for f, r in off.iterrows()
    )
    base = alt.Chart().encode(
        x=alt.X("order:O", title="folio order", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("encoding:N", sort=fams),
        y=alt.Y(
            "values:Q",
            title="rmap values K proven safe",
            axis=alt.Axis(format="d", tickMinStep=1),
            scale=alt.Scale(domain=[0, top]),
        ),
        tooltip=["widths", "order", "encoding", "values", "bytes", "atomics_per_update"],
    )
    chart = alt.layer(_lines_and_marks(base, "encoding", fams, legend), data=d).properties(
        width=150, height=170
    )
    return chart.facet(facet=alt.Facet("widths:N", title=None, sort=widths), columns=3).properties(
        title=alt.TitleParams(
            "Fewest rmap values proven safe per folio order",
            subtitle=[
                *widths,
                f"orders {orders_label(df['order'])}; per family searched (rmaplab design);",
                "no point: none proven safe; equal K drawn side by side",
                *(
                    [f"more values than every other family, not drawn: {offnote}"]
                    if len(off)
                    else []
                ),
            ],
        )
    )


def _sweep_label(attrs: dict) -> str:
    sw = attrs.get("sweep") or {}
    keys = ("procs", "depth", "fanout", "lifetime", "seed")
    parts = [f"{k} {','.join(map(str, sw[k]))}" for k in keys if k in sw]
    if "folios" in sw:
        parts.append(f"{sw['folios']} folio{'s' if sw['folios'] != 1 else ''}")
    return "; ".join(parts)


def shape_cost_chart(table: pd.DataFrame) -> Any:
    """Needless copies per GiB written against folio order, one line per
    scheme, one panel per workload (from :func:`shape_cost_table`); the
    subtitle states the sweep's parameters (summed over)."""
    cols = [c for c in table.columns if c.startswith("needless/GiB ")]
    long = table.melt(
        id_vars=["workload", "order", "mapped"],
        value_vars=cols,
        var_name="scheme",
        value_name="needless copies per GiB written",
    )
    long["scheme"] = long["scheme"].str.removeprefix("needless/GiB ")
    long["series"] = long["scheme"] + " (" + long["mapped"] + ")"
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("order:O", title="folio order"),
            y=alt.Y("needless copies per GiB written:Q"),
            color=alt.Color(
                "series:N", title="scheme (mapped by)", legend=alt.Legend(orient="bottom")
            ),
            facet=alt.Facet("workload:N", columns=3),
        )
        .properties(
            width=150,
            height=130,
            title=alt.TitleParams(
                "Needless copies per GiB written: 6.15 MM-owner vs. exact, by workload shape",
                subtitle=f"4 KiB pages, PMD order 9; summed over {_sweep_label(table.attrs)}",
            ),
        )
    )
