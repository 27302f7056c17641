"""The one-other check of the slice verifier: fewest pages of ONE other mm
that fool a victim page, found by grouping addends by residue (split out of
``certify``; ``certify`` re-exports both names)."""

from __future__ import annotations

import numpy as np

from .encodings import Encoding
from .encodings.base import slice_counterexample

__all__ = ["ONE_OTHER_MAX_VALUES"]

#: The one-other check lists at most this many slice values.
ONE_OTHER_MAX_VALUES = 1 << 20


def _first_repeat(keys: np.ndarray) -> tuple[int, int] | None:
    """``(first, i)``: the smallest row index ``i`` whose row equals an earlier
    row, and the index of that row's first occurrence; None if rows are distinct.
    (The order a dict filled row by row would find it in.)"""
    _, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    firsts = first[inv.reshape(-1)]
    dup = np.flatnonzero(firsts != np.arange(len(firsts)))
    return None if len(dup) == 0 else (int(firsts[dup[0]]), int(dup[0]))


def _one_other(enc: Encoding, order: int, s: int) -> dict | None:
    """Fewest pages ``k <= P - 1`` of ONE other mm y that fool victim x (one
    page): ``k * (a(y) - a(x)) == 0`` modulo ``2**W`` in every word of the
    slice, i.e. ``a(y) == a(x)`` modulo ``2**(W - j)`` with ``k = 2**j``
    (duplicate addends, ``k = 1``, or addends that lost a high bit, e.g. a
    PDEP digit deposited past the word). Grouping by residue finds such a
    pair in linear time; None if there is none (or too many values)."""
    vals = enc.slice_values(s)
    P = 1 << order
    if len(vals) > ONE_OTHER_MAX_VALUES or P < 2:
        return None
    words = enc.words_of_slice(s)
    W = enc.word_bits
    add = np.array(
        [[enc.word_addend(k, v) & enc.mask for k in words] for v in vals], dtype=np.uint64
    ).reshape(len(vals), len(words))
    # equal modulo 2^(W-j) implies equal modulo 2^(W-j-1): no repeat at the
    # coarsest j means none at all (the common case: one grouping, not one per j)
    top = min(W, (P - 1).bit_length() - 1)
    if _first_repeat(add & np.uint64((1 << (W - top)) - 1)) is None:
        return None
    for j in range(top + 1):
        hit = _first_repeat(add & np.uint64((1 << (W - j)) - 1))
        if hit is not None:
            x, v = vals[hit[0]], vals[hit[1]]
            n = 1 << j
            return dict(
                verdict="unsafe",
                method="one-other",
                found=(n, slice_counterexample(enc, s, x, {v: n})),
                proven=n == 1,
                lower=1 if n == 1 else None,
                evidence=f"slice {s}: values {x} and {v} have addends equal modulo "
                f"2^{W - j}, so {n} page(s) of the other fool the victim "
                "(one-other check; fewest others not proven)"
                * (n > 1)
                or f"slice {s}: values {x} and {v} have equal addends: one other "
                "mapping fools the check",
            )
    return None
