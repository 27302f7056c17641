"""Every table, chart and plain-text view, defined once.

A :class:`View` names one result and says how to build it: ``frame`` (the
tidy DataFrame, from a resolved :class:`Params`), ``text`` (plain text of at
most 72 columns, for mail) and ``chart`` (an ``alt.Chart``). The CLI, the
report (:mod:`rmaplab.report`) and the notebooks' export controls
(:func:`rmaplab.widgets.export_control`) all render through :data:`VIEWS`,
so a column list or a title is written in one place.

``text`` and ``chart`` take the frame and the parameters; a caller that
already holds a frame (a notebook cell, a CLI command with its own options)
passes it instead of having the view compute it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from .config import DEFAULT_CONFIG, RmapConfig, config_table
from .export import text_bars, text_lines, text_table, wrap
from .labels import orders_label

__all__ = [
    "ONE_VALUE_VIEW",
    "VIEWS",
    "Params",
    "View",
    "design_orders",
    "design_text",
    "export_items",
    "frontier_points",
    "orders_label",
    "tiny_frontier_text",
    "view",
]

#: The encodings the report compares, in the order its tables list them.
REPORT_ENCODINGS = (
    "posted",
    "raw-id",
    "hash64",
    "digits-k2",
    "posted-32bit",
    "bit-counters",
    "moments",
)
#: The encodings of the collision sweep against mms.
SWEEP_ENCODINGS = ("posted", "raw-id", "hash64", "digits-k2")
#: Points of the collision sweep against mms.
SWEEP_MMS = (2, 3, 4, 6, 8)
#: Folio order and seeds of the false-shared sweep against processes.
SWEEP_ORDER = 6
SWEEP_SEEDS = range(2)


@dataclass(frozen=True)
class Params:
    """What a view is computed for: a resolved configuration, quick or full, a seed."""

    config: RmapConfig = DEFAULT_CONFIG
    quick: bool = False
    seed: int = 0

    @property
    def trials(self) -> int:
        """Monte Carlo trials per collision estimate."""
        return 20_000 if self.quick else 200_000

    @property
    def schemes_order(self) -> int:
        """x86-64 PMD THP (order 9) when the configuration covers it."""
        return 9 if 9 in self.config.orders else self.config.max_order


@dataclass(frozen=True)
class View:
    """One result: its frame, its plain text, its chart and the CSV it is saved as."""

    name: str
    frame: Callable[[Params], pd.DataFrame]
    text: Callable[[pd.DataFrame, Params], str | None] | None = None
    chart: Callable[[pd.DataFrame, Params], object] | None = None
    #: CSV file stem (None: no CSV); defaults to the view's name
    csv: str | None = ""
    #: the frame as saved (e.g. JSON-encoded cells); default: the frame itself
    csv_frame: Callable[[pd.DataFrame], pd.DataFrame] | None = None

    @property
    def csv_name(self) -> str | None:
        return self.name if self.csv == "" else self.csv

    def build(self, params: Params) -> pd.DataFrame:
        return self.frame(params)

    def render_text(self, frame: pd.DataFrame, params: Params) -> str | None:
        return None if self.text is None else self.text(frame, params)

    def render_chart(self, frame: pd.DataFrame, params: Params) -> object:
        return None if self.chart is None else self.chart(frame, params)

    def to_csv(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame if self.csv_frame is None else self.csv_frame(frame)


# -- shared computations (cached per Params: several views read them) -----------


@lru_cache(maxsize=8)
def verdicts(params: Params) -> pd.DataFrame:
    """:func:`rmaplab.verify.verify_all` of the configuration."""
    from .verify import verify_all

    return verify_all(params.config)


def unsafe_order(params: Params) -> int | None:
    """The largest unsafe order: the one whose counterexample the report replays."""
    df = verdicts(params)
    unsafe = df[df["verdict"] == "unsafe"]
    return int(unsafe["order"].max()) if len(unsafe) else None


def _plotting():
    from . import plotting

    return plotting


def _r615():
    from . import report_615

    return report_615


# -- configuration ----------------------------------------------------------------


def _table_text(df: pd.DataFrame, params: Params) -> str:
    return text_table(
        df,
        ["order", "values", "bits", "base_pages", "bytes", "headroom_bits"],
        ["order", "K", "B", "P_g", "bytes", "headroom"],
    )


# -- verification -----------------------------------------------------------------


def _verify_csv(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["certificate"]).assign(
        counterexample=[json.dumps(c) if c else "" for c in df["counterexample"]]
    )


def _verify_text(df: pd.DataFrame, params: Params) -> str:
    tab = df.assign(min_n=df["min_mappings"].map(lambda v: "-" if v is None or v != v else int(v)))
    return text_table(
        tab,
        ["order", "values", "bits", "base_pages", "verdict", "method", "min_n"],
        ["order", "K", "B", "P_g", "verdict", "method", "min n"],
    )


def _frontier_frame(params: Params) -> pd.DataFrame:
    return _plotting().frontier_frame(params.config.word_bits, 12)


def _frontier_text(fr: pd.DataFrame, params: Params) -> str:
    pig = fr[fr["bound"].str.startswith("pigeonhole")][["bits", "pages"]]
    return (
        wrap(
            "Pages from which no sub-ID linear in the slice's bits (sum_j bit_j "
            "* w_j, any weights) is safe (pigeonhole), per id bits per value, "
            f"{params.config.word_bits}-bit words. Not a bound for tables w[s] indexed by "
            "the whole slice value (see proof.txt)."
        )
        + "\n\n"
        + text_table(pig, headers=["B", "pages"])
    )


def frontier_points(configs: Sequence[RmapConfig], word_bits: int = 64) -> pd.DataFrame:
    """The verifier's verdict at every order of ``configs`` with ``word_bits``
    words (one row per order: ``config``, ``label``, ``order``, ``bits``,
    ``log2_pages``, ``verdict``, ``min_mappings``), what
    :func:`rmaplab.plotting.frontier_chart` draws."""
    from .verify import verify

    rows = []
    for cfg in configs:
        if cfg.word_bits != word_bits:
            continue
        label = f"{cfg.name} ({cfg.id_bits}-bit ids, orders {cfg.orders[0]}..{cfg.orders[-1]})"
        for o in cfg.orders:
            v = verify(cfg, o)
            rows.append(
                {
                    "config": cfg.name,
                    "label": label,
                    "order": o,
                    "bits": v.bits,
                    "log2_pages": o,
                    "verdict": v.verdict,
                    "min_mappings": v.min_mappings,
                }
            )
    return pd.DataFrame(rows)


def _frontier_chart(fr: pd.DataFrame, params: Params):
    cfg = params.config
    return _plotting().frontier_chart(frontier_points([cfg], cfg.word_bits), cfg.word_bits)


def _proof_frame(params: Params) -> pd.DataFrame:
    """The unsafe order's verdict row (empty when every order is safe)."""
    df = verdicts(params)
    o = unsafe_order(params)
    return df[df["order"] == o].head(1) if o is not None else df.head(0)


def _proof_text(row: pd.DataFrame, params: Params) -> str | None:
    from .proof import proof_text

    if row.empty:
        return None
    return proof_text(params.config, int(row["order"].iloc[0]))


def _steps_frame(params: Params) -> pd.DataFrame:
    from .proof import replay_steps

    row = _proof_frame(params)
    if row.empty:
        return pd.DataFrame()
    order = int(row["order"].iloc[0])
    return replay_steps(params.config.encoding(order), order, row["counterexample"].iloc[0])


def _steps_text(st: pd.DataFrame, params: Params) -> str | None:
    if st.empty:
        return None
    return text_table(
        st[st["value"] == 0],
        ["step", "mapcount", "hex", "base_digits", "equal"],
        ["step", "n", "value 0 (hex)", "base P_g+1 digits", "=n*s"],
    )


# -- cost -------------------------------------------------------------------------

COST_COLUMNS = [
    "order",
    "values",
    "bytes",
    "per_page_mapcount_bytes",
    "cache_lines",
    "atomics_per_update",
    "atomics_per_update_exclusive",
]
COST_HEADERS = ["order", "K", "bytes", "mapcount B", "lines", "atomics", "excl."]


def _cost_frame(params: Params) -> pd.DataFrame:
    from .cost import cost_table

    return cost_table(params.config)


def _cost_text(df: pd.DataFrame, params: Params) -> str:
    # schemes.txt counts rmap-id's bytes and atomics differently: say what each counts
    return (
        wrap(
            f"{params.config.name}: bytes = the K rmap values only; atomics = RMW per "
            "(un)map: legacy 2 + total mapcount 1 + seqcount 2 + K (schemes.txt "
            "counts the scheme's own: values + mapcount + seqcount bytes, 1 + 2 "
            "+ K atomics); excl. = exclusive writer"
        )
        + "\n\n"
        + text_table(df, COST_COLUMNS, COST_HEADERS)
    )


def _cost_bars_text(df: pd.DataFrame, params: Params) -> str:
    return text_bars(df["order"], df["bytes"], "bytes of rmap values per folio, by order")


def _published_frame(params: Params) -> pd.DataFrame:
    from .cost import load_published

    return load_published()["microbench"]


def _published_chart(df: pd.DataFrame, params: Params):
    return _plotting().published_chart(df, ["fork", "munmap", "remap", "cow_reuse"])


def _atomics_model_frame(params: Params) -> pd.DataFrame:
    from .cost import atomics_model

    return atomics_model(3)


def _atomics_model_text(m: pd.DataFrame, params: Params) -> str:
    return text_table(
        m,
        ["cpu", "benchmark", "mapcount_stage_percent", "rmap_id_stage_percent", "explained"],
        ["cpu", "bench", "1 atomic %", "rmap-id %", "explained"],
        floatfmt=".2f",
    )


def _tradeoff_frame(params: Params) -> pd.DataFrame:
    from .cost import tradeoff

    cfg = params.config
    return tradeoff(cfg, [o for o in (9, 13) if o in cfg.orders])


def _cheapest_frame(params: Params) -> pd.DataFrame:
    from .cost import cheapest_safe

    cfg = params.config
    return cheapest_safe(cfg.id_bits, cfg.word_bits, cfg.max_order)


def _cheapest_text(cheap: pd.DataFrame, params: Params) -> str:
    cfg = params.config
    return (
        wrap(
            "Fewest values K proven safe per order within the posted family: "
            f"equal slices of B id bits, base 2^order + 1 digits ({cfg.id_bits}-bit "
            f"ids, {cfg.word_bits}-bit words). Other weights or tables can need "
            "fewer (see proof.txt)."
        )
        + "\n\n"
        + text_table(
            cheap,
            ["order", "values", "bits", "method", "rule_values"],
            ["order", "K", "B", "proof", "rule K"],
        )
    )


# -- fewest values over encoding families (rmaplab design) ------------------------

#: The id/word widths the report designs for: the series (24-bit ids), the MM
#: id merged in Linux 6.15 (31 bits), the series' 32-bit sketch (16 in 32).
DESIGN_WIDTHS = ((24, 64), (31, 64), (16, 32))
#: Orders the report designs for; ``--quick`` designs only the orders post.txt
#: names (:data:`DESIGN_POST_ORDERS`): the whole range costs minutes. Measured
#: on the shared 2-core machine (2026-11-27, loaded): design 0..20 took 52 s CPU
#: for 24/64 and 152 s CPU for 16/32; 31/64 runs 18-19 s CPU per order at 9 and 13.
DESIGN_MAX_ORDER = 20
#: The orders post.txt names: x86-64 2 MiB THP and arm64 512 MiB THP.
DESIGN_POST_ORDERS = (9, 13)
#: What :func:`rmaplab.design.candidates` tries, in the words every claim uses.
DESIGN_SCOPE = (
    "digits in bases P + 1 and P, PDEP bit-deposit tables, moments (sum of "
    "ids and of squared ids; packed slices), raw-id, hash64, bit-counters"
)
#: The model's atomics and where the measured cost comes from.
DESIGN_COST_NOTE = (
    "atomics = RMW per (un)map in the model (legacy 2 + mapcount 1 + "
    "seqcount 2 + K); ns per update is measured, on your machine, by "
    "the command below, not by this table"
)
#: The measuring command, as lines a shell accepts (a line of mail is 72 columns).
BENCH_ENCODINGS_CMD = (
    "  rmaplab bench-atomics --threads 1,2 \\\n"
    "      --encodings digits,moments,table-quadratic,table"
)


def design_orders(params: Params) -> tuple[int, ...]:
    """The orders the report designs for: 0..20, or with ``--quick`` 9 and 13."""
    return DESIGN_POST_ORDERS if params.quick else tuple(range(DESIGN_MAX_ORDER + 1))


@lru_cache(maxsize=4)
def _design_frame(params: Params) -> pd.DataFrame:
    from .design import design

    orders = design_orders(params)
    if orders == tuple(range(orders[0], orders[-1] + 1)):
        runs = [(orders[0], orders[-1])]
    else:
        runs = [(o, o) for o in orders]
    return pd.concat(
        [design(i, w, hi, min_order=lo) for i, w in DESIGN_WIDTHS for lo, hi in runs],
        ignore_index=True,
    )


def _design_frame_copy(params: Params) -> pd.DataFrame:
    return _design_frame(params).copy()


def _cell(v) -> str:
    return "-" if v is None or v != v else str(int(v))


def design_text(df: pd.DataFrame, params: Params | None = None) -> str:
    """Per id/word width: the cheapest design per order and each family's K."""
    from .design import FAMILY_ORDER

    quick = ""
    if params is not None and params.quick:
        quick = (
            f" QUICK RUN (--quick): orders {orders_label(design_orders(params))} only; "
            f"`rmaplab report` without --quick designs orders 0..{DESIGN_MAX_ORDER}."
        )
    out = [
        wrap(
            "Fewest rmap values proven safe per folio order, cheapest among the "
            f"families searched: {DESIGN_SCOPE}. bytes = the K values only; "
            f"{DESIGN_COST_NOTE}. mults, lookups = multiplies and table lookups "
            "per update to form the addends; proof = lines "
            "of `rmaplab proof --encoding`." + quick
        ),
        "",
        BENCH_ENCODINGS_CMD,
    ]
    for (i, w), g in df.groupby(["id_bits", "word_bits"], sort=False):
        best = g[g["best"]]
        label = orders_label(g["order"])
        orders = f"order {label}" if g["order"].nunique() == 1 else f"orders {label}"
        tab = best.assign(
            **{c: best[c].map(_cell) for c in ("values", "bytes", "atomics_per_update")}
        )
        tab = tab.assign(mults=best["multiplies"].map(_cell))
        tab = tab.assign(lookups=best["table_lookups"].map(_cell))
        tab = tab.assign(proof=best["proof_lines"].map(_cell))
        out += [
            "",
            wrap(f"{i}-bit ids, {w}-bit words, {orders}: cheapest design"),
            text_table(
                tab,
                [
                    "order",
                    "encoding",
                    "values",
                    "bytes",
                    "atomics_per_update",
                    "mults",
                    "lookups",
                    "proof",
                ],
                ["order", "family", "K", "bytes", "atomics", "mults", "lookups", "proof"],
            ),
        ]
        fam = g[~g["best"]]
        piv = fam.pivot(index="order", columns="encoding", values="values")
        cols = [f for f in FAMILY_ORDER if f in piv.columns]
        piv = piv[cols].map(_cell).reset_index()
        out += [
            "",
            wrap(f"{i}-bit ids, {w}-bit words: K per family (-: none proven safe)"),
            text_table(piv, ["order", *cols], ["order", *cols]),
        ]
    return "\n".join(out)


def _design_cost_frame(params: Params) -> pd.DataFrame:
    """The cheapest designs at :data:`DESIGN_POST_ORDERS`, measured here (1 thread).

    Without a C compiler the frame is empty and the text says so."""
    from .config import ConfigError
    from .design_cost import COLUMNS, design_cost

    try:
        return design_cost(_design_frame(params), DESIGN_POST_ORDERS, threads=(1,))
    except ConfigError:
        return pd.DataFrame(columns=COLUMNS)


def _design_cost_text(df: pd.DataFrame, params: Params) -> str:
    from .atomics import machine_info
    from .design_cost import design_cost_text

    if df.empty:
        return wrap(
            "ns per update of the cheapest designs: not measured, no C compiler "
            "found ($CC, cc, gcc, clang); the C loop is compiled at run time."
        )
    return design_cost_text(df, machine_info())


def _design_chart(df: pd.DataFrame, params: Params):
    return _plotting().design_chart(df)


#: The tiny analogues the report tabulates: the whole grid, its all-tables
#: column read from the search results shipped as package data
#: (``rmaplab/data/table_frontier_exact.csv``), so the report is the same on
#: every machine and quick; ``rmaplab table-frontier`` recomputes it.
TINY_FRONTIER_BITS = (2, 3, 4)
TINY_FRONTIER_WORDS = (8, 10, 12, 14, 16)


def _tiny_frontier_frame(params: Params) -> pd.DataFrame:
    from .frontier_tables import frontier_table

    return frontier_table(bits_list=TINY_FRONTIER_BITS, words=TINY_FRONTIER_WORDS, precomputed=True)


def _how(status: str) -> str:
    if status.startswith("exact"):
        return "exact"
    return "lower" if status.startswith("lower") else "found"


def tiny_frontier_text(df: pd.DataFrame, params: Params | None = None) -> str:
    """The tiny-analogue frontier as a 72-column table (the frame of
    :func:`rmaplab.frontier_tables.frontier_table`)."""
    upper = df["upper_bound"] if "upper_bound" in df else df["table_bound"]
    tab = df.assign(
        best_linear=df["best_linear"].map(_cell),
        status=[_how(s) for s in df["best_table_status"]],
        upper=upper,
    )
    return (
        wrap(
            "One rmap value, one B-bit id slice, W-bit words: the largest folio "
            "(pages) kept safe. linear = pigeonhole bound for sub-IDs linear in "
            "the slice's bits (sum_j bit_j * w_j, any weights); base = best digit "
            "base b^j; moments = packed v + 2^e * v^2; table = best table w[s] "
            "over all tables (exact: exhaustive, symmetry-reduced, search "
            "completed; lower: the search stopped, a lower bound only; found: "
            "hill climbing, a lower bound only); upper = proven: no table does "
            "better (the exact value; a completed search for a bare target; the "
            "case with one slice bit fewer, as a table holds a smaller one and "
            "adding values never helps; else the bound); bound = no table with "
            ">= 3 values does better (Minkowski)."
        )
        + "\n\n"
        + text_table(
            tab,
            [
                "slice_bits",
                "word_bits",
                "linear_bound",
                "best_linear",
                "moments_table",
                "best_table",
                "status",
                "upper",
                "table_bound",
            ],
            ["B", "W", "linear", "base", "moments", "table", "how", "upper", "bound"],
        )
        + "\n\n"
        + "\n".join(
            wrap(
                f"B = {r.slice_bits}, W = {r.word_bits}: w[s] = {r.table}"
                + ("" if r.best_table_status.startswith("exact") else f"; {r.best_table_status}")
            )
            for r in df.itertuples()
        )
    )


def _tiny_frontier_chart(df: pd.DataFrame, params: Params):
    return _plotting().tiny_frontier_chart(df)


# -- one value (issue 20) -----------------------------------------------------------

#: Width and orders of the one-value chart.
ONE_VALUE_WORD_BITS = 64
ONE_VALUE_ORDERS = range(4, 17)


def _one_value_frame(params: Params) -> pd.DataFrame:
    from .onevalue.summary import proven_frame, scan_top

    df = proven_frame(ONE_VALUE_WORD_BITS, ONE_VALUE_ORDERS)
    # a value at the scan's cap is a lower bound set by the scan, not the word
    df["at_scan_cap"] = [
        b == scan_top(n) for n, b in zip(df["construction"], df["proven_id_bits"], strict=True)
    ]
    return df


def _one_value_text(df: pd.DataFrame, params: Params) -> str:
    capped = sorted(
        {
            f"{r.construction} (scanned up to {r.proven_id_bits}-bit ids)"
            for r in df.itertuples()
            if r.at_scan_cap
        }
    )
    wide = df.pivot(index="order", columns="construction", values="proven_id_bits")
    names = list(dict.fromkeys(df["construction"]))
    tab = wide[names].reset_index()
    short = [n.replace("paraboloid-", "pb-").replace("parabola-centered", "par-c") for n in names]
    return (
        wrap(
            f"One {_constant_of(df, 'word_bits')}-bit rmap value (mapcount bits 0): "
            "largest mm id bits proven per construction and order (packing lemma). "
            "Needed: 22 (PID_MAX_LIMIT), 24 (v1), 31 (6.15's mm_id)."
        )
        + "\n\n"
        + text_table(tab, ["order", *names], ["order", *short])
        + (
            "\n\n" + wrap("At the scan's cap (a lower bound): " + ", ".join(capped))
            if capped
            else ""
        )
    )


def _constant_of(df: pd.DataFrame, col: str):
    vals = set(df[col])
    return vals.pop() if len(vals) == 1 else "/".join(map(str, sorted(vals)))


def _one_value_chart(df: pd.DataFrame, params: Params):
    return _plotting().one_value_chart(df)


# -- peer schemes -----------------------------------------------------------------


def _schemes_frame(params: Params) -> pd.DataFrame:
    from .compare import compare_all

    return compare_all(
        config=params.config,
        order=params.schemes_order,
        procs=8,
        seed=params.seed,
        folios=2 if params.quick else 4,
    )


def scheme_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Checks and wrong answers per scheme summed over workloads, with its cost."""
    tot = (
        df.groupby("scheme", sort=False)[["checks", "false_exclusive", "false_shared"]]
        .sum()
        .reset_index()
    )
    info = df.drop_duplicates("scheme").set_index("scheme")
    tot["bytes"] = [info.loc[s, "bytes_per_folio"] for s in tot["scheme"]]
    tot["atomics"] = [info.loc[s, "atomics_per_update"] for s in tot["scheme"]]
    return tot


#: What the cost columns of a schemes table mean (every caption over one says it).
SCHEMES_COST_NOTE = (
    "bytes = what the scheme keeps per folio, atomics = RMW per (un)map it "
    "does; rmap-id: K values + mapcount + seqcount bytes, 1 + 2 + K "
    "atomics (cost.txt counts the values' bytes only and adds the "
    "legacy path's 2 atomics)."
)


def schemes_table_text(df: pd.DataFrame) -> str:
    """The schemes table without a caption: the caller states its parameters
    (the report's run and ``rmaplab compare``'s differ)."""
    return text_table(
        scheme_totals(df),
        headers=["scheme", "checks", "false excl.", "false shared", "bytes", "atomics"],
    )


def _schemes_text(df: pd.DataFrame, params: Params) -> str:
    from .compare import caption

    return (
        wrap(
            caption(df, {"order": params.schemes_order, "procs": 8, "seed": params.seed})
            + " "
            + SCHEMES_COST_NOTE
        )
        + "\n\n"
        + schemes_table_text(df)
    )


def _sweep_frame(params: Params) -> pd.DataFrame:
    from .compare import sweep_procs

    return sweep_procs(
        workloads=("zygote", "prefork", "random"),
        procs=(2, 4, 8) if params.quick else (2, 4, 8, 16, 32),
        order=SWEEP_ORDER,
        seeds=SWEEP_SEEDS,
        config=params.config,
    )


def _false_shared_text(sw: pd.DataFrame, params: Params) -> str:
    piv = sw[sw["workload"] == "random"].pivot_table(
        index="procs", columns="scheme", values="false_shared"
    )
    return text_lines(
        list(piv.index),
        {s: list(piv[s]) for s in piv.columns},
        "false shared (random workload, order 6) against processes",
    )


def _false_shared_chart(sw: pd.DataFrame, params: Params):
    return _plotting().false_shared_chart(
        sw, order=SWEEP_ORDER, config=params.config, seeds=len(SWEEP_SEEDS)
    )


def counterexample_replay(params: Params) -> pd.DataFrame | None:
    """Every scheme on the counterexample workload at the unsafe order (None if safe)."""
    from .compare import compare

    o = unsafe_order(params)
    return None if o is None else compare("counterexample", config=params.config, order=o)


# -- collisions -------------------------------------------------------------------


def _collide_frame(params: Params) -> pd.DataFrame:
    from .collide import collide

    return pd.DataFrame(
        [
            collide(
                e,
                params.schemes_order,
                3,
                20,
                params.trials,
                params.seed,
                "uniform",
                params.config,
                executor="auto",  # a thread per core; seeded per task, same numbers
            )
            for e in REPORT_ENCODINGS
        ]
    )


def _collide_text(real: pd.DataFrame, params: Params) -> str:
    return text_table(
        real,
        ["encoding", "values", "word_bits", "probability", "ci_high", "method"],
        ["encoding", "K", "W", "P", "95% high", "method"],
        floatfmt=".3g",
    )


def _adversarial_frame(params: Params) -> pd.DataFrame:
    from .collide import collide

    o = unsafe_order(params)
    if o is None:
        return pd.DataFrame()
    return pd.DataFrame(
        [
            collide(e, o, population="adversarial", config=params.config, executor=None)
            for e in REPORT_ENCODINGS
        ]
    )


def _collide_sweep_frame(params: Params) -> pd.DataFrame:
    from .collide import sweep

    base = dict(
        order=params.schemes_order,
        mms=3,
        mappings=8,
        trials=params.trials,
        seed=params.seed,
        word_bits=16,
        id_bits=12,
        config=params.config,
    )
    rows = [
        sweep("mms", list(SWEEP_MMS), base | {"encoding": e}, executor="auto")
        for e in SWEEP_ENCODINGS
    ]
    return pd.concat(rows, ignore_index=True)


def _collide_mms_text(sw: pd.DataFrame, params: Params) -> str:
    return text_lines(
        list(SWEEP_MMS),
        {e: list(sw[sw["encoding"] == e]["probability"]) for e in sw["encoding"].unique()},
        "P(false exclusive) against mms (16-bit words, 12-bit ids)",
        log=True,
    )


def _collide_mms_chart(sw: pd.DataFrame, params: Params):
    return _plotting().probability_chart(sw, "mms", config=params.config)


VIEWS: dict[str, View] = {
    v.name: v
    for v in [
        View("table", lambda p: config_table(p.config), _table_text),
        View("verify", verdicts, _verify_text, csv_frame=_verify_csv),
        View("frontier", _frontier_frame, _frontier_text, _frontier_chart, csv=None),
        View("proof", _proof_frame, _proof_text, csv=None),
        View("counterexample_steps", _steps_frame, _steps_text, csv=None),
        View(
            "cost",
            _cost_frame,
            _cost_text,
            lambda df, p: _plotting().cost_chart(df, configs=[p.config]),
        ),
        View("cost_bars", _cost_frame, _cost_bars_text, csv=None),
        View("published", _published_frame, None, _published_chart, csv=None),
        View("atomics_model", _atomics_model_frame, _atomics_model_text),
        View("tradeoff", _tradeoff_frame),
        View("cheapest_safe", _cheapest_frame, _cheapest_text),
        View("design", _design_frame_copy, lambda df, p: design_text(df, p), _design_chart),
        View("design_cost", _design_cost_frame, _design_cost_text),
        View("frontier_tables", _tiny_frontier_frame, tiny_frontier_text, _tiny_frontier_chart),
        View("schemes", _schemes_frame, _schemes_text),
        View(
            "false_shared", _sweep_frame, _false_shared_text, _false_shared_chart, "schemes_sweep"
        ),
        View("collide", _collide_frame, _collide_text),
        View("collide_adversarial", _adversarial_frame),
        View(
            "collide_mms",
            _collide_sweep_frame,
            _collide_mms_text,
            _collide_mms_chart,
            "collide_sweep",
        ),
        View(
            "versus_615",
            lambda p: _r615().versus_frame(p),
            lambda df, p: _r615().versus_text(df, p),
            lambda df, p: _r615().versus_chart(df, p),
        ),
        View("versus_615_sweep", lambda p: _r615().versus_sweep_frame(p)),
        View(
            "race_615",
            lambda p: _r615().race_615_frame(p),
            lambda df, p: _r615().race_615_text(df, p),
        ),
        View(
            "litmus",
            lambda p: _r615().litmus_frame(p),
            lambda df, p: _r615().litmus_text(df, p),
            csv_frame=lambda df: df.drop(columns="name"),
        ),
        View("one_value", _one_value_frame, _one_value_text, _one_value_chart),
    ]
}


#: Issue 20's chart of proven id bits against order (a report part, "one value").
ONE_VALUE_VIEW = VIEWS["one_value"]


def view(name: str) -> View:
    """The view called ``name`` (a :class:`~rmaplab.config.ConfigError` names the choices)."""
    from .config import ConfigError

    try:
        return VIEWS[name]
    except KeyError:
        raise ConfigError(f"view={name!r} is unknown: allowed {', '.join(VIEWS)}") from None


def export_items(
    names: Sequence[str], params: Params | None = None, frames: dict | None = None
) -> dict:
    """``name -> (chart or None, text or None)`` for :func:`rmaplab.widgets.export_control`.

    ``frames`` maps a view name to a frame the notebook already computed (its
    own sweep, say); the others are computed for ``params``.
    """
    params = params or Params()
    frames = frames or {}
    out = {}
    for name in names:
        v = view(name)
        df = frames[name] if name in frames else v.build(params)
        out[name] = (v.render_chart(df, params), v.render_text(df, params))
    return out
