"""Chart builders: each returns an ``alt.Chart`` from tidy library results.

Tested through ``Chart.to_dict()``. Importing this module selects altair's
``mimetype`` renderer, which JupyterLab renders offline.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from .config import DEFAULT_CONFIG, RmapConfig
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
    "false_shared_chart",
    "frontier_chart",
    "frontier_frame",
    "probability_chart",
    "published_chart",
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


def frontier_frame(word_bits: int = 64, max_bits: int = 24) -> pd.DataFrame:
    """Per bits-per-value B: log2 of the page count from which no weights are
    safe (pigeonhole), and the largest order the posted base-(P+1) digits
    certify carry-free with P_g = 2**order. Tidy: one row per (B, bound)."""
    rows = []
    for b in range(1, max_bits + 1):
        T = iroot(1 << word_bits, b)
        rows.append(
            {
                "bits": b,
                "bound": "pigeonhole: no weights safe",
                "log2_pages": math.log2(T + 1),
                "pages": T + 1,
            }
        )
        cf = _carry_free_max_order(b, word_bits)
        if cf is not None:
            rows.append(
                {
                    "bits": b,
                    "bound": "carry-free certified (P_g = P)",
                    "log2_pages": float(cf),
                    "pages": 1 << cf,
                }
            )
    return pd.DataFrame(rows)


def frontier_chart(configs=(DEFAULT_CONFIG,), word_bits: int = 64, max_bits: int = 24) -> alt.Chart:
    """Where every (order, bits per value) of the configurations sits relative
    to the frontier, coloured by the verifier's verdict."""
    from .verify import verify

    fr = frontier_frame(word_bits, max_bits).drop(columns="pages")  # may exceed 2**64: not JSON
    pts = []
    for c in configs:
        cfg: RmapConfig = c
        if cfg.word_bits != word_bits:
            continue
        for o in cfg.orders:
            v = verify(cfg, o)
            pts.append(
                {
                    "config": cfg.name,
                    "order": o,
                    "bits": v.bits,
                    "log2_pages": o,
                    "verdict": v.verdict,
                    "min_mappings": v.min_mappings,
                }
            )
    pts = pd.DataFrame(pts)
    lines = (
        alt.Chart(fr)
        .mark_line(point=True)
        .encode(
            x=alt.X("bits:Q", title="id bits per rmap value (B)"),
            y=alt.Y("log2_pages:Q", title="log2(pages per folio) = order"),
            strokeDash=alt.StrokeDash("bound:N", title="bound"),
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
        title=f"Frontier for {word_bits}-bit rmap values", width=420, height=300
    )


def verdict_chart(df: pd.DataFrame) -> alt.Chart:
    """Verdict per order from :func:`rmaplab.verify.verify_all`."""
    d = df[["config", "order", "verdict", "method", "min_mappings", "headroom_bits"]].copy()
    return (
        alt.Chart(d)
        .mark_bar()
        .encode(
            x=alt.X("order:O", title="folio order"),
            y=alt.Y("headroom_bits:Q", title="headroom bits (negative: can wrap)"),
            color=alt.Color("verdict:N", scale=VERDICT_COLORS),
            tooltip=["order", "verdict", "method", "min_mappings", "headroom_bits"],
        )
        .properties(
            title=f"{d['config'].iloc[0]}: headroom and verdict per order", width=420, height=240
        )
    )


def cost_chart(df: pd.DataFrame) -> alt.Chart:
    """Bytes of rmap values and atomics per update against order (from
    :func:`rmaplab.cost.cost_table`, one or several configurations)."""
    long = df.melt(
        id_vars=["config", "order"],
        value_vars=["bytes", "atomics_per_update"],
        var_name="cost",
        value_name="amount",
    )
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("order:O", title="folio order"),
            y=alt.Y("amount:Q", title=None),
            color=alt.Color("config:N"),
            tooltip=["config", "order", "cost", "amount"],
        )
        .properties(width=200, height=200)
        .facet(column=alt.Column("cost:N", title=None))
        .resolve_scale(y="independent")
        .properties(title="Cost per folio and per update")
    )


def published_chart(tidy: pd.DataFrame, benchmarks=None) -> alt.Chart:
    """Cover-letter figures per stage and CPU (tidy frame of
    :func:`rmaplab.cost.load_published`)."""
    d = tidy if benchmarks is None else tidy[tidy["benchmark"].isin(benchmarks)]
    d = d.assign(stage=d["stage"].astype(str))
    order = [s for s in ["mapcount", "rmap-id", "123", "batch", "exclusive", "nocmpxchg", "all"]]
    return (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(
            x=alt.X("stage:N", sort=order, title="stage of the series"),
            y=alt.Y("change_percent:Q", title="change vs. v6.7-rc1 (%)"),
            color=alt.Color("benchmark:N"),
            strokeDash=alt.StrokeDash("cpu:N"),
            tooltip=["cpu", "stage", "benchmark", "change_percent"],
        )
        .properties(title="Published overhead per stage (cover letter)", width=420, height=260)
    )


def atomics_chart(df: pd.DataFrame) -> alt.Chart:
    """ns per update against K (from :func:`rmaplab.atomics.bench_atomics`)."""
    d = df.assign(case=df["threads"].astype(str) + " thread(s), " + df["path"])
    return (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(
            x=alt.X("values:O", title="rmap values K"),
            y=alt.Y("ns_per_update:Q", title="ns per update", scale=alt.Scale(type="log")),
            color=alt.Color("case:N"),
            tooltip=["values", "threads", "path", "ns_per_update", "ratio_vs_k3"],
        )
        .properties(title="Update path measured here", width=420, height=260)
    )


def false_shared_chart(df: pd.DataFrame) -> alt.Chart:
    """False-shared rate (copies the ground truth would have avoided, per
    check) against the number of processes, one line per scheme; ``df`` has
    columns scheme, workload, procs, checks, false_shared."""
    d = df.assign(rate=(df["false_shared"] / df["checks"].where(df["checks"] > 0)).fillna(0.0))
    return (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(
            x=alt.X("procs:Q", title="processes", scale=alt.Scale(type="log", base=2)),
            y=alt.Y("rate:Q", title="false shared per check"),
            color=alt.Color("scheme:N"),
            tooltip=["scheme", "workload", "procs", "checks", "false_shared", "rate"],
        )
        .properties(width=180, height=160)
        .facet(column=alt.Column("workload:N", title=None))
        .properties(title="Needless copies against the number of processes")
    )


def probability_chart(df: pd.DataFrame, x: str) -> alt.Chart:
    """P(false exclusive) against parameter ``x`` on a log scale, one line per
    encoding; a point that saw no hit is drawn at its 95% upper bound (hollow).
    ``df`` holds :func:`rmaplab.collide.collide` rows."""
    d = df.copy()
    d["shown"] = d["probability"].where(d["probability"] > 0, d["ci_high"])
    d["kind"] = ["estimate" if p > 0 else "upper bound (no hit)" for p in d["probability"]]
    d = d[d["shown"] > 0]
    return (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(filled=False, size=60))
        .encode(
            x=alt.X(f"{x}:Q", title=x.replace("_", " ")),
            y=alt.Y("shown:Q", title="P(false exclusive)", scale=alt.Scale(type="log")),
            color=alt.Color("encoding:N"),
            shape=alt.Shape("kind:N", title=None),
            tooltip=["encoding", x, "probability", "ci_low", "ci_high", "method"],
        )
        .properties(title=f"False 'exclusive' against {x.replace('_', ' ')}", width=420, height=260)
    )
