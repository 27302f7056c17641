"""Exhaustive kernel family: brute-force shortest fooling extension.

Entry point: :func:`shortest_returns` (numba), twin
:func:`shortest_returns_python` (the same breadth-first search on Python ints).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._jit import kernel

__all__ = ["ExhaustiveInputs", "shortest_returns", "shortest_returns_python"]

_U0 = np.uint64(0)
_U1 = np.uint64(1)

#: Largest joint state (``values * word_bits`` bits) the search may allocate.
MAX_STATE_BITS = 26


class ExhaustiveInputs(NamedTuple):
    subids: np.ndarray  # uint64[n_ids, K]: row j = sub-IDs of id j+1
    word_bits: int  # W
    max_depth: int  # most extra mappings to try


@kernel("int64[::1](uint64[:, ::1], int64, int64)")
def _exhaustive_kernel(subids, word_bits, max_depth):
    """Brute force, no cleverness: for every victim X (row of ``subids``), a
    breadth-first search over the joint state of all K rmap values (packed,
    ``K * word_bits`` bits) where one step is "one more mapping by some mm
    m != X", i.e. adds ``subid(m) - subid(X)`` to every value modulo the word.
    Returns, per victim, the fewest steps ``t >= 1`` that bring every value
    back to ``mapcount * subid(X)`` (state 0), or -1 if none within
    ``max_depth`` steps.
    """
    n_ids = subids.shape[0]
    nv = subids.shape[1]
    wb = np.uint64(word_bits)
    mask = (_U1 << wb) - _U1
    n_states = 1 << (nv * word_bits)
    depth = np.empty(n_states, dtype=np.int32)
    queue = np.empty(n_states, dtype=np.uint64)
    # generators packed like the states: adding one is a per-field add, so the
    # step is nv masked adds on the packed word
    gens = np.empty((n_ids, nv), dtype=np.uint64)
    out = np.full(n_ids, -1, dtype=np.int64)
    for x in range(n_ids):
        for m in range(n_ids):
            for k in range(nv):
                gens[m, k] = (subids[m, k] - subids[x, k]) & mask
        for j in range(n_states):  # a plain loop: LLVM makes it a memset
            depth[j] = -1
        depth[0] = 0
        queue[0] = _U0
        head = 0
        tail = 1
        found = -1
        while head < tail and found < 0:
            st = queue[head]
            head += 1
            dcur = depth[st]
            if dcur >= max_depth:
                break
            for m in range(n_ids):
                if m == x:
                    continue
                nxt = _U0
                sh = _U0
                for k in range(nv):
                    # gens[m, k], not a row view: a view costs a reference count per step
                    comp = ((st >> sh) & mask) + gens[m, k]
                    nxt |= (comp & mask) << sh
                    sh += wb
                if nxt == _U0:
                    found = dcur + 1
                    break
                if depth[nxt] < 0:
                    depth[nxt] = dcur + 1
                    queue[tail] = nxt
                    tail += 1
        out[x] = found
    return out


def _check(inp: ExhaustiveInputs) -> tuple[np.ndarray, int, int]:
    subids = np.ascontiguousarray(inp.subids, dtype=np.uint64)
    wb, depth = int(inp.word_bits), int(inp.max_depth)
    if subids.ndim != 2 or subids.shape[1] < 1:
        raise ValueError(f"subids must be a (n_ids, K) array, got shape {subids.shape}")
    if not 1 <= wb <= 64 or subids.shape[1] * wb > MAX_STATE_BITS:
        raise ValueError(
            f"values*word_bits = {subids.shape[1] * wb} is too large for the exhaustive "
            f"search: allowed <= {MAX_STATE_BITS}"
        )
    if depth < 0:
        raise ValueError(f"max_depth={depth}: allowed >= 0")
    return subids, wb, depth


def shortest_returns(inp: ExhaustiveInputs) -> np.ndarray:
    """Per victim row, the fewest extra mappings (``<= max_depth``) by other
    ids that fool the check, or -1 (``int64`` array)."""
    return _exhaustive_kernel(*_check(inp))


def shortest_returns_python(inp: ExhaustiveInputs) -> np.ndarray:
    """:func:`shortest_returns` on Python ints and a dict, the same search."""
    subids, wb, max_depth = _check(inp)
    rows = subids.tolist()
    mask = (1 << wb) - 1
    out = []
    for x, sx in enumerate(rows):
        gens = [[(a - b) & mask for a, b in zip(r, sx, strict=True)] for r in rows]
        depth, queue, head, found = {0: 0}, [0], 0, -1
        while head < len(queue) and found < 0:
            st = queue[head]
            head += 1
            dcur = depth[st]
            if dcur >= max_depth:
                break
            for m, g in enumerate(gens):
                if m == x:
                    continue
                nxt = 0
                for k, gk in enumerate(g):
                    nxt |= (((st >> (k * wb)) & mask) + gk & mask) << (k * wb)
                if nxt == 0:
                    found = dcur + 1
                    break
                if nxt not in depth:
                    depth[nxt] = dcur + 1
                    queue.append(nxt)
        out.append(found)
    return np.array(out, dtype=np.int64)
