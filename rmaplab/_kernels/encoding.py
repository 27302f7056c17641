"""numba kernels for :mod:`rmaplab.encodings`, :mod:`rmaplab.certify`
and :mod:`rmaplab.frontier_tables`.

Dtype policy as in :mod:`rmaplab._kernels`: words, addends, ids and masks are
``uint64`` (every constant too); a word narrower than 64 bits is
``uint64 & mask``, exact because ``2**word_bits`` divides ``2**64``. Counts and
indices are ``int64``. Kernels compile lazily (explicit signatures,
``cache=True``); ``x()`` runs the kernel, ``x_python()`` is its plain-Python
twin on Python ints, and tests compare the two.
"""

from __future__ import annotations

import numpy as np

from ._jit import kernel
from .codes import RULE_DIGITS, RULE_POWERS, RULE_RAW, RULE_TABLE, U64_GOLDEN
from .mix import mix64_jit
from .subid import calc_subid

__all__ = [
    "addends",
    "addends_python",
    "min_fooling",
    "min_fooling_python",
    "pair_frontier_kernel",
]

_U0 = np.uint64(0)
_U1 = np.uint64(1)
#: Largest joint state (K * word_bits bits) the breadth-first search takes.
MAX_STATE_BITS = 24


@kernel(
    "uint64[:, ::1](uint64[::1], int64, int64[::1], int64, uint64, uint64[:, ::1], int64[::1], "
    "uint64, uint64)"
)
def _addends_kernel(ids, rule, word_slice, slice_bits, base, tables, powers, pack, mask):
    """Addends of ``ids`` under one kernel plan (``RULE_*`` of :mod:`.codes`)."""
    n = ids.shape[0]
    nw = word_slice.shape[0]
    out = np.empty((n, nw), dtype=np.uint64)
    # 2**slice_bits - 1 without the undefined shift by 64
    smask = ((_U1 << np.uint64(slice_bits - 1)) << _U1) - _U1
    npow = powers.shape[0]
    for i in range(n):
        for k in range(nw):
            v = (ids[i] >> (np.uint64(word_slice[k]) * np.uint64(slice_bits))) & smask
            if rule == RULE_TABLE:
                out[i, k] = tables[k, np.int64(v)] & mask
            elif rule == RULE_POWERS:
                acc = _U0
                if pack == _U0:
                    acc = _U1
                    for _ in range(powers[k % npow]):
                        acc = acc * v
                else:
                    mult = _U1
                    for j in range(npow):
                        t = _U1
                        for _ in range(powers[j]):
                            t = t * v
                        acc = acc + t * mult
                        mult = mult * pack
                out[i, k] = acc & mask
            elif rule == RULE_DIGITS:
                out[i, k] = calc_subid(base - _U1, v, mask)
            elif rule == RULE_RAW:
                out[i, k] = ids[i] & mask
            else:
                out[i, k] = mix64_jit(ids[i] + np.uint64(k) * U64_GOLDEN) & mask
    return out


def addends(enc, ids) -> np.ndarray:
    """Addends of many ids under ``enc`` (``uint64``, shape ``(len(ids), K)``),
    through the family's kernel plan (:meth:`rmaplab.encodings.Encoding.plan`)."""
    ids = np.ascontiguousarray(ids, dtype=np.uint64)
    p = enc.plan()
    tabs = p.tables if p.tables is not None else np.zeros((1, 1), np.uint64)
    return _addends_kernel(
        ids,
        int(p.rule),
        np.array(p.word_slice, dtype=np.int64),
        int(p.slice_bits),
        np.uint64(p.base % (1 << 64)),
        np.ascontiguousarray(tabs, dtype=np.uint64),
        np.array(p.powers, dtype=np.int64),
        np.uint64(p.pack_base % (1 << 64)),
        np.uint64(enc.mask),
    )


def addends_python(enc, ids) -> list[list[int]]:
    """Twin of :func:`addends`: :meth:`Encoding.addends` on Python ints."""
    return [enc.addends(int(i)) for i in ids]


@kernel("int64[::1](uint64[:, ::1], int64, int64)")
def _min_fooling_kernel(gens, word_bits, max_depth):
    """Breadth-first search over the joint state of the K words (packed,
    ``K * word_bits`` bits): one step is one more mapping by some other mm,
    adding its generator ``addend(m) - addend(X)`` to every word. Returns
    ``[t, g_1, ..., g_t]``: the fewest steps ``t`` back to state 0 and the
    generators used, or ``[-1]`` if none within ``max_depth`` steps."""
    ng = gens.shape[0]
    nv = gens.shape[1]
    wb = np.uint64(word_bits)
    mask = (_U1 << wb) - _U1
    n_states = np.int64(1) << (nv * word_bits)
    parent = np.full(n_states, -1, dtype=np.int16)
    queue = np.empty(n_states, dtype=np.uint32)
    head = 0
    tail = 1
    queue[0] = 0
    parent[0] = ng  # the start
    level_end = 1
    depth = 0
    while head < tail and depth < max_depth:
        while head < level_end:
            st = np.uint64(queue[head])
            head += 1
            for g in range(ng):
                nxt = _U0
                for k in range(nv):
                    sh = np.uint64(k) * wb
                    nxt |= ((((st >> sh) & mask) + gens[g, k]) & mask) << sh
                if nxt == _U0:
                    # walk back from st, then step g
                    path = np.empty(depth + 2, dtype=np.int64)
                    path[0] = depth + 1
                    path[depth + 1] = g
                    cur = st
                    pos = depth
                    while cur != _U0:
                        pg = parent[np.int64(cur)]
                        path[pos] = pg
                        pos -= 1
                        prev = _U0
                        for k in range(nv):
                            sh = np.uint64(k) * wb
                            prev |= ((((cur >> sh) & mask) - gens[pg, k]) & mask) << sh
                        cur = prev
                    return path
                ni = np.int64(nxt)
                if parent[ni] < 0:
                    parent[ni] = g
                    queue[tail] = np.uint32(nxt)
                    tail += 1
        level_end = tail
        depth += 1
    return np.full(1, -1, dtype=np.int64)


def min_fooling(gens: np.ndarray, word_bits: int, max_depth: int) -> list[int] | None:
    """Fewest generators (with repetition) summing to 0 in every word, as
    generator indices, or None if more than ``max_depth`` are needed."""
    gens = np.ascontiguousarray(gens, dtype=np.uint64)
    if gens.shape[1] * word_bits > MAX_STATE_BITS or gens.shape[0] >= 1 << 15:
        raise ValueError("state or generator set too large for the breadth-first search")
    out = _min_fooling_kernel(gens, int(word_bits), int(max_depth))
    return None if out[0] < 0 else [int(g) for g in out[1:]]


def min_fooling_python(gens, word_bits: int, max_depth: int) -> list[int] | None:
    """Twin of :func:`min_fooling` on Python ints (tuples as states)."""
    mod = 1 << word_bits
    gens = [tuple(int(x) % mod for x in g) for g in gens]
    zero = tuple(0 for _ in gens[0]) if gens else ()
    parent: dict = {zero: None}
    frontier = [zero]
    for _ in range(max_depth):
        nxt_front = []
        for st in frontier:
            for gi, g in enumerate(gens):
                nxt = tuple((a + b) % mod for a, b in zip(st, g, strict=False))
                if nxt == zero:
                    path = [gi]
                    cur = st
                    while parent[cur] is not None:
                        pg, prev = parent[cur]
                        path.append(pg)
                        cur = prev
                    return path[::-1]
                if nxt not in parent:
                    parent[nxt] = (gi, st)
                    nxt_front.append(nxt)
        frontier = nxt_front
        if not frontier:
            break
    return None


@kernel("int64[::1](int64, int64)")
def _pair_frontier_kernel(word_bits, depth_cap):
    """Every 4-value table {0, 1, a, b} (1 < a < b < 2**W; every 4-value table
    is one of these up to translation, odd scaling and relabelling, or is
    no better than one): the largest fewest-fooling-others, capped at
    ``depth_cap``, and its (a, b). Returns ``[best, a, b]``."""
    n = np.int64(1) << word_bits
    mask = n - 1
    best = np.int64(0)
    ba = np.int64(0)
    bb = np.int64(0)
    dist = np.empty(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    vals = np.zeros(4, dtype=np.int64)
    vals[1] = 1
    for a in range(2, n):
        for b in range(a + 1, n):
            vals[2] = a
            vals[3] = b
            # min over victims of the BFS distance back to 0, cut at best
            worst = depth_cap
            for x in range(4):
                for i in range(n):
                    dist[i] = -1
                dist[0] = 0
                head = 0
                tail = 1
                queue[0] = 0
                found = np.int64(-1)
                while head < tail and found < 0:
                    st = queue[head]
                    head += 1
                    d = dist[st]
                    if d >= worst:
                        break
                    for g in range(4):
                        if g == x:
                            continue
                        nxt = (st + vals[g] - vals[x]) & mask
                        if nxt == 0:
                            found = d + 1
                            break
                        if dist[nxt] < 0:
                            dist[nxt] = d + 1
                            queue[tail] = nxt
                            tail += 1
                if found >= 0 and found < worst:
                    worst = found
                if worst <= best:
                    break
            if worst > best:
                best = worst
                ba = a
                bb = b
    out = np.empty(3, dtype=np.int64)
    out[0] = best
    out[1] = ba
    out[2] = bb
    return out


def pair_frontier_kernel(word_bits: int, depth_cap: int) -> np.ndarray:
    """Run :func:`_pair_frontier_kernel` (see :func:`rmaplab.frontier_tables.pair_frontier`)."""
    return _pair_frontier_kernel(int(word_bits), int(depth_cap))
