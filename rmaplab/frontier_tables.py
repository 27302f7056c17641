"""One rmap value, one id slice: how many pages can any weight table keep safe?

A table ``w`` maps the ``2**B`` values of a B-bit slice to ``W``-bit words.
Its fewest fooling others ``N'(w)`` is the fewest mappings by mms other than
the victim X (slice values ``v != x``, with repetition) whose differences
``w[v] - w[x]`` sum to 0 modulo ``2**W``; the table keeps folios of up to
``N'(w)`` pages safe (``n = N' + 1`` mappings fool it). Tiny analogues
(B = 2..4, W = 8..16) of the question "is one value enough?":

* ``linear_bound``: for weights linear in the slice's bits (sub-ID = sum
  bit_j * w_j; the posted digits and PDEP) no choice is safe from
  ``1 + iroot(2**W, B)`` pages (pigeonhole, :func:`rmaplab.verify.frontier_pages`):
  the largest safe page count is at most ``iroot(2**W, B)``;
* ``table_bound``: for *any* table with at least three distinct values,
  ``N' <= floor(sqrt(2**(W+2) / 3))``. Proof: for three values x, y, z the
  pairs ``(a, b)`` with ``a(w[y]-w[x]) + b(w[z]-w[x]) == 0 mod 2**W`` form a
  lattice of determinant at most ``2**W``. The hexagon
  ``{|a| + |b| <= r if ab >= 0, max(|a|, |b|) <= r if ab < 0}`` is convex,
  symmetric, of area ``3 r**2``; by Minkowski it holds a nonzero lattice
  point once ``3 r**2 >= 4 * 2**W``. Same signs fool X with ``|a| + |b|``
  others; opposite signs ``a > 0 > b`` fool y (if ``a >= -b``; z otherwise)
  with ``max(|a|, |b|)`` others;
* ``best_linear``: the best digit base ``b`` (weights ``b**j``), searched
  over every base for W <= 12, else bases up to ``4 * iroot(2**W, B)``;
* ``best_table``: exhaustive over every table (up to translation, odd
  scaling and relabelling, which keep ``N'``) where marked ``exact``; else
  the best table found by hill climbing (one entry moved at a time) from
  the best linear table, the best packed-moments table ``v + 2**e * v**2``
  and random tables: a lower bound only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._kernels.encoding import pair_frontier_kernel
from .lattice import iroot

__all__ = [
    "frontier_table",
    "linear_bound",
    "pair_frontier",
    "pair_frontier_python",
    "table_bound",
    "table_min_others",
]


def linear_bound(bits: int, word_bits: int) -> int:
    return iroot(1 << word_bits, bits)


def table_bound(word_bits: int) -> int:
    """``floor(sqrt(2**(W+2) / 3))``: no table with >= 3 values does better."""
    return math.isqrt((1 << (word_bits + 2)) // 3)


def table_min_others(tab: Sequence[int], word_bits: int, limit: int) -> int | None:
    """Fewest fooling others of a one-slice table (None if more than ``limit``)."""
    from ._kernels import encoding as K

    mask = (1 << word_bits) - 1
    best = None
    vals = [int(t) & mask for t in tab]
    for x in range(len(vals)):
        gens = np.array(
            [[(v - vals[x]) & mask] for i, v in enumerate(vals) if i != x], dtype=np.uint64
        )
        depth = limit if best is None else min(limit, best - 1)
        if depth < 1:
            break
        p = K.min_fooling(gens, word_bits, depth)
        if p is not None:
            best = len(p)
    return best


def pair_frontier(word_bits: int) -> tuple[int, int, int]:
    """Exhaustive B = 2 frontier: ``(N', a, b)`` of the best table {0,1,a,b}."""
    out = pair_frontier_kernel(int(word_bits), table_bound(word_bits) + 1)
    return int(out[0]), int(out[1]), int(out[2])


def pair_frontier_python(word_bits: int) -> tuple[int, int, int]:
    """Twin of :func:`pair_frontier` (slow: tiny words only)."""
    n = 1 << word_bits
    best = (0, 0, 0)
    for a in range(2, n):
        for b in range(a + 1, n):
            m = table_min_others([0, 1, a, b], word_bits, table_bound(word_bits) + 1)
            m = table_bound(word_bits) + 1 if m is None else m
            if m > best[0]:
                best = (m, a, b)
    return best


def _linear_table(bits: int, word_bits: int, b: int) -> list[int]:
    mask = (1 << word_bits) - 1
    w = [b**j & mask for j in range(bits)]
    return [sum(w[j] for j in range(bits) if (v >> j) & 1) & mask for v in range(1 << bits)]


def _best_linear(bits: int, word_bits: int) -> tuple[int, int]:
    """Best digit base b (weights b**j) for one slice: (N', b), over every
    base for W <= 12, else bases 2 .. 4 * iroot(2**W, B)."""
    best = (0, 0)
    cap = linear_bound(bits, word_bits) + 1
    mask = (1 << word_bits) - 1
    top = 1 << word_bits if word_bits <= 12 else min(1 << word_bits, 4 * cap)
    for b in range(2, top):
        w = [b**j & mask for j in range(bits)]
        tab = [sum(w[j] for j in range(bits) if (v >> j) & 1) & mask for v in range(1 << bits)]
        m = table_min_others(tab, word_bits, cap)
        m = cap if m is None else m
        if m > best[0]:
            best = (m, b)
    return best


def _random_tables(bits, word_bits, seconds, seed, seeds=()):
    """Hill climbing from the given tables, then from random ones."""
    import time

    rng = np.random.default_rng(seed)
    n = 1 << bits
    cap = table_bound(word_bits) + 1
    best: tuple[int, list[int] | None] = (0, None)  # None: no start beat 0 others
    t0 = time.monotonic()
    starts = [list(t) for t in seeds]
    while time.monotonic() - t0 < seconds:
        if starts:
            tab = starts.pop(0)
        else:
            tab = [0, 1] + [
                int(x) for x in rng.choice(np.arange(2, 1 << word_bits), n - 2, replace=False)
            ]
        m = table_min_others(tab, word_bits, cap)
        m = cap if m is None else m
        # local improvement: move one value at a time while it helps
        improved = True
        while improved and time.monotonic() - t0 < seconds:
            improved = False
            for i in range(2, n):
                for _ in range(8):
                    t2 = list(tab)
                    t2[i] = int(rng.integers(2, 1 << word_bits))
                    if len(set(t2)) < n:
                        continue
                    if table_min_others(t2, word_bits, m) is not None:
                        continue  # no better
                    m2 = table_min_others(t2, word_bits, cap)
                    m2 = cap if m2 is None else m2
                    if m2 > m:
                        tab, m, improved = t2, m2, True
        if m > best[0]:
            best = (m, tab)
    return best


def _moments_table(bits: int, word_bits: int) -> tuple[int, list[int]]:
    mask = (1 << word_bits) - 1
    cap = table_bound(word_bits) + 1
    best: tuple[int, list[int]] = (0, [])
    for e in range(0, word_bits):
        tab = [(v + (v * v << e)) & mask for v in range(1 << bits)]
        if len(set(tab)) < len(tab):
            continue
        m = table_min_others(tab, word_bits, cap)
        m = cap if m is None else m
        if m > best[0]:
            best = (m, tab)
    return best


def frontier_table(
    bits_list: Sequence[int] = (2, 3, 4),
    words: Sequence[int] = (8, 10, 12, 14, 16),
    seconds: float = 5.0,
    seed: int = 0,
    exact_pairs_upto: int = 10,
    progress: bool = False,
) -> pd.DataFrame:
    """Largest safe page count for one value: linear bound, best linear base,
    best table (exact or found) and the universal table bound."""
    rows = []
    jobs = [(b, w) for b in bits_list for w in words]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="frontier", unit="case")
    for b, w in jobs:
        lin = linear_bound(b, w)
        bl, base = _best_linear(b, w)
        mom = _moments_table(b, w)
        if b == 2 and w <= exact_pairs_upto:
            m, a2, b2 = pair_frontier(w)
            best, tab, how = m, [0, 1, a2, b2], "exact (exhaustive)"
        else:
            seeds = [_linear_table(b, w, base), mom[1]]
            m, tab = _random_tables(b, w, seconds, seed, seeds)
            best, how = m, "found (lower bound)"
        rows.append(
            {
                "slice_bits": b,
                "word_bits": w,
                "linear_bound": lin,
                "best_linear": bl,
                "best_linear_base": base,
                "moments_table": mom[0],
                "best_table": best,
                "best_table_status": how,
                "table_bound": table_bound(w),
                "table": " ".join(str(x) for x in tab),
            }
        )
    return pd.DataFrame(rows)
