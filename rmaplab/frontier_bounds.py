"""Bounds on the folio size one rmap value's slice keeps safe, per id bits
per value: the frame :func:`rmaplab.plotting.frontier_chart` draws behind the
verifier's points (computed here, by the view; the chart only draws)."""

from __future__ import annotations

import math

import pandas as pd

from .lattice import iroot

__all__ = ["BOUND_DIGITS", "BOUND_LINEAR", "BOUND_TABLE", "LINEAR_FAMILY", "frontier_frame"]


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
