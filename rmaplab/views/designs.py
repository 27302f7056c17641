"""Views of designs: fewest rmap values per family and order, their measured
cost, the tiny analogues' frontier and the one-value constructions."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ..export import text_table, wrap
from ..labels import orders_label
from .base import Params, _plotting

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
    from ..design import design

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
    from ..design import FAMILY_ORDER

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
    from ..config import ConfigError
    from ..design_cost import COLUMNS, design_cost

    try:
        return design_cost(_design_frame(params), DESIGN_POST_ORDERS, threads=(1,))
    except ConfigError:
        return pd.DataFrame(columns=COLUMNS)


def _design_cost_text(df: pd.DataFrame, params: Params) -> str:
    from ..atomics import machine_info
    from ..design_cost import design_cost_text

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
    from ..frontier_tables import frontier_table

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


#: Width and orders of the one-value chart.
ONE_VALUE_WORD_BITS = 64


ONE_VALUE_ORDERS = range(4, 17)


def _one_value_frame(params: Params) -> pd.DataFrame:
    from ..onevalue.summary import proven_frame, scan_top

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


def _id_space_frame(params: Params) -> pd.DataFrame:
    """Largest exact order by id and word bits (:func:`rmaplab.idspace.id_space_table`);
    it does not depend on ``params``: the table is the id-width question itself."""
    from ..idspace import id_space_table

    return id_space_table()


def _id_space_text(df: pd.DataFrame, params: Params) -> str:
    from ..idspace import id_space_text

    return id_space_text(df)
