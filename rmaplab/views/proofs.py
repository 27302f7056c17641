"""Views of the proof: the configuration's table, verdicts per order, the
frontier of safe folio sizes, the proof text and the counterexample's steps."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from ..config import RmapConfig
from ..export import text_table, wrap
from ..frontier_bounds import frontier_frame
from .base import Params, _plotting, unsafe_order, verdicts


def _table_text(df: pd.DataFrame, params: Params) -> str:
    return text_table(
        df,
        ["order", "values", "bits", "base_pages", "bytes", "headroom_bits"],
        ["order", "K", "B", "P_g", "bytes", "headroom"],
    )


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
    return frontier_frame(params.config.word_bits, 12)


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
    from ..verify import verify

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
    return _plotting().frontier_chart(
        frontier_points([cfg], cfg.word_bits),
        cfg.word_bits,
        bounds=frontier_frame(cfg.word_bits, 24),
    )


def _proof_frame(params: Params) -> pd.DataFrame:
    """The unsafe order's verdict row (empty when every order is safe)."""
    df = verdicts(params)
    o = unsafe_order(params)
    return df[df["order"] == o].head(1) if o is not None else df.head(0)


def _proof_text(row: pd.DataFrame, params: Params) -> str | None:
    from ..proof import proof_text

    if row.empty:
        return None
    return proof_text(params.config, int(row["order"].iloc[0]))


def _steps_frame(params: Params) -> pd.DataFrame:
    from ..proof import replay_steps

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
