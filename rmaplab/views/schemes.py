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


#: Ten seeds: with two, one lucky seed made a step look like a trend (issue 19).
SWEEP_SEEDS = range(10)


def _schemes_frame(params: Params) -> pd.DataFrame:
    from ..compare import compare_all

    return compare_all(
        encoding=params.config.encoding(params.schemes_order),
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


def false_shared_rates(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Per scheme, workload and processes: the counters summed over seeds
    (the columns :func:`rmaplab.compare.sweep_procs` gives), plus ``seeds``,
    ``rate`` (false shared per check, pooled) and ``rate_low``/``rate_high``
    (the smallest and largest single seed's rate): the spread a chart draws
    so one seed's noise does not read as a trend. ``per_seed`` has one
    sweep_procs row per seed, with a ``seed`` column."""
    keys = ["scheme", "workload", "procs"]
    d = per_seed.assign(
        seed_rate=per_seed["false_shared"] / per_seed["checks"].where(per_seed["checks"] > 0)
    )
    g = d.groupby(keys, sort=False)
    out = g[["checks", "false_exclusive", "false_shared"]].sum().reset_index()
    out["seeds"] = g["seed"].nunique().to_numpy()
    out["rate"] = (out["false_shared"] / out["checks"].where(out["checks"] > 0)).fillna(0.0)
    out["rate_low"] = g["seed_rate"].min().fillna(0.0).to_numpy()
    out["rate_high"] = g["seed_rate"].max().fillna(0.0).to_numpy()
    return out[["scheme", "checks", "false_exclusive", "false_shared", *keys[1:], *out.columns[6:]]]


def _sweep_frame(params: Params) -> pd.DataFrame:
    from ..compare import sweep_procs

    per_seed = [
        sweep_procs(
            workloads=("zygote", "prefork", "random"),
            procs=(2, 4, 8) if params.quick else (2, 4, 8, 16, 32),
            order=SWEEP_ORDER,
            seeds=[s],
            encoding=params.config.encoding(SWEEP_ORDER),
        ).assign(seed=s)
        for s in SWEEP_SEEDS
    ]
    return false_shared_rates(pd.concat(per_seed, ignore_index=True))


def _false_shared_text(sw: pd.DataFrame, params: Params) -> str:
    piv = sw[sw["workload"] == "random"].pivot_table(
        index="procs", columns="scheme", values="false_shared"
    )
    return text_lines(
        list(piv.index),
        {s: list(piv[s]) for s in piv.columns},
        f"false shared, summed over {int(sw['seeds'].max())} seeds (random "
        f"workload, order {SWEEP_ORDER}, {params.config.name}) against processes",
        xlabel="processes",
    )


def _false_shared_chart(sw: pd.DataFrame, params: Params):
    return _plotting().false_shared_chart(
        sw, order=SWEEP_ORDER, config=params.config, seeds=int(sw["seeds"].max())
    )


def counterexample_replay(params: Params) -> pd.DataFrame | None:
    """Every scheme on the counterexample workload at the unsafe order (None if safe)."""
    from ..compare import compare, verifier_counterexample

    o = unsafe_order(params)
    if o is None:
        return None
    enc = params.config.encoding(o)
    ce = verifier_counterexample(o, params.config)
    return compare("counterexample", encoding=enc, order=o, counterexample=ce)


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
        f"P(false exclusive) against mms (order {params.schemes_order}, 8 "
        f"mappings, 16-bit words, 12-bit ids, {params.trials} trials per point)",
        log=True,
        xlabel="mms mapping the folio",
    )


def _collide_mms_chart(sw: pd.DataFrame, params: Params):
    return _plotting().probability_chart(sw, "mms", config=params.config)
