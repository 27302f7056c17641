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
* ``best_table``: the largest ``N'`` over every table where marked
  ``exact (exhaustive, symmetry-reduced)``: :func:`exact_frontier`, a
  branch-and-bound over value sets ``{0, 1, ...}`` (translation, odd
  scaling, relabelling and halving keep or lower ``N'``; adding a value
  never raises it; see :mod:`rmaplab._kernels.frontier` for the argument),
  seeded with the best table known and run to completion. Elsewhere the
  search stopped at its node budget and the number is a lower bound (the
  best of that search, hill climbing from the best linear table, the
  packed-moments table ``v + 2**e * v**2`` and random tables, and the
  smaller word's best table, which keeps its ``N'`` in a wider word).
  :func:`frontier_upper_bound` runs the search with a target it does not
  know a table for: a completed run without a find proves no table beats it.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._kernels.encoding import pair_frontier_kernel
from .lattice import iroot

__all__ = [
    "EXACT_STATUS",
    "FrontierSearch",
    "exact_frontier",
    "frontier_table",
    "frontier_upper_bound",
    "linear_bound",
    "linear_columns",
    "load_linear_frontier",
    "pair_frontier",
    "pair_frontier_python",
    "table_bound",
    "table_min_others",
    "write_linear_data",
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


#: ``best_table_status`` of a cell the exhaustive search completed.
EXACT_STATUS = "exact (exhaustive, symmetry-reduced)"
#: Chunks of the third-smallest value one search is run in (progress, time
#: budget); fixed, so node counts do not depend on the progress bar.
SEARCH_CHUNKS = 32


@dataclass(frozen=True)
class FrontierSearch:
    """What :func:`exact_frontier` established for one (B, W)."""

    slice_bits: int
    word_bits: int
    best: int  # N' of ``table``: exact if ``complete``, else a lower bound
    table: tuple[int, ...]  # a value set reaching ``best``
    complete: bool  # the search covered every table
    nodes: int  # value sets whose N' the search evaluated
    seconds: float
    seed_best: int  # N' of the table the search started from
    #: the safety stop (``seconds``) fired: the result depends on the machine
    timed_out: bool = False

    @property
    def status(self) -> str:
        return _search_status(self.complete, self.nodes, self.timed_out)


def _check_search(bits: int, word_bits: int, max_nodes: int) -> None:
    from ._kernels.frontier import MAX_SLICE_BITS, MAX_WORD_BITS

    if not 2 <= bits <= MAX_SLICE_BITS:
        raise ValueError(f"slice_bits={bits} is out of range: allowed [2, {MAX_SLICE_BITS}]")
    if not bits <= word_bits <= MAX_WORD_BITS:
        raise ValueError(
            f"word_bits={word_bits} is out of range: allowed [{bits}, {MAX_WORD_BITS}]"
        )
    if max_nodes < 0:
        raise ValueError(f"max_nodes={max_nodes} is out of range: allowed >= 0")


def _run_search(
    bits: int,
    word_bits: int,
    best: int,
    max_nodes: int,
    seconds: float | None,
    python: bool,
    progress: bool,
) -> tuple[int, tuple[int, ...] | None, bool, int, bool]:
    """The kernel over fixed chunks of the third value, each resumed in
    slices of nodes so that ``seconds`` is checked every half second or so:
    (best, table found or None, complete, nodes, stopped by ``seconds``).
    ``max_nodes`` is the budget; ``seconds`` only a safety stop (the slices
    resume the same search, so where they fall changes nothing)."""
    from ._kernels.frontier import (
        FrontierInputs,
        frontier_search,
        frontier_search_python,
        new_state,
    )

    top = 1 << word_bits
    step = -(-(top - 2) // SEARCH_CHUNKS)
    edges = [*range(2, top, step), top]
    chunks = list(itertools.pairwise(edges))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(chunks), desc=f"B={bits} W={word_bits}", unit="chunk", leave=False)
    t0 = time.monotonic()
    nodes, found, complete, timed_out = 0, None, True, False
    step_nodes = 256  # grows while a call takes under half a second
    for lo, hi in chunks:
        inp = FrontierInputs(bits, word_bits, best, table_bound(word_bits) + 1, 0, lo, hi)
        if python:
            r = frontier_search_python(inp._replace(max_nodes=max_nodes - nodes))
        else:
            st, done = new_state(bits, word_bits), 0
            while True:
                t1 = time.monotonic()
                allowed = min(max_nodes - nodes, done + step_nodes)
                r = frontier_search(inp._replace(max_nodes=allowed), st)
                done = r.nodes
                if r.status == 0 or done >= max_nodes - nodes:
                    break
                if seconds is not None and time.monotonic() - t0 > seconds:
                    timed_out = True
                    break
                if time.monotonic() - t1 < 0.5:
                    step_nodes *= 2
                if bar is not None:
                    bar.set_postfix(nodes=nodes + done, best=max(best, r.best))
        nodes += r.nodes
        if r.table is not None:
            best, found = r.best, r.table
        if bar is not None:
            bar.update()
        if r.status != 0:
            complete = False
            break
        if seconds is not None and time.monotonic() - t0 > seconds and (lo, hi) != chunks[-1]:
            complete, timed_out = False, True
            break
    if bar is not None:
        bar.close()
    return best, found, complete, nodes, timed_out


def exact_frontier(
    bits: int,
    word_bits: int,
    seed_table: Sequence[int] | None = None,
    max_nodes: int = 10**7,
    seconds: float | None = None,
    python: bool = False,
    progress: bool = False,
) -> FrontierSearch:
    """The largest ``N'`` over every table of ``2**bits`` values in
    ``word_bits``-bit words, if the search completes within ``max_nodes``
    nodes; else the best known. ``seconds`` is a safety stop only: when it
    fires the result says so (``timed_out``, ``status`` "undecided: ...").

    ``seed_table`` (any table; its ``N'`` is recomputed here) starts the search
    at its ``N'``: the better the seed, the stronger the cut. ``python``
    runs the plain-Python twin of the kernel.
    """
    bits, word_bits, max_nodes = int(bits), int(word_bits), int(max_nodes)
    _check_search(bits, word_bits, max_nodes)
    cap = table_bound(word_bits) + 1
    if seed_table is None:
        seed = tuple(range(1 << bits))  # N' >= 1 like every table
    else:
        seed = tuple(int(v) & ((1 << word_bits) - 1) for v in seed_table)
        if len(seed) != 1 << bits:
            raise ValueError(f"seed_table has {len(seed)} values: allowed {1 << bits}")
    seed_best = 1 if len(set(seed)) < len(seed) else table_min_others(seed, word_bits, cap)
    seed_best = cap if seed_best is None else seed_best
    t0 = time.monotonic()
    best, found, complete, nodes, timed_out = _run_search(
        bits, word_bits, seed_best, max_nodes, seconds, python, progress
    )
    return FrontierSearch(
        slice_bits=bits,
        word_bits=word_bits,
        best=best,
        table=seed if found is None else found,
        complete=complete,
        nodes=nodes,
        seconds=time.monotonic() - t0,
        seed_best=seed_best,
        timed_out=timed_out,
    )


def frontier_upper_bound(
    bits: int, word_bits: int, floor: int, max_nodes: int = 10**7, progress: bool = False
) -> tuple[int, int, tuple[int, ...] | None]:
    """``(g, nodes, table)``: the smallest ``g >= floor`` such that the search seeded
    with the bare number ``g`` (no table behind it) completed without a
    find, so no table has ``N' > g`` (``table_bound`` if none did), trying
    ``g = table_bound - 1, table_bound - 2, ...`` within ``max_nodes`` in all.
    A run that finds a table and completes makes that table's ``N'`` exact:
    then ``g`` is it and ``table`` the table (else None)."""
    bits, word_bits, max_nodes = int(bits), int(word_bits), int(max_nodes)
    _check_search(bits, word_bits, max_nodes)
    proven, spent, table = table_bound(word_bits), 0, None
    for g in range(table_bound(word_bits) - 1, max(int(floor), 1) - 1, -1):
        best, found, complete, nodes, _ = _run_search(
            bits, word_bits, g, max_nodes - spent, None, False, progress
        )
        spent += nodes
        if not complete:
            break
        proven, table = best, found
        if found is not None:
            break
    return proven, spent, table


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


def _random_tables(bits, word_bits, max_tables, seed, seeds=(), seconds=None):
    """Hill climbing from the given tables, then from random ones, until
    ``max_tables`` tables were scored (deterministic for a seed);
    ``seconds`` is a safety stop. ``(N', table or None, tables scored, stopped
    by seconds)``."""
    rng = np.random.default_rng(seed)
    n = 1 << bits
    cap = table_bound(word_bits) + 1
    best: tuple[int, list[int] | None] = (0, None)  # None: no start beat 0 others
    t0 = time.monotonic()
    starts = [list(t) for t in seeds]
    scored = 0
    timed_out = False

    def more() -> bool:
        nonlocal timed_out
        if seconds is not None and time.monotonic() - t0 > seconds:
            timed_out = True
        return scored < max_tables and not timed_out

    while more():
        if starts:
            tab = starts.pop(0)
        else:
            tab = [0, 1] + [
                int(x) for x in rng.choice(np.arange(2, 1 << word_bits), n - 2, replace=False)
            ]
        m = table_min_others(tab, word_bits, cap)
        scored += 1
        m = cap if m is None else m
        # local improvement: move one value at a time while it helps
        improved = True
        while improved and more():
            improved = False
            for i in range(2, n):
                for _ in range(8):
                    if not more():
                        break
                    t2 = list(tab)
                    t2[i] = int(rng.integers(2, 1 << word_bits))
                    if len(set(t2)) < n:
                        continue
                    scored += 1
                    if table_min_others(t2, word_bits, m) is not None:
                        continue  # no better
                    m2 = table_min_others(t2, word_bits, cap)
                    m2 = cap if m2 is None else m2
                    if m2 > m:
                        tab, m, improved = t2, m2, True
        if m > best[0]:
            best = (m, tab)
    return best[0], best[1], scored, timed_out


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


#: Tables the hill climbing of :func:`frontier_table` scores per open case.
CLIMB_TABLES = 400

#: Package data: the search over the whole grid (tools/frontier_exact.py).
EXACT_DATA = "table_frontier_exact.csv"


def load_exact_frontier() -> pd.DataFrame:
    """The all-tables search results shipped with rmaplab (``rmaplab/data/``):
    per (B, W) ``best``, ``complete``, ``nodes``, ``seconds``, ``seed_best``,
    ``upper_bound`` (proven: no table has a larger ``N'``), ``upper_nodes``
    and ``table``; how they were made: ``rmaplab/data/README.md``."""
    from ._data import data_stream

    return pd.read_csv(data_stream(EXACT_DATA), comment="#")


#: Package data: the linear and moments columns of the same grid
#: (:func:`linear_columns`, regenerated by :func:`write_linear_data`).
LINEAR_DATA = "table_frontier_linear.csv"
LINEAR_COLUMNS = ("best_linear", "best_linear_base", "moments_table")


def linear_columns(bits: int, word_bits: int) -> dict[str, int]:
    """``best_linear``, ``best_linear_base`` and ``moments_table`` of one
    case, computed (:func:`_best_linear`, :func:`_moments_table`)."""
    bl, base = _best_linear(bits, word_bits)
    return {
        "best_linear": bl,
        "best_linear_base": base,
        "moments_table": _moments_table(bits, word_bits)[0],
    }


def load_linear_frontier() -> pd.DataFrame:
    """The shipped linear and moments columns (``rmaplab/data/``), indexed by
    ``(slice_bits, word_bits)``; how they were made: ``rmaplab/data/README.md``."""
    from ._data import data_stream

    df = pd.read_csv(data_stream(LINEAR_DATA), comment="#")
    return df.set_index(["slice_bits", "word_bits"])


def write_linear_data(
    path: str,
    bits_list: Sequence[int] = (2, 3, 4),
    words: Sequence[int] = (8, 10, 12, 14, 16),
) -> None:
    """Regenerate :data:`LINEAR_DATA` (the command is the file's first line)."""
    rows = [
        {"slice_bits": b, "word_bits": w, **linear_columns(b, w)} for b in bits_list for w in words
    ]
    with open(path, "w") as fh:
        fh.write(
            f"# python tools/frontier_linear.py rmaplab/data/{LINEAR_DATA} "
            f"--slice-bits {','.join(map(str, bits_list))} "
            f"--word-bits {','.join(map(str, words))}\n"
        )
        pd.DataFrame(rows).to_csv(fh, index=False)


def _search_status(complete: bool, nodes: int, timed_out: bool = False) -> str:
    if timed_out:
        return f"undecided: stopped by the time limit after {nodes} nodes"
    return EXACT_STATUS if complete else f"lower bound (search stopped at {nodes} nodes)"


def frontier_table(
    bits_list: Sequence[int] = (2, 3, 4),
    words: Sequence[int] = (8, 10, 12, 14, 16),
    seconds: float | None = None,
    seed: int = 0,
    max_nodes: int = 10**6,
    search_seconds: float | None = None,
    precomputed: bool = False,
    progress: bool = False,
    climb_tables: int = CLIMB_TABLES,
    on_case: Callable[[], object] | None = None,
) -> pd.DataFrame:
    """Largest safe page count for one value: linear bound, best linear base,
    packed moments, the best table over all tables (exact where the search
    completed) and the bounds.

    Per case, :func:`exact_frontier` runs from the best of the linear,
    moments and narrower-word tables within ``max_nodes`` nodes; where it
    stops, hill climbing over ``climb_tables`` tables may still raise the
    lower bound. Both budgets are deterministic: the table is the same on
    every machine. ``search_seconds`` and ``seconds`` are safety stops of
    the search and the climbing; when one fires the row's status says
    "undecided: stopped by the time limit after N nodes" (the number then
    depends on the machine and must not be published). ``precomputed`` takes the search's columns
    from the package data (:func:`load_exact_frontier`) for the cases it
    holds, so the table is the same on every machine and quick.
    ``upper_bound``: no table does better (the exact value, the shipped
    search's bound, else ``table_bound``; and no more than the case with
    one slice bit fewer in the same frame: a table of ``2**B`` values holds
    one of ``2**(B-1)``, and adding values never raises ``N'``)."""
    rows: list[dict] = []
    data = load_exact_frontier().set_index(["slice_bits", "word_bits"]) if precomputed else None
    shipped = load_linear_frontier() if precomputed else None
    jobs = [(b, w) for b in bits_list for w in words]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="frontier", unit="case")
    narrower: dict[int, list[int]] = {}
    for b, w in jobs:
        lin = linear_bound(b, w)
        mom: tuple[int, list[int]]
        if shipped is not None and data is not None and (b, w) in data.index:
            # the shipped search needs no seeds: read the linear columns too
            lr = shipped.loc[(b, w)] if (b, w) in shipped.index else linear_columns(b, w)
            bl, base = int(lr["best_linear"]), int(lr["best_linear_base"])
            mom = (int(lr["moments_table"]), [])
        else:
            bl, base = _best_linear(b, w)
            mom = _moments_table(b, w)
        if data is not None and (b, w) in data.index:
            r = data.loc[(b, w)]
            best, nodes, complete = int(r["best"]), int(r["nodes"]), bool(r["complete"])
            tab = [int(v) for v in str(r["table"]).split()]
            upper = int(r["upper_bound"])
            timed_out = False
        else:
            cap = table_bound(w) + 1
            seeds = [_linear_table(b, w, base), mom[1], narrower.get(b, [])]
            scored = [
                (cap if m is None else m, t)
                for t in seeds
                if len(t) == 1 << b and len(set(t)) == len(t)
                for m in [table_min_others(t, w, cap)]
            ]
            start = max(scored, key=lambda st: st[0])[1] if scored else None
            res = exact_frontier(b, w, start, max_nodes=max_nodes, seconds=search_seconds)
            best, tab, nodes, complete = res.best, list(res.table), res.nodes, res.complete
            timed_out = res.timed_out
            upper = best if complete else table_bound(w)
            if not complete:
                m, t, _, late = _random_tables(
                    b, w, climb_tables, seed, [tab, *[s for _, s in scored]], seconds
                )
                timed_out |= late
                if m > best and t is not None:
                    best, tab = m, list(t)
        narrower[b] = tab
        fewer = [r["upper_bound"] for r in rows if (r["slice_bits"], r["word_bits"]) == (b - 1, w)]
        upper = min([upper, *fewer])
        rows.append(
            {
                "slice_bits": b,
                "word_bits": w,
                "linear_bound": lin,
                "best_linear": bl,
                "best_linear_base": base,
                "moments_table": mom[0],
                "best_table": best,
                "best_table_status": _search_status(complete, nodes, timed_out),
                "upper_bound": upper,
                "table_bound": table_bound(w),
                "search_nodes": nodes,
                "table": " ".join(str(x) for x in tab),
            }
        )
        if on_case is not None:  # a case done (the CLI's --max-seconds counts them)
            on_case()
    return pd.DataFrame(rows)
