"""Monte Carlo kernel family: false "exclusive" answers of random populations.

Entry point: :func:`false_exclusive_trials` (numba), twin
:func:`false_exclusive_trials_python` (the same generator and draws on
Python ints, so the same ``(hits, trials)`` for a seed).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types

from ._jit import kernel
from .codes import (
    ENC_DIGITS,
    ENC_HASH,
    ENC_RAW,
    GOLDEN,
    POP_FORK_TREE,
    POP_LOWEST_FREE,
    POP_UNIFORM,
    U64_GOLDEN,
)
from .subid import calc_subid

__all__ = ["MonteCarloInputs", "false_exclusive_trials", "false_exclusive_trials_python"]

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_M64 = (1 << 64) - 1


class MonteCarloInputs(NamedTuple):
    """One Monte Carlo setting: an encoding of ids into sub-IDs and a population."""

    encoding: int  # ENC_DIGITS / ENC_RAW / ENC_HASH
    nr_values: int  # K, rmap values (sub-IDs) per mm
    bits: int  # B, slice width of ENC_DIGITS
    base_pages: int  # P_g of ENC_DIGITS
    word_bits: int  # W
    max_id: int  # ids are 1..max_id
    population: int  # POP_UNIFORM / POP_LOWEST_FREE / POP_FORK_TREE
    mms: int  # m, mms mapping the folio
    mappings: int  # n, total mappings (uniform, lowest-free)
    nr_pages: int  # folio_nr_pages


def _sig():
    i, u = types.int64, types.uint64
    # ten int64 fields: numba types such a tuple as homogeneous
    nt = types.NamedUniTuple(i, len(MonteCarloInputs._fields), MonteCarloInputs)
    return types.int64[::1](nt, i, u)


@njit(cache=True, nogil=True)
def _mix64(z):
    """splitmix64's finaliser: the hash of the "random 64-bit sub-ID" encoding."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def _next(state):
    """splitmix64 step on a one-element uint64 array; returns 64 random bits."""
    state[0] = state[0] + U64_GOLDEN
    return _mix64(state[0])


@njit(cache=True, nogil=True)
def _below(state, k):
    """Uniform-ish integer in [0, k) (k < 2**32: modulo bias below 2**-32)."""
    return np.int64(_next(state) % np.uint64(k))


@njit(cache=True, nogil=True)
def _enc_subid(enc, mm_id, k, bits, base_pages, mask):
    uid = np.uint64(mm_id)
    if enc == ENC_DIGITS:
        x = (uid >> np.uint64(k * bits)) & ((_U1 << np.uint64(bits)) - _U1)
        return calc_subid(base_pages, x, mask)
    if enc == ENC_RAW:
        return uid & mask
    return _mix64(uid + np.uint64(k) * U64_GOLDEN) & mask


@kernel(_sig)
def _mc_kernel(inp, trials, seed):
    """Monte Carlo of false "exclusive" answers. Returns (hits, trials).

    One trial draws a population (victim X and the other mms with their
    mapping counts), then asks the check for X: false exclusive when at least
    two mms map, ``n <= pages`` and every value equals ``n * subid(X)``.
    Populations: uniform (X uniform over ids, others i.i.d. uniform over ids
    != X, counts a uniform composition of n into m parts), lowest-free (ids
    1..m, victim uniform among them), fork tree (ids 1..m, each keeps a
    uniform 0..pages of its pages after random partial unmaps).
    """
    enc = inp.encoding
    nv = inp.nr_values
    bits = inp.bits
    base_pages = np.uint64(inp.base_pages)
    # 2**W - 1 without the undefined shift by 64
    mask = ((_U1 << np.uint64(inp.word_bits - 1)) << _U1) - _U1
    max_id = inp.max_id
    pop = inp.population
    m = inp.mms
    n = inp.mappings
    pages = inp.nr_pages
    state = np.zeros(1, dtype=np.uint64)
    state[0] = seed
    ids = np.zeros(m, dtype=np.int64)
    cnt = np.zeros(m, dtype=np.int64)
    cuts = np.zeros(max(m - 1, 1), dtype=np.int64)
    acc = np.zeros(max(nv, 1), dtype=np.uint64)
    out = np.zeros(2, dtype=np.int64)
    for _t in range(trials):
        out[1] += 1
        if pop == POP_FORK_TREE:
            for i in range(m):
                ids[i] = i + 1
                cnt[i] = _below(state, pages + 1)
            mapping = 0
            total = 0
            for i in range(m):
                if cnt[i] > 0:
                    mapping += 1
                    total += cnt[i]
            if mapping < 2 or total > pages:
                continue
            pick = _below(state, mapping)
            v = 0
            for i in range(m):
                if cnt[i] > 0:
                    if pick == 0:
                        v = i
                    pick -= 1
            victim = ids[v]
        else:
            # uniform composition: m-1 distinct cut points in 1..n-1 (Floyd)
            j = 0
            for r in range(n - m + 1, n):
                c = 1 + _below(state, r)
                dup = False
                for q in range(j):
                    if cuts[q] == c:
                        dup = True
                if dup:
                    c = r
                cuts[j] = c
                j += 1
            for a in range(1, j):  # insertion sort, m is small
                key = cuts[a]
                b = a - 1
                while b >= 0 and cuts[b] > key:
                    cuts[b + 1] = cuts[b]
                    b -= 1
                cuts[b + 1] = key
            prev = 0
            for i in range(m - 1):
                cnt[i] = cuts[i] - prev
                prev = cuts[i]
            cnt[m - 1] = n - prev
            total = n
            if total > pages:
                continue
            v = 0
            if pop == POP_LOWEST_FREE:
                for i in range(m):
                    ids[i] = i + 1
                v = _below(state, m)
            else:
                x = 1 + _below(state, max_id)
                ids[0] = x
                for i in range(1, m):
                    y = 1 + _below(state, max_id - 1)
                    if y >= x:
                        y += 1
                    ids[i] = y
            victim = ids[v]
        for k in range(nv):
            acc[k] = _U0
        for i in range(m):
            if i == v or cnt[i] == 0:
                continue
            c = np.uint64(cnt[i])
            for k in range(nv):
                d = (
                    _enc_subid(enc, ids[i], k, bits, base_pages, mask)
                    - _enc_subid(enc, victim, k, bits, base_pages, mask)
                ) & mask
                acc[k] = (acc[k] + c * d) & mask
        fooled = True
        for k in range(nv):
            if acc[k] != _U0:
                fooled = False
        if fooled:
            out[0] += 1
    return out


def _check(inp: MonteCarloInputs, trials: int, seed: int) -> MonteCarloInputs:
    inp = MonteCarloInputs(*(int(x) for x in inp))
    if inp.encoding not in (ENC_DIGITS, ENC_RAW, ENC_HASH):
        raise ValueError(f"encoding={inp.encoding}: allowed {ENC_DIGITS}, {ENC_RAW}, {ENC_HASH}")
    if inp.population not in (POP_UNIFORM, POP_LOWEST_FREE, POP_FORK_TREE):
        raise ValueError(f"population={inp.population}: allowed 0, 1, 2")
    if not 1 <= inp.word_bits <= 64 or inp.nr_values < 1 or inp.mms < 2 or inp.nr_pages < 1:
        raise ValueError(
            f"{inp}: need 1 <= word_bits <= 64, nr_values >= 1, mms >= 2, nr_pages >= 1"
        )
    if inp.encoding == ENC_DIGITS and not 1 <= inp.bits * inp.nr_values <= 64:
        raise ValueError(f"bits*nr_values = {inp.bits * inp.nr_values}: allowed [1, 64]")
    if inp.population != POP_FORK_TREE and inp.mappings < inp.mms:
        raise ValueError(f"mappings={inp.mappings}: allowed >= mms={inp.mms}")
    if inp.population == POP_UNIFORM and inp.max_id < 2:
        raise ValueError(f"max_id={inp.max_id}: allowed >= 2")
    if trials < 0 or not 0 <= seed <= _M64:
        raise ValueError(f"trials={trials}, seed={seed}: allowed trials >= 0, seed in [0, 2**64)")
    return inp


def false_exclusive_trials(inp: MonteCarloInputs, trials: int, seed: int) -> tuple[int, int]:
    """``(hits, trials)``: how many of ``trials`` seeded trials fool the check."""
    inp = _check(inp, int(trials), int(seed))
    # Python ints: numba types them int64, the signature's fields
    out = _mc_kernel(inp, int(trials), np.uint64(seed))
    return int(out[0]), int(out[1])


def false_exclusive_trials_python(inp: MonteCarloInputs, trials: int, seed: int) -> tuple[int, int]:
    """:func:`false_exclusive_trials` on Python ints, the same loop and draws."""
    inp = _check(inp, int(trials), int(seed))
    mask = (1 << inp.word_bits) - 1
    m, n, pages = inp.mms, inp.mappings, inp.nr_pages
    state = int(seed)

    def below(k: int) -> int:
        nonlocal state
        state = (state + GOLDEN) & _M64
        return _mix64_py(state) % k

    def subid(mm_id: int, k: int) -> int:
        if inp.encoding == ENC_DIGITS:
            i = (mm_id >> (k * inp.bits)) & ((1 << inp.bits) - 1)
            nr, mult = 0, 1
            while i:
                if i & 1:
                    nr = (nr + mult) & mask
                mult = (mult * (inp.base_pages + 1)) & mask
                i >>= 1
            return nr
        if inp.encoding == ENC_RAW:
            return mm_id & mask
        return _mix64_py((mm_id + k * GOLDEN) & _M64) & mask

    hits = 0
    for _ in range(trials):
        if inp.population == POP_FORK_TREE:
            ids = list(range(1, m + 1))
            cnt = [below(pages + 1) for _ in range(m)]
            mapping = [i for i in range(m) if cnt[i] > 0]
            if len(mapping) < 2 or sum(cnt) > pages:
                continue
            v = mapping[below(len(mapping))]
        else:
            cuts: list[int] = []
            for r in range(n - m + 1, n):
                c = 1 + below(r)
                cuts.append(r if c in cuts else c)
            cuts.sort()
            cnt = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
            if n > pages:
                continue
            v = 0
            if inp.population == POP_LOWEST_FREE:
                ids = list(range(1, m + 1))
                v = below(m)
            else:
                x = 1 + below(inp.max_id)
                ids = [x]
                for _ in range(1, m):
                    y = 1 + below(inp.max_id - 1)
                    ids.append(y + 1 if y >= x else y)
        victim = ids[v]
        acc = [0] * inp.nr_values
        for i in range(m):
            if i == v or cnt[i] == 0:
                continue
            for k in range(inp.nr_values):
                d = (subid(ids[i], k) - subid(victim, k)) & mask
                acc[k] = (acc[k] + cnt[i] * d) & mask
        hits += not any(acc)
    return hits, trials


def _mix64_py(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)
