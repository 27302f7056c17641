"""Monte Carlo kernel family: false "exclusive" answers of random populations.

Entry point: :func:`false_exclusive_trials` (numba), twin
:func:`false_exclusive_trials_python` (the same generator and draws on
Python ints, so the same ``(hits, trials)`` for a seed).

The addend of word ``k`` for an mm id reads slice ``word_slice[k]`` of the
id (``bits`` bits) and turns it into a word by the encoding's mode
(:mod:`rmaplab._kernels.codes`): ``RULE_DIGITS`` (``calc_rmap_subid``: the
slice's binary digits read in base ``base_pages + 1``), ``RULE_RAW`` (the id),
``RULE_HASH`` (splitmix64 of ``id + k * GOLDEN``), ``RULE_TABLE`` (a
precomputed addend ``tables[k, v]`` for slice value ``v``: any per-slice
table, moments of slices of at most 16 bits, and one word's table of up to
``2**MAX_WIDE_TABLE_BITS`` ids for the one-value families) and ``RULE_POWERS``
(``v**p`` of a wide slice modulo ``2**word_bits``, by wrapping ``uint64``
multiplies: exact because ``2**word_bits`` divides ``2**64``; packed as
``sum_j v**powers[j] * pack_base**j`` when ``pack_base`` is not 0).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types

from ._jit import kernel
from .codes import (
    GOLDEN,
    MAX_WIDE_TABLE_BITS,
    POP_FORK_TREE,
    POP_LOWEST_FREE,
    POP_UNIFORM,
    RULE_DIGITS,
    RULE_HASH,
    RULE_POWERS,
    RULE_RAW,
    RULE_TABLE,
    U64_GOLDEN,
)
from .mix import mix64_jit, splitmix64
from .subid import calc_subid

__all__ = [
    "MAX_WIDE_TABLE_BITS",
    "MonteCarloInputs",
    "false_exclusive_trials",
    "false_exclusive_trials_python",
]

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_M64 = (1 << 64) - 1
_MODES = (RULE_DIGITS, RULE_RAW, RULE_HASH, RULE_TABLE, RULE_POWERS)
#: Widest slice an addend table covers (2**16 entries per word).
MAX_TABLE_BITS = 16


class MonteCarloInputs(NamedTuple):
    """One Monte Carlo setting: an encoding of ids into addends and a population.

    The array fields may be left None: :func:`false_exclusive_trials` fills
    ``word_slice`` with ``0..K-1`` (word k reads slice k) and the unused
    arrays with placeholders.
    """

    encoding: int  # RULE_DIGITS / RULE_RAW / RULE_HASH / RULE_TABLE / RULE_POWERS
    nr_values: int  # K, rmap values (words) per folio
    bits: int  # slice width (RULE_DIGITS, RULE_TABLE, RULE_POWERS)
    base_pages: int  # RULE_DIGITS: the digit base minus 1 (P_g in the series)
    word_bits: int  # W
    max_id: int  # ids are 1..max_id
    population: int  # POP_UNIFORM / POP_LOWEST_FREE / POP_FORK_TREE
    mms: int  # m, mms mapping the folio
    mappings: int  # n, total mappings (uniform, lowest-free)
    nr_pages: int  # folio_nr_pages
    word_slice: np.ndarray | None = None  # int64[K]: the id slice word k reads
    tables: np.ndarray | None = None  # RULE_TABLE: uint64[K, 2**bits], tables[k, v]
    powers: np.ndarray | None = None  # RULE_POWERS: int64[J], the powers
    pack_base: int = 0  # RULE_POWERS: 0 = word k holds v**powers[k % J]; else packed


def _sig():
    i, u = types.int64, types.uint64
    nt = types.NamedTuple(
        [i] * 10 + [i[::1], u[:, ::1], i[::1], u],
        MonteCarloInputs,
    )
    return types.int64[::1](nt, i, u)


@njit(cache=True, nogil=True)
def _next(state):
    """splitmix64 step on a one-element uint64 array; returns 64 random bits."""
    state[0] = state[0] + U64_GOLDEN
    return mix64_jit(state[0])


@njit(cache=True, nogil=True)
def _below(state, k):
    """Uniform-ish integer in [0, k) (k < 2**32: modulo bias below 2**-32)."""
    return np.int64(_next(state) % np.uint64(k))


@njit(cache=True, nogil=True)
def _upow(v, p):
    """``v**p`` modulo 2**64 (wrapping uint64 multiplies)."""
    acc = _U1
    for _ in range(p):
        acc = acc * v
    return acc


@njit(cache=True, nogil=True)
def _enc_subid(enc, mm_id, k, shift, smask, base_pages, mask):
    """Addend of word ``k`` for ``mm_id`` in the computed modes (digits,
    raw id, hash); ``shift`` is where word k's slice starts, ``smask`` the
    slice mask. Scalars only: array arguments would cost reference counting
    in the inner loop."""
    uid = np.uint64(mm_id)
    if enc == RULE_DIGITS:
        return calc_subid(base_pages, (uid >> shift) & smask, mask)
    if enc == RULE_RAW:
        return uid & mask
    return mix64_jit(uid + np.uint64(k) * U64_GOLDEN) & mask


@njit(cache=True, nogil=True)
def _power_subid(v, p0, p1, p2, p3, nr_powers, pack):
    """Packed ``RULE_POWERS`` addend of slice value ``v`` modulo 2**64:
    ``sum_j v**p_j * pack**j`` over the first ``nr_powers`` powers."""
    acc = _upow(v, p0)
    mult = pack
    if nr_powers > 1:
        acc = acc + _upow(v, p1) * mult
        mult = mult * pack
    if nr_powers > 2:
        acc = acc + _upow(v, p2) * mult
        mult = mult * pack
    if nr_powers > 3:
        acc = acc + _upow(v, p3) * mult
    return acc


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
    base_pages = np.uint64(inp.base_pages)
    smask = (_U1 << np.uint64(inp.bits)) - _U1
    tables = inp.tables
    pack = inp.pack_base
    npow = inp.powers.shape[0]
    shift = np.zeros(max(nv, 1), dtype=np.uint64)
    # RULE_POWERS: word k's powers (unpacked: one, powers[k % J]; packed: all J)
    pw = np.zeros((max(nv, 1), 4), dtype=np.int64)
    for k in range(nv):
        shift[k] = np.uint64(inp.word_slice[k] * inp.bits)
        if pack == _U0:
            pw[k, 0] = inp.powers[k % npow]
        else:
            for j in range(min(npow, 4)):
                pw[k, j] = inp.powers[j]
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
                if enc == RULE_TABLE:
                    a = tables[k, np.int64((np.uint64(ids[i]) >> shift[k]) & smask)]
                    b = tables[k, np.int64((np.uint64(victim) >> shift[k]) & smask)]
                elif enc == RULE_POWERS:
                    va = (np.uint64(ids[i]) >> shift[k]) & smask
                    vb = (np.uint64(victim) >> shift[k]) & smask
                    if pack == _U0:
                        a = _upow(va, pw[k, 0])
                        b = _upow(vb, pw[k, 0])
                    else:
                        a = _power_subid(va, pw[k, 0], pw[k, 1], pw[k, 2], pw[k, 3], npow, pack)
                        b = _power_subid(vb, pw[k, 0], pw[k, 1], pw[k, 2], pw[k, 3], npow, pack)
                else:
                    a = _enc_subid(enc, ids[i], k, shift[k], smask, base_pages, mask)
                    b = _enc_subid(enc, victim, k, shift[k], smask, base_pages, mask)
                acc[k] = (acc[k] + c * ((a - b) & mask)) & mask
        fooled = True
        for k in range(nv):
            if acc[k] != _U0:
                fooled = False
        if fooled:
            out[0] += 1
    return out


def _array(x, dtype, ndim: int) -> np.ndarray:
    if x is None:
        return np.zeros((1,) * ndim, dtype=dtype)
    a = np.asarray(x)
    if a.ndim != ndim or (a.size and not np.issubdtype(a.dtype, np.integer)):
        raise ValueError(f"expected a {ndim}-d integer array, got {a.dtype} of shape {a.shape}")
    return np.ascontiguousarray(a, dtype=dtype)


def _check(inp: MonteCarloInputs, trials: int, seed: int) -> MonteCarloInputs:
    """Validate the inputs and convert them to the kernel's types."""
    scal = [int(x) for x in inp[:10]]
    nv = scal[1]
    ws = (
        np.arange(max(nv, 1), dtype=np.int64)
        if inp.word_slice is None
        else _array(inp.word_slice, np.int64, 1)
    )
    tables = _array(inp.tables, np.uint64, 2)
    powers = _array(inp.powers, np.int64, 1) if inp.powers is not None else np.ones(1, np.int64)
    pack = int(inp.pack_base)
    out = inp._replace(
        **dict(zip(MonteCarloInputs._fields[:10], scal, strict=True)),
        word_slice=ws,
        tables=tables,
        powers=powers,
        pack_base=pack,
    )
    if out.encoding not in _MODES:
        raise ValueError(f"encoding={out.encoding}: allowed {', '.join(map(str, _MODES))}")
    if out.population not in (POP_UNIFORM, POP_LOWEST_FREE, POP_FORK_TREE):
        raise ValueError(f"population={out.population}: allowed 0, 1, 2")
    if not 1 <= out.word_bits <= 64 or nv < 1 or out.mms < 2 or out.nr_pages < 1:
        raise ValueError(
            f"{out[:10]}: need 1 <= word_bits <= 64, nr_values >= 1, mms >= 2, nr_pages >= 1"
        )
    if out.encoding in (RULE_DIGITS, RULE_TABLE, RULE_POWERS):
        if ws.shape[0] != nv or ws.min() < 0:
            raise ValueError(f"word_slice={ws.tolist()}: allowed {nv} slice indices >= 0")
        if not 1 <= out.bits or int(ws.max() + 1) * out.bits > 64:
            raise ValueError(
                f"bits={out.bits}, word_slice={ws.tolist()}: allowed slices within 64 bits"
            )
    if out.encoding == RULE_DIGITS and not 1 <= out.bits * nv <= 64:
        raise ValueError(f"bits*nr_values = {out.bits * nv}: allowed [1, 64]")
    top = MAX_TABLE_BITS if nv > 1 else MAX_WIDE_TABLE_BITS
    if out.encoding == RULE_TABLE and (out.bits > top or tables.shape != (nv, 1 << out.bits)):
        raise ValueError(
            f"tables of shape {tables.shape}: allowed (nr_values, 2**bits) = "
            f"({nv}, 2**{out.bits}) with bits <= {MAX_TABLE_BITS} ({MAX_WIDE_TABLE_BITS} "
            "for one word)"
        )
    if out.encoding == RULE_POWERS and (
        powers.min() < 0 or not 0 <= pack <= _M64 or (pack and len(powers) > 4)
    ):
        raise ValueError(
            f"powers={powers.tolist()}, pack_base={pack}: allowed powers >= 0 (at most 4 "
            "when packed), pack_base in [0, 2**64)"
        )
    if out.population != POP_FORK_TREE and out.mappings < out.mms:
        raise ValueError(f"mappings={out.mappings}: allowed >= mms={out.mms}")
    if out.population == POP_UNIFORM and out.max_id < 2:
        raise ValueError(f"max_id={out.max_id}: allowed >= 2")
    if trials < 0 or not 0 <= seed <= _M64:
        raise ValueError(f"trials={trials}, seed={seed}: allowed trials >= 0, seed in [0, 2**64)")
    return out


def false_exclusive_trials(inp: MonteCarloInputs, trials: int, seed: int) -> tuple[int, int]:
    """``(hits, trials)``: how many of ``trials`` seeded trials fool the check."""
    inp = _check(inp, int(trials), int(seed))
    # Python ints are typed int64, the signature's fields; the packing base may
    # need all 64 bits, hence uint64
    out = _mc_kernel(inp._replace(pack_base=np.uint64(inp.pack_base)), int(trials), np.uint64(seed))
    return int(out[0]), int(out[1])


def _addend_python(inp: MonteCarloInputs, mm_id: int, k: int) -> int:
    """Word ``k``'s addend for ``mm_id`` on Python ints (``inp`` as checked
    by :func:`_check`): the twin of the kernel's ``_enc_subid``."""
    mask = (1 << inp.word_bits) - 1
    if inp.encoding == RULE_RAW:
        return mm_id & mask
    if inp.encoding == RULE_HASH:
        return splitmix64(mm_id + k * GOLDEN) & mask
    assert inp.word_slice is not None and inp.tables is not None and inp.powers is not None
    v = (mm_id >> (int(inp.word_slice[k]) * inp.bits)) & ((1 << inp.bits) - 1)
    if inp.encoding == RULE_DIGITS:
        nr, mult = 0, 1
        while v:
            if v & 1:
                nr = (nr + mult) & mask
            mult = (mult * (inp.base_pages + 1)) & mask
            v >>= 1
        return nr
    if inp.encoding == RULE_TABLE:
        return int(inp.tables[k, v]) & mask
    pw = [int(p) for p in inp.powers]
    if inp.pack_base == 0:
        return pow(v, pw[k % len(pw)], 1 << inp.word_bits)
    return sum(v**p * inp.pack_base**j for j, p in enumerate(pw)) & mask


def false_exclusive_trials_python(inp: MonteCarloInputs, trials: int, seed: int) -> tuple[int, int]:
    """:func:`false_exclusive_trials` on Python ints, the same loop and draws."""
    inp = _check(inp, int(trials), int(seed))
    mask = (1 << inp.word_bits) - 1
    m, n, pages = inp.mms, inp.mappings, inp.nr_pages
    state = int(seed)

    def below(k: int) -> int:
        nonlocal state
        state = (state + GOLDEN) & _M64
        return splitmix64(state) % k

    def subid(mm_id: int, k: int) -> int:
        return _addend_python(inp, mm_id, k)

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
