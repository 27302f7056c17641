"""Frontier kernel family: exact branch-and-bound over one-slice weight tables.

Entry point :func:`frontier_search` (numba), twin :func:`frontier_search_python`
(the same loop on Python ints and lists); :func:`rmaplab.frontier_tables.exact_frontier`
is the library's door to both.

The question: over every table ``w[0..2**B-1]`` of ``W``-bit words, the largest
``N'(w)``, the fewest mappings by other mms (slice values ``v != x``, with
repetition) whose differences ``w[v] - w[x]`` sum to 0 modulo ``2**W``. What
the search may assume, and why:

* ``N'`` depends on the table's *set* of values (relabelling the slice values
  permutes victims and others alike); a repeated value gives ``N' = 1``;
* a translation ``w + t`` and a multiplication by an odd unit ``u`` map
  zero sums to zero sums, both ways: same ``N'``;
* a set whose differences are all even has the ``N'`` of its halves in
  ``W - 1`` bits; lifting a ``W - 1``-bit set to ``W`` bits (same integers)
  keeps its odd difference and never lowers ``N'`` (a zero sum modulo
  ``2**W`` is one modulo ``2**(W-1)``). So some best set has an odd
  difference ``q - p``, and ``(w - p) / (q - p)`` is a best set holding 0 and 1;
* adding a value never raises ``N'`` (more victims, more others): a partial
  set with ``N' <= best`` is cut with everything above it;
* canonical form: of the images ``(S - p) / (q - p)`` (``q - p`` odd) of a set
  S, which all hold 0 and 1, the search keeps only the lexicographically
  smallest sorted one. A prefix (smallest values) of that image is the
  smallest of its own images: were ``g(P) < P``, the first ``|P|`` values of
  ``g(S)`` (elementwise at most sorted ``g(P)``) would make ``g(S) < S``. So
  cutting a prefix that some pair maps below itself loses no canonical set.

Values are added in increasing order (0, 1, then the rest). At a node S
(sorted, ``k`` values) the kernel keeps, per victim ``x`` in S, ``d_x[s]``: the
fewest others of S summing to ``s`` (breadth-first to depth ``best``). A
candidate ``a > max S`` is cut when a fooling set of at most ``best`` others
uses it: victim ``a`` (``t`` values of S, 0 as padding, sum to ``t a``:
``d_0[t a] <= t``), or ``j >= 1`` copies of ``a`` for victim ``x``
(``j + d_x[-j (a - x)] <= best``); fooling sets without ``a`` were ruled out
at S. The candidates that survive at S are the only ones its children try
(a value cut at S stays cut above it, by monotonicity), and a node with
fewer survivors than values still missing is cut. A full set that survives
gets its exact ``N'`` and raises ``best``. Every canonical set with
``N' > best`` is reached (no prefix of it is ever cut), so when the search
completes ``best`` is the maximum over all tables; seeded with a bare number
``g`` and completed without a find, it proves that no table beats ``g``.

A node is a value set whose distances are computed (the root {0, 1} of each
call included). The search state lives in a :class:`FrontierState` the
caller owns, so a call that stops at its node budget can be resumed.

Dtype policy: values are residues below ``2**W <= 2**16`` held as ``int64``
(products stay below ``2**48``); distances are ``int16`` with ``INF``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types

from ._jit import kernel
from .codes import FRONTIER_COMPLETE, FRONTIER_STOPPED

__all__ = [
    "INF",
    "MAX_WORD_BITS",
    "FrontierInputs",
    "FrontierResult",
    "FrontierState",
    "frontier_search",
    "frontier_search_python",
    "new_state",
]

#: "not within the depth searched": larger than any N' the kernel records.
INF = 32767
#: Widest word the search allocates distances for (``(n + 1) * n * 2**W`` int16).
MAX_WORD_BITS = 16
#: Largest slice (tables of ``2**B`` values).
MAX_SLICE_BITS = 4


class FrontierInputs(NamedTuple):
    """One branch-and-bound run (all ``int``)."""

    slice_bits: int  # B: tables of n = 2**B distinct values
    word_bits: int  # W
    best: int  # N' of a known table: the search looks for a larger one
    cap: int  # N' is recorded as at most this (table_bound(W) + 1)
    max_nodes: int  # budget: value sets whose distances are computed
    third_lo: int  # the third-smallest value runs over [third_lo, third_hi)
    third_hi: int


class FrontierResult(NamedTuple):
    status: int  # FRONTIER_COMPLETE or FRONTIER_STOPPED
    best: int  # largest N' known: the seed's or a table found
    nodes: int  # value sets whose distances were computed (the root included)
    table: tuple[int, ...] | None  # the set found with N' = best (None: the seed stands)


@njit(cache=True, nogil=True)
def _distances(vals, k, x, mask, limit, d, queue):
    """``d[s]``: fewest values of ``vals[:k]`` other than ``vals[x]`` whose
    differences from it sum to ``s`` (0 for s = 0), up to ``limit``; INF beyond."""
    for s in range(mask + 1):
        d[s] = INF
    d[0] = 0
    queue[0] = 0
    head = 0
    tail = 1
    while head < tail:
        s = queue[head]
        head += 1
        ds = np.int64(d[s])
        if ds >= limit:
            break
        for v in range(k):
            if v != x:
                t = (s + vals[v] - vals[x]) & mask
                if d[t] == INF:
                    d[t] = ds + 1
                    queue[tail] = t
                    tail += 1


@njit(cache=True, nogil=True)
def _shortest(dist, vals, k, mask, cap):
    """N' of ``vals[:k]`` from its distances (at most ``cap``): the last other
    ``v`` of a fooling set closes a path of ``d_x[x - v]`` others."""
    best = cap
    for x in range(k):
        for v in range(k):
            if v != x:
                t = np.int64(dist[x, (vals[x] - vals[v]) & mask]) + 1
                if t < best:
                    best = t
    return best


@njit(cache=True, nogil=True)
def _extends(dist, vals, k, a, best, mask):
    """False if some fooling set of at most ``best`` others uses ``a``."""
    for j in range(1, best + 1):
        # victim a: j values of the set (vals[0] = 0 pads) summing to j * a
        if np.int64(dist[0, (j * a) & mask]) <= j:
            return False
        # victim vals[i]: j copies of a plus others of the set
        for i in range(k):
            if np.int64(dist[i, (-j * (a - vals[i])) & mask]) <= best - j:
                return False
    return True


@njit(cache=True, nogil=True)
def _odd_inverse(d, mask):
    inv = d  # right modulo 8 for odd d; each Newton step doubles the bits
    for _ in range(5):
        inv = (inv * (2 - d * inv)) & mask
    return inv


@njit(cache=True, nogil=True)
def _canonical(vals, k, mask, img):
    """False if some image ``(vals - p) / (q - p)`` sorts below ``vals[:k]``."""
    for p in range(k):
        for q in range(k):
            dq = (vals[q] - vals[p]) & mask
            if q == p or dq & 1 == 0 or (p == 0 and q == 1):
                continue
            u = _odd_inverse(dq, mask)
            for i in range(k):
                img[i] = ((vals[i] - vals[p]) * u) & mask
            for i in range(1, k):  # insertion sort: k <= 16
                y = img[i]
                j = i - 1
                while j >= 0 and img[j] > y:
                    img[j + 1] = img[j]
                    j -= 1
                img[j + 1] = y
            for i in range(2, k):
                if img[i] != vals[i]:
                    if img[i] < vals[i]:
                        return False
                    break
    return True


class FrontierState(NamedTuple):
    """The depth-first search between two calls (:func:`new_state`): a call
    that stops at ``max_nodes`` leaves it so that the next call, with a
    larger budget, goes on exactly where it stopped."""

    vals: np.ndarray  # int64[n]: the node's values, sorted
    img: np.ndarray  # int64[n]: scratch of the canonical test
    dist: np.ndarray  # int16[n + 1, n, 2**W]: dist[k, x] = d_x of the node of k values
    queue: np.ndarray  # int64[2**W]: scratch of the breadth-first search
    cands: np.ndarray  # int64[n + 1, 2**W]: cands[k, :ncand[k]] extend the node of k values
    ncand: np.ndarray  # int64[n + 1]
    pos: np.ndarray  # int64[n + 1]: next candidate to try per node size
    scal: np.ndarray  # int64[4]: k (0: not started), best, nodes, found
    table: np.ndarray  # int64[n]: the set found with N' = best


def _state_sig():
    i1 = types.int64[::1]
    i2 = types.int64[:, ::1]
    return types.NamedTuple((i1, i1, types.int16[:, :, ::1], i1, i2, i1, i1, i1, i1), FrontierState)


def new_state(slice_bits: int, word_bits: int) -> FrontierState:
    """A fresh search state for tables of ``2**slice_bits`` values in ``word_bits``-bit words."""
    n, m = 1 << int(slice_bits), 1 << int(word_bits)
    return FrontierState(
        vals=np.zeros(n, dtype=np.int64),
        img=np.zeros(n, dtype=np.int64),
        dist=np.empty((n + 1, n, m), dtype=np.int16),
        queue=np.empty(m, dtype=np.int64),
        cands=np.empty((n + 1, m), dtype=np.int64),
        ncand=np.zeros(n + 1, dtype=np.int64),
        pos=np.zeros(n + 1, dtype=np.int64),
        scal=np.zeros(4, dtype=np.int64),
        table=np.zeros(n, dtype=np.int64),
    )


@kernel(lambda: types.int64(types.NamedUniTuple(types.int64, 7, FrontierInputs), _state_sig()))
def _frontier_kernel(inp, st):
    """Depth-first over sorted value sets {0, 1, a_3 < ... < a_n} (see the
    module docstring), from where ``st`` stands, until done or ``nodes``
    reaches ``max_nodes``. Returns the status; the rest is in ``st``."""
    n = np.int64(1) << inp.slice_bits
    mask = (np.int64(1) << inp.word_bits) - 1
    cap = inp.cap
    vals = st.vals
    img = st.img
    dist = st.dist
    queue = st.queue
    cands = st.cands
    ncand = st.ncand
    pos = st.pos
    k = st.scal[0]
    best = st.scal[1]
    nodes = st.scal[2]
    status = FRONTIER_COMPLETE
    if k == 0:  # start: the root {0, 1}
        if inp.max_nodes < 1:
            return FRONTIER_STOPPED
        best = inp.best
        vals[0] = 0
        vals[1] = 1
        nodes = 1
        for x in range(2):
            _distances(vals, 2, x, mask, best, dist[2, x], queue)
        m = 0
        for a in range(inp.third_lo, mask + 1):
            if _extends(dist[2], vals, 2, a, best, mask):
                cands[2, m] = a
                m += 1
        ncand[2] = m
        pos[2] = 0
        k = 2
    while k >= 2:
        i = pos[k]
        # a candidate needs n - k - 1 more above it
        if ncand[k] - i < n - k or (k == 2 and cands[2, i] >= inp.third_hi):
            k -= 1
            continue
        pos[k] = i + 1
        vals[k] = cands[k, i]
        if not _canonical(vals, k + 1, mask, img):
            continue
        if nodes >= inp.max_nodes:
            pos[k] = i  # the next call starts with this candidate
            status = FRONTIER_STOPPED
            break
        nodes += 1
        full = k + 1 == n
        limit = cap - 1 if full else best
        for x in range(k + 1):
            _distances(vals, k + 1, x, mask, limit, dist[k + 1, x], queue)
        short = _shortest(dist[k + 1], vals, k + 1, mask, cap)
        if short <= best:
            continue  # best rose since the parent was built
        if full:
            best = short
            st.scal[3] = 1
            for j in range(n):
                st.table[j] = vals[j]
            continue
        m = 0
        for j in range(i + 1, ncand[k]):
            b = cands[k, j]
            if _extends(dist[k + 1], vals, k + 1, b, best, mask):
                cands[k + 1, m] = b
                m += 1
        if m < n - k - 1:
            continue
        k += 1
        ncand[k] = m
        pos[k] = 0
    st.scal[0] = k
    st.scal[1] = best
    st.scal[2] = nodes
    return status


def _check(inp: FrontierInputs) -> FrontierInputs:
    inp = FrontierInputs(*(int(v) for v in inp))
    b, w = inp.slice_bits, inp.word_bits
    if not 2 <= b <= MAX_SLICE_BITS:
        raise ValueError(f"slice_bits={b} is out of range: allowed [2, {MAX_SLICE_BITS}]")
    if not b <= w <= MAX_WORD_BITS:
        raise ValueError(f"word_bits={w} is out of range: allowed [{b}, {MAX_WORD_BITS}]")
    if not 1 <= inp.best < inp.cap < INF:
        raise ValueError(f"best={inp.best}, cap={inp.cap}: allowed 1 <= best < cap < {INF}")
    if inp.max_nodes < 0:
        raise ValueError(f"max_nodes={inp.max_nodes}: allowed >= 0")
    if not 2 <= inp.third_lo <= inp.third_hi <= 1 << w:
        raise ValueError(
            f"third_lo={inp.third_lo}, third_hi={inp.third_hi}: allowed "
            f"2 <= third_lo <= third_hi <= {1 << w}"
        )
    return inp


def frontier_search(inp: FrontierInputs, state: FrontierState | None = None) -> FrontierResult:
    """The largest ``N'`` over every table above ``inp.best``, if the search
    completes within ``inp.max_nodes`` nodes (see the module docstring).

    ``state`` (from :func:`new_state`) makes the search resumable: after a
    stop, calling again with the same state and a larger ``max_nodes`` goes
    on where it stopped, and the node count runs on (the same total as one
    call with the larger budget)."""
    inp = _check(inp)
    st = new_state(inp.slice_bits, inp.word_bits) if state is None else state
    n = 1 << inp.slice_bits
    if st.dist.shape != (n + 1, n, 1 << inp.word_bits):
        raise ValueError("state was made for another slice_bits or word_bits")
    status = int(_frontier_kernel(inp, st))
    best, nodes, found = (int(v) for v in st.scal[1:4])
    if status == FRONTIER_STOPPED and st.scal[0] == 0:
        best = inp.best  # stopped before the root
    table = tuple(int(v) for v in st.table) if found else None
    return FrontierResult(status, best, nodes, table)


def frontier_search_python(inp: FrontierInputs) -> FrontierResult:
    """:func:`frontier_search` on Python ints and lists, the same loop."""
    inp = _check(inp)
    n = 1 << inp.slice_bits
    mask = (1 << inp.word_bits) - 1
    best, cap = inp.best, inp.cap
    vals = [0] * n
    vals[1] = 1

    def distances(k: int, x: int, limit: int) -> list[int]:
        d = [INF] * (mask + 1)
        d[0] = 0
        queue = [0]
        for s in queue:
            if d[s] >= limit:
                break
            for v in range(k):
                if v != x:
                    t = (s + vals[v] - vals[x]) & mask
                    if d[t] == INF:
                        d[t] = d[s] + 1
                        queue.append(t)
        return d

    def shortest(dist: list[list[int]], k: int) -> int:
        return min(
            [cap]
            + [
                dist[x][(vals[x] - vals[v]) & mask] + 1
                for x in range(k)
                for v in range(k)
                if v != x
            ]
        )

    def extends(dist: list[list[int]], k: int, a: int) -> bool:
        for j in range(1, best + 1):
            if dist[0][(j * a) & mask] <= j:
                return False
            for i in range(k):
                if dist[i][(-j * (a - vals[i])) & mask] <= best - j:
                    return False
        return True

    def canonical(k: int) -> bool:
        for p in range(k):
            for q in range(k):
                dq = (vals[q] - vals[p]) & mask
                if q == p or dq & 1 == 0 or (p == 0 and q == 1):
                    continue
                u = pow(dq, -1, mask + 1)
                img = sorted(((v - vals[p]) * u) & mask for v in vals[:k])
                if img < vals[:k]:
                    return False
        return True

    dists: list[list[list[int]]] = [[] for _ in range(n + 1)]
    cands: list[list[int]] = [[] for _ in range(n + 1)]
    pos = [0] * (n + 1)
    status, found, nodes, k = FRONTIER_COMPLETE, None, 0, 1
    if inp.max_nodes < 1:
        status = FRONTIER_STOPPED
    else:
        nodes, k = 1, 2
        dists[2] = [distances(2, x, best) for x in range(2)]
        cands[2] = [a for a in range(inp.third_lo, mask + 1) if extends(dists[2], 2, a)]
    while k >= 2:
        i = pos[k]
        if len(cands[k]) - i < n - k or (k == 2 and cands[2][i] >= inp.third_hi):
            k -= 1
            continue
        pos[k] = i + 1
        vals[k] = cands[k][i]
        if not canonical(k + 1):
            continue
        if nodes >= inp.max_nodes:
            status = FRONTIER_STOPPED
            break
        nodes += 1
        full = k + 1 == n
        limit = cap - 1 if full else best
        dists[k + 1] = [distances(k + 1, x, limit) for x in range(k + 1)]
        short = shortest(dists[k + 1], k + 1)
        if short <= best:
            continue
        if full:
            best, found = short, tuple(vals)
            continue
        nxt = [b for b in cands[k][i + 1 :] if extends(dists[k + 1], k + 1, b)]
        if len(nxt) < n - k - 1:
            continue
        k += 1
        cands[k], pos[k] = nxt, 0
    return FrontierResult(status, best, nodes, found)
