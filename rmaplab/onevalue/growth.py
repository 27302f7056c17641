"""Growth law of ``M(B, W)`` (issue 20, item 4): a CONJECTURE, with the
fit that supports it.

The law: one W-bit value keeps ``2**B`` ids safe up to about

    M(B, W) ~ max_d  c_d * 2**((W - B (d + 1) / (d - 1)) / d)

pages, the best ``d``-dimensional convex packing
(:mod:`rmaplab.onevalue.convex`: ``P**d * prod R_j <= 2**W`` with
``prod R_j ~ N**((d+1)/(d-1)) / K_d``). The constants are those of the
constructions: ``K_2 = 43.8`` (lattice polygon), ``K_3 = 4.93``
(paraboloid over a disk), ``K_4 = 2.7``, ``K_5 = 1.37`` (over balls),
``c_d = K_d**(1/d)``.

Support (the tiny exact cells): for B = 2 and B = 3 every exact value
fits ``log2 M = W/2 + a_B`` (d = 2) with ``a_2 = 0`` and ``a_3 =
log2(3/8) = -1.415``; the polygon law gives ``log2(6.6) - 1.5 B``:
``-0.27`` and ``-1.77``, i.e. the best tables beat the asymptotic polygon
by a constant factor (1.2 to 1.3) and follow its slope in W and in B. The
B = 4 cells are bounds only (their lower bounds rise like ``2**(W/4)``,
below the law's ``2**(W/2 - 3.3)`` for W >= 14); they do not contradict
it. Nothing here proves that no cleverer table does better at W = 64.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["K", "fit_exact_cells", "law_log2_pages", "predict", "predict_id_bits"]

#: ``prod R_j * K_d ~ N**((d+1)/(d-1))`` for the constructions here.
K = {2: 43.8, 3: 4.93, 4: 2.7, 5: 1.37}


def law_log2_pages(bits: float, word_bits: float, d: int) -> float:
    """``log2`` of the pages the d-dimensional convex law allows."""
    return (word_bits - bits * (d + 1) / (d - 1) + math.log2(K[d])) / d


def predict(bits: int, word_bits: int = 64) -> dict:
    """The conjecture's largest safe order for ``2**bits`` ids (and its d)."""
    best = max(K, key=lambda d: law_log2_pages(bits, word_bits, d))
    lp = law_log2_pages(bits, word_bits, best)
    return {
        "id_bits": bits,
        "word_bits": word_bits,
        "log2_pages": round(lp, 2),
        "order": math.floor(lp),
        "dimension": best,
        "kind": "conjecture",
    }


def fit_exact_cells() -> pd.DataFrame:
    """Per slice width with exact cells: the fitted slope of log2 M in W and
    offset ``a_B`` at slope 1/2, against the polygon law's offset."""
    from rmaplab.frontier_tables import load_exact_frontier

    df = load_exact_frontier()
    rows = []
    for b, g in df[df["complete"]].groupby("slice_bits"):
        w = g["word_bits"].to_numpy(float)
        lm = np.log2(g["best"].to_numpy(float))
        slope = float(np.polyfit(w, lm, 1)[0]) if len(g) > 1 else float("nan")
        rows.append(
            {
                "slice_bits": int(b),
                "cells": len(g),
                "slope": round(slope, 3),
                "offset_at_half": round(float(np.mean(lm - w / 2)), 3),
                "polygon_law_offset": round(math.log2(math.sqrt(K[2])) - 1.5 * b, 3),
            }
        )
    return pd.DataFrame(rows)


def predict_id_bits(word_bits: int, order: int, top: int = 40) -> int:
    """The conjecture's largest id width at ``order`` (0: none)."""
    best = 0
    for b in range(1, top + 1):
        if max(law_log2_pages(b, word_bits, d) for d in K) >= order:
            best = b
    return best
