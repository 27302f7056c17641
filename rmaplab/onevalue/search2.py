"""A second exhaustive search over one-slice tables (issue 20, item 3),
written independently of :mod:`rmaplab._kernels.frontier` and with a
weaker symmetry reduction, to reproduce its exact cells.

Question: is there a set of ``n = 2**B`` residues modulo ``2**W`` whose
fewest fooling others ``N'`` (fewest values other than a victim x, with
repetition, whose differences from x sum to 0) exceeds ``g``?
``M(B, W)`` (the largest ``N'``) is at most ``g`` iff the answer is no.

Reduction (only this): translation and multiplication by an odd unit keep
``N'``; a set whose differences are all even is a set of ``W - 1`` bits
(halves), whose ``N'`` is at most ``M(B, W - 1) <= M(B, W)`` (lifting
never lowers ``N'``), so when asking "is ``M(B, W) > g``" with ``g >=
M(B, W - 1)`` some witness has an odd difference: translate and scale it
to hold 0 and 1. Then values are added in increasing order; there is no
canonical-image cut (the frontier kernel's), so this search visits more
nodes. A node's set is cut as soon as some fooling set of at most ``g``
others exists (adding values never raises ``N'``); a candidate value cut
at a node stays cut below it.

``search(bits, word_bits, g)`` returns ``status`` (``"none"``: complete,
no set beats g; ``"found"``: a witness; ``"stopped"``: budget), nodes and
the witness. The kernel is one body run by numba or by plain Python.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from rmaplab._kernels._jit import kernel

__all__ = ["Search2Result", "fewest_others", "search"]

NONE, FOUND, STOPPED = 0, 1, 2
_INF = 30000


def _body(bits, word_bits, g, max_nodes, lo3, hi3, out):
    n = 1 << bits
    size = 1 << word_bits
    mask = size - 1
    vals = np.zeros(n + 1, dtype=np.int64)
    dist = np.zeros((n, size), dtype=np.int64)
    queue = np.zeros(size, dtype=np.int64)
    # cand[k]: survivors for vals[k] at the current node of depth k; the
    # list of depth 1 is every value above 1 (the root's parent list)
    cand = np.zeros((n + 1, size), dtype=np.int64)
    ncand = np.zeros(n + 1, dtype=np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    for a in range(2, size):
        cand[1, a - 2] = a
    ncand[1] = size - 2
    vals[1] = 1
    k = 2
    nodes = 0
    while True:
        # a fresh node: vals[:k]
        nodes += 1
        if nodes > max_nodes:
            out[0] = nodes - 1
            return STOPPED
        for x in range(k):  # fewest others summing to s, to depth g
            for s in range(size):
                dist[x, s] = _INF
            dist[x, 0] = 0
            queue[0] = 0
            head, tail = 0, 1
            while head < tail:
                s = queue[head]
                head += 1
                if dist[x, s] >= g:
                    continue
                for v in range(k):
                    if v != x:
                        t = (s + vals[v] - vals[x]) & mask
                        if dist[x, t] == _INF:
                            dist[x, t] = dist[x, s] + 1
                            queue[tail] = t
                            tail += 1
        fooled = False
        for x in range(k):  # a fooling set closes with its last other v
            for v in range(k):
                if v != x and dist[x, (vals[x] - vals[v]) & mask] + 1 <= g:
                    fooled = True
        if not fooled and k == n:
            for i in range(n):
                out[1 + i] = vals[i]
            out[0] = nodes
            return FOUND
        m = 0
        if not fooled:
            lo = ptr[k - 1] if k > 2 else 0
            for i in range(lo, ncand[k - 1]):
                a = cand[k - 1, i]
                ok = True
                for j in range(1, g + 1):
                    if dist[0, (j * a) & mask] <= j:  # victim a; 0 pads
                        ok = False
                        break
                    for x in range(k):  # j copies of a for victim x
                        if dist[x, (-j * (a - vals[x])) & mask] + j <= g:
                            ok = False
                            break
                    if not ok:
                        break
                if ok:
                    cand[k, m] = a
                    m += 1
        ncand[k] = m if m >= n - k else 0
        ptr[k] = 0
        # next node: the next candidate at the deepest level that has one
        while True:
            if k == 2:  # this chunk takes vals[2] in [lo3, hi3) only
                while ptr[2] < ncand[2] and cand[2, ptr[2]] < lo3:
                    ptr[2] += 1
                if ptr[2] < ncand[2] and cand[2, ptr[2]] >= hi3:
                    ptr[2] = ncand[2]
            if ptr[k] < ncand[k] and ncand[k] - ptr[k] >= n - k:
                vals[k] = cand[k, ptr[k]]
                ptr[k] += 1
                k += 1
                break
            k -= 1
            if k < 2:
                out[0] = nodes
                return NONE


_search_jit = kernel("int64(int64, int64, int64, int64, int64, int64, int64[::1])")(_body)


class Search2Result(NamedTuple):
    status: str  # none | found | stopped
    nodes: int
    table: tuple[int, ...] | None
    seconds: float


def search(
    bits: int,
    word_bits: int,
    g: int,
    max_nodes: int = 10**7,
    python: bool = False,
    third: tuple[int, int] | None = None,
) -> Search2Result:
    """Is there a set of ``2**bits`` residues mod ``2**word_bits`` holding
    0 and 1 with ``N' > g``? (bits 2..4, word_bits up to 16, g >= 1).
    ``third = (lo, hi)`` restricts the third-smallest value to ``[lo, hi)``
    (one chunk of the search; the chunks of a partition of ``[2, 2**W)``
    together are the whole search)."""
    if not 2 <= bits <= 4:
        raise ValueError(f"bits={bits} is out of range: allowed [2, 4]")
    if not bits <= word_bits <= 16:
        raise ValueError(f"word_bits={word_bits} is out of range: allowed [{bits}, 16]")
    if not 1 <= g < 1 << word_bits:
        raise ValueError(f"g={g} is out of range: allowed [1, {(1 << word_bits) - 1}]")
    out = np.zeros(1 + (1 << bits), dtype=np.int64)
    t0 = time.monotonic()
    fn = _body if python else _search_jit
    lo, hi = (2, 1 << word_bits) if third is None else (int(third[0]), int(third[1]))
    st = int(fn(int(bits), int(word_bits), int(g), int(max_nodes), lo, hi, out))
    table = tuple(int(v) for v in out[1:]) if st == FOUND else None
    name = {NONE: "none", FOUND: "found", STOPPED: "stopped"}[st]
    return Search2Result(name, int(out[0]), table, time.monotonic() - t0)


def fewest_others(table: Sequence[int], word_bits: int, cap: int) -> int:
    """``N'`` of a table (at most ``cap``), plain BFS on Python ints."""
    mask = (1 << word_bits) - 1
    best = cap
    for x, wx in enumerate(table):
        gens = [(w - wx) & mask for y, w in enumerate(table) if y != x]
        dist = {0: 0}
        layer = [0]
        depth = 0
        while layer and depth < best:
            depth += 1
            nxt = []
            for s in layer:
                for gv in gens:
                    t = (s + gv) & mask
                    if t not in dist:
                        dist[t] = depth
                        nxt.append(t)
            layer = nxt
        for gv in gens:
            d = dist.get((-gv) & mask)
            if d is not None and d + 1 < best:
                best = d + 1
    return best
