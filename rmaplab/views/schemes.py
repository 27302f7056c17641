"""Views of wrong answers: the peer schemes compared, false shared against
processes, and collision probabilities (real, adversarial, against mms)."""

from __future__ import annotations

import pandas as pd

from ..export import text_lines, text_table, wrap
from .base import Params, _plotting, unsafe_order

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


def _schemes_frame(params: Params) -> pd.DataFrame:
    from ..compare import compare_all

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
    from ..compare import caption

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
    from ..compare import sweep_procs

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
    from ..compare import compare

    o = unsafe_order(params)
    return None if o is None else compare("counterexample", config=params.config, order=o)


def _collide_frame(params: Params) -> pd.DataFrame:
    from ..collide import collide

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
    from ..collide import collide

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
    from ..collide import sweep

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
