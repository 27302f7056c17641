"""numba kernels for rmap arithmetic, kept apart from the Python API.

Dtype policy (read before touching a kernel):

* rmap values, sub-IDs, slice indices, ids and word masks are ``uint64``
  everywhere, including every constant (``np.uint64(1)``, never ``1``):
  numba types ``uint64 op int64`` as ``int64`` or ``float64``, and a variable
  that is ``uint64`` on one path and ``int`` on another becomes ``float64``.
* Words narrower than 64 bits are modelled as ``uint64 & mask``: every add,
  subtract and multiply wraps modulo ``2**64`` natively and the mask reduces
  modulo ``2**word_bits``, which is exact because ``2**word_bits`` divides
  ``2**64``. Wrapping is the kernel's ``unsigned long`` semantics, on purpose.
* Mapcounts, signed page counts and array indices are ``int64``; a count
  enters value arithmetic only as ``np.uint64(magnitude)``.
* Check answers are ``int8``: ``-1`` no check, ``0`` exclusive, ``1`` shared.

Every kernel is a plain Python function run by numba with an explicit
signature. Compilation is lazy (first call, then cached on disk with
``cache=True``), so ``import rmaplab`` compiles nothing. With
``NUMBA_DISABLE_JIT=1`` the same bodies run as Python on numpy scalars;
the public wrappers silence numpy's scalar overflow warnings because the
wrap is the modelled behaviour, not an accident.

The slow, obviously-right references these are tested against live in
``tests/naive.py`` (Python ints masked to the word).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit

__all__ = ["calc_subids", "exhaustive", "mm_subids", "replay"]

_U1 = np.uint64(1)
_U0 = np.uint64(0)


class _LazyKernel:
    """An explicit-signature ``njit`` kernel compiled on first call."""

    def __init__(self, signature, func):
        self.signature = signature
        self.func = func
        self._dispatcher = None
        self.__doc__ = func.__doc__
        self.__name__ = func.__name__

    @property
    def dispatcher(self):
        if self._dispatcher is None:
            self._dispatcher = njit(self.signature, cache=True, nogil=True)(self.func)
        return self._dispatcher

    def __call__(self, *args):
        with np.errstate(over="ignore"):
            return self.dispatcher(*args)


def kernel(signature):
    def wrap(func):
        return _LazyKernel(signature, func)

    return wrap


@njit(cache=True, nogil=True)
def _calc_subid(base_pages, index, mask):
    """``calc_rmap_subid(n=base_pages, i=index)`` modulo ``mask + 1``; all uint64."""
    nr = _U0
    mult = _U1
    b = base_pages + _U1
    i = index
    while i != _U0:
        if (i & _U1) != _U0:
            nr = (nr + mult) & mask
        mult = (mult * b) & mask
        i = i >> _U1
    return nr


@kernel("uint64[::1](uint64[::1], uint64, uint64)")
def _calc_subids_kernel(index, base_pages, mask):
    out = np.empty(index.shape[0], dtype=np.uint64)
    for j in range(index.shape[0]):
        out[j] = _calc_subid(base_pages, index[j], mask)
    return out


@kernel("uint64[:, ::1](uint64[::1], int64, int64, uint64, uint64)")
def _mm_subids_kernel(ids, values, bits, base_pages, mask):
    out = np.empty((ids.shape[0], values), dtype=np.uint64)
    imask = (_U1 << np.uint64(bits)) - _U1
    for j in range(ids.shape[0]):
        for k in range(values):
            x = (ids[j] >> np.uint64(k * bits)) & imask
            out[j, k] = _calc_subid(base_pages, x, mask)
    return out


@kernel(
    "void(int64[::1], int64[::1], int64[::1], boolean[::1], int64[::1], int64[::1],"
    " int64[::1], uint64[:, :, ::1], uint64, int64[::1], uint64[:, ::1], int8[::1],"
    " boolean, int64[:, ::1], int64[::1], int8[::1])"
)
def _replay_kernel(
    folio,
    mm,
    delta,
    check,
    fgroup,
    pages,
    gvalues,
    subids,
    mask,
    mapcount,
    values,
    answers,
    track,
    counts,
    nmapping,
    truth,
):
    """Replay map/unmap/check operations, one add per value per operation.

    ``subids[g, m, k]`` is sub-ID ``k`` of dense mm ``m`` in group ``g``.
    Map of ``c`` pages: ``values[f, k] += c * subid``, ``mapcount[f] += c``;
    unmap subtracts. The check is ``__folio_large_mapped_shared``: shared if
    ``mapcount > folio_nr_pages``, else exclusive iff every
    ``values[f, k] == mapcount * subid`` modulo the word. With ``track`` the
    ground truth per check is written to ``truth`` (1: another mm maps).
    """
    for i in range(folio.shape[0]):
        f = folio[i]
        m = mm[i]
        g = fgroup[f]
        nv = gvalues[g]
        d = delta[i]
        if d != 0:
            if d > 0:
                c = np.uint64(d)
                for k in range(nv):
                    values[f, k] = (values[f, k] + c * subids[g, m, k]) & mask
            else:
                c = np.uint64(-d)
                for k in range(nv):
                    values[f, k] = (values[f, k] - c * subids[g, m, k]) & mask
            mapcount[f] += d
            if track:
                before = counts[f, m]
                after = before + d
                counts[f, m] = after
                if before == 0 and after != 0:
                    nmapping[f] += 1
                elif before != 0 and after == 0:
                    nmapping[f] -= 1
        if check[i]:
            n = mapcount[f]
            shared = np.int8(0)
            if n > pages[f]:
                shared = np.int8(1)
            else:
                un = np.uint64(n)
                for k in range(nv):
                    if values[f, k] != ((un * subids[g, m, k]) & mask):
                        shared = np.int8(1)
                        break
            answers[i] = shared
            if track:
                others = nmapping[f]
                if counts[f, m] != 0:
                    others -= 1
                truth[i] = np.int8(1) if others > 0 else np.int8(0)


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
    gens = np.empty((n_ids, nv), dtype=np.uint64)
    out = np.full(n_ids, -1, dtype=np.int64)
    for x in range(n_ids):
        for m in range(n_ids):
            for k in range(nv):
                gens[m, k] = (subids[m, k] - subids[x, k]) & mask
        depth[:] = -1
        depth[0] = 0
        queue[0] = _U0
        head = 0
        tail = 1
        found = -1
        while head < tail and found < 0:
            st = queue[head]
            head += 1
            dcur = depth[np.int64(st)]
            if dcur >= max_depth:
                break
            for m in range(n_ids):
                if m == x:
                    continue
                nxt = _U0
                for k in range(nv):
                    sh = np.uint64(k) * wb
                    comp = ((st >> sh) & mask) + gens[m, k]
                    nxt |= (comp & mask) << sh
                if nxt == _U0:
                    found = dcur + 1
                    break
                ni = np.int64(nxt)
                if depth[ni] < 0:
                    depth[ni] = dcur + 1
                    queue[tail] = nxt
                    tail += 1
        out[x] = found
    return out


def exhaustive(subids: np.ndarray, word_bits: int, max_depth: int) -> np.ndarray:
    """Run :func:`_exhaustive_kernel` (rows of ``subids`` = ids 1..max_id)."""
    return _exhaustive_kernel(
        np.ascontiguousarray(subids, dtype=np.uint64), int(word_bits), int(max_depth)
    )


def word_mask(word_bits: int) -> np.uint64:
    return np.uint64((1 << int(word_bits)) - 1)


def calc_subids(index: np.ndarray, base_pages: int, word_bits: int) -> np.ndarray:
    """``calc_rmap_subid`` over a ``uint64`` array of indices (no validation)."""
    return _calc_subids_kernel(
        np.ascontiguousarray(index, dtype=np.uint64), np.uint64(base_pages), word_mask(word_bits)
    )


def mm_subids(
    ids: np.ndarray, values: int, bits: int, base_pages: int, word_bits: int
) -> np.ndarray:
    """Sub-IDs (shape ``(len(ids), values)``) of ``uint64`` ids (no validation)."""
    return _mm_subids_kernel(
        np.ascontiguousarray(ids, dtype=np.uint64),
        int(values),
        int(bits),
        np.uint64(base_pages),
        word_mask(word_bits),
    )


def replay(*args) -> None:
    """Run the replay kernel on validated, correctly typed arrays."""
    _replay_kernel(*args)


def jit_enabled() -> bool:
    return not numba.config.DISABLE_JIT


# -- peer schemes replay -------------------------------------------------------

# scheme rows of the stats array, in this order
SCHEME_ROWS = ("legacy", "total-mapcount", "owner-counter", "mm-owner", "bit-counters", "rmap-id")
OP_MAP, OP_UNMAP, OP_FORK, OP_EXIT, OP_COW = 0, 1, 2, 3, 4


@njit(cache=True, nogil=True)
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True, inline="always")
def _event(
    f,
    m,
    c,
    page0,
    legacy,
    total,
    owner,
    others,
    slot_id,
    slot_cnt,
    bit,
    mo_total,
    bc_n,
    bc_bits,
    ids,
    id_bits,
    rv,
    rmc,
    subids,
    nv,
    mask,
    tcount,
    nmapping,
):
    """One signed map/unmap event of ``c`` mappings (``c < 0``: unmap) for
    dense mm ``m`` on folio ``f`` to every scheme; ``page0`` is +-1 or 0."""
    legacy[f] += page0
    total[f] += c
    # owner + counter
    if c > 0 and owner[f] < 0:
        owner[f] = m
    if m != owner[f]:
        others[f] += c
    # 6.15 MM-owner slots
    if c > 0:
        if slot_id[f, 0] == m + 1:
            slot_cnt[f, 0] += c
        elif slot_id[f, 1] == m + 1:
            slot_cnt[f, 1] += c
        elif slot_id[f, 0] == 0:
            slot_id[f, 0] = m + 1
            slot_cnt[f, 0] = c
            if mo_total[f] > 0:
                bit[f] = 1
        elif slot_id[f, 1] == 0:
            slot_id[f, 1] = m + 1
            slot_cnt[f, 1] = c
            if mo_total[f] > 0:
                bit[f] = 1
        mo_total[f] += c
    else:
        mo_total[f] += c
        check = True
        for s in range(2):
            if slot_id[f, s] == m + 1:
                slot_cnt[f, s] += c
                if slot_cnt[f, s] <= 0:
                    slot_id[f, s] = 0
                    slot_cnt[f, s] = 0
                else:
                    check = False
        if check:
            if slot_cnt[f, 0] == mo_total[f] or slot_cnt[f, 1] == mo_total[f]:
                bit[f] = 0
    # one counter per id bit
    bc_n[f] += c
    for b in range(id_bits):
        if (ids[m] >> b) & 1:
            bc_bits[f, b] += c
    # rmap IDs
    if c > 0:
        uc = np.uint64(c)
        for k in range(nv):
            rv[f, k] = (rv[f, k] + uc * subids[m, k]) & mask
    else:
        uc = np.uint64(-c)
        for k in range(nv):
            rv[f, k] = (rv[f, k] - uc * subids[m, k]) & mask
    rmc[f] += c
    # ground truth
    before = tcount[f, m]
    tcount[f, m] = before + c
    if before == 0 and c > 0:
        nmapping[f] += 1
    elif before + c == 0 and before > 0:
        nmapping[f] -= 1


@kernel(
    "void(int8[::1], int64[::1], int64[::1], int64[::1], int64[::1], int64, int64, int64[::1],"
    " int64, uint64[:, ::1], uint64, int64[:, ::1], int64[::1])"
)
def _schemes_kernel(
    kind, folio, mm, a, b, n_folios, order, ids, id_bits, subids, mask, stats, status
):
    """Replay a workload through every peer scheme at once (rows of
    ``SCHEME_ROWS``); ``stats[s] = (checks, false_exclusive, false_shared)``.
    ``status = (0, -1)`` on success, ``(code, op)`` on an invalid operation:
    1 pages out of range, 2 mapping a page the mm already maps, 3 bad kind."""
    P = np.int64(1) << order
    nw = (P + 63) // 64
    n_mm = ids.shape[0]
    nv = subids.shape[1]
    pages = np.zeros((n_folios, n_mm, nw), dtype=np.uint64)
    tcount = np.zeros((n_folios, n_mm), dtype=np.int64)
    nmapping = np.zeros(n_folios, dtype=np.int64)
    legacy = np.zeros(n_folios, dtype=np.int64)
    total = np.zeros(n_folios, dtype=np.int64)
    owner = np.full(n_folios, -1, dtype=np.int64)
    others = np.zeros(n_folios, dtype=np.int64)
    slot_id = np.zeros((n_folios, 2), dtype=np.int64)
    slot_cnt = np.zeros((n_folios, 2), dtype=np.int64)
    bit = np.zeros(n_folios, dtype=np.int64)
    mo_total = np.zeros(n_folios, dtype=np.int64)
    bc_n = np.zeros(n_folios, dtype=np.int64)
    bc_bits = np.zeros((n_folios, max(id_bits, 1)), dtype=np.int64)
    rv = np.zeros((n_folios, max(nv, 1)), dtype=np.uint64)
    rmc = np.zeros(n_folios, dtype=np.int64)
    rng = np.zeros(nw, dtype=np.uint64)
    ans = np.zeros(6, dtype=np.int64)
    status[0] = 0
    status[1] = -1
    for i in range(kind.shape[0]):
        op = kind[i]
        f = folio[i]
        m = mm[i]
        if op == 0 or op == 1:
            start = a[i]
            cnt = b[i]
            if start < 0 or cnt < 1 or start + cnt > P:
                status[0] = 1
                status[1] = i
                return
            for w in range(nw):
                rng[w] = _U0
            for p in range(start, start + cnt):
                rng[p >> 6] |= _U1 << np.uint64(p & 63)
            n = np.int64(0)
            for w in range(nw):
                if op == 0:
                    if (pages[f, m, w] & rng[w]) != _U0:
                        status[0] = 2
                        status[1] = i
                        return
                    pages[f, m, w] |= rng[w]
                    n += _popcount(rng[w])
                else:
                    hit = pages[f, m, w] & rng[w]
                    n += _popcount(hit)
                    rng[w] = hit
                    pages[f, m, w] &= ~hit
            if n == 0:
                continue
            p0 = np.int64(rng[0] & _U1)
            if op == 0:
                _event(
                    f,
                    m,
                    n,
                    p0,
                    legacy,
                    total,
                    owner,
                    others,
                    slot_id,
                    slot_cnt,
                    bit,
                    mo_total,
                    bc_n,
                    bc_bits,
                    ids,
                    id_bits,
                    rv,
                    rmc,
                    subids,
                    nv,
                    mask,
                    tcount,
                    nmapping,
                )
            else:
                _event(
                    f,
                    m,
                    -n,
                    -p0,
                    legacy,
                    total,
                    owner,
                    others,
                    slot_id,
                    slot_cnt,
                    bit,
                    mo_total,
                    bc_n,
                    bc_bits,
                    ids,
                    id_bits,
                    rv,
                    rmc,
                    subids,
                    nv,
                    mask,
                    tcount,
                    nmapping,
                )
        elif op == 2 or op == 3:
            child = a[i]
            for f2 in range(n_folios):
                n = tcount[f2, m]
                if n == 0:
                    continue
                p0 = np.int64(pages[f2, m, 0] & _U1)
                if op == 2:
                    for w in range(nw):
                        pages[f2, child, w] |= pages[f2, m, w]
                    _event(
                        f2,
                        child,
                        n,
                        p0,
                        legacy,
                        total,
                        owner,
                        others,
                        slot_id,
                        slot_cnt,
                        bit,
                        mo_total,
                        bc_n,
                        bc_bits,
                        ids,
                        id_bits,
                        rv,
                        rmc,
                        subids,
                        nv,
                        mask,
                        tcount,
                        nmapping,
                    )
                else:
                    for w in range(nw):
                        pages[f2, m, w] = _U0
                    _event(
                        f2,
                        m,
                        -n,
                        -p0,
                        legacy,
                        total,
                        owner,
                        others,
                        slot_id,
                        slot_cnt,
                        bit,
                        mo_total,
                        bc_n,
                        bc_bits,
                        ids,
                        id_bits,
                        rv,
                        rmc,
                        subids,
                        nv,
                        mask,
                        tcount,
                        nmapping,
                    )
        elif op == 4:
            pg = a[i]
            if ((pages[f, m, pg >> 6] >> np.uint64(pg & 63)) & _U1) == _U0:
                continue
            truly = nmapping[f] > 1
            ans[0] = 1 if legacy[f] > 1 else 0
            ans[1] = 1
            ans[2] = 0 if (m == owner[f] and others[f] == 0) else 1
            ans[3] = 0 if mo_total[f] <= 1 else bit[f]
            s = 0
            for bb in range(id_bits):
                want = bc_n[f] if (ids[m] >> bb) & 1 else 0
                if bc_bits[f, bb] != want:
                    s = 1
            ans[4] = s
            s = 0
            if rmc[f] > P:
                s = 1
            else:
                un = np.uint64(rmc[f])
                for k in range(nv):
                    if rv[f, k] != ((un * subids[m, k]) & mask):
                        s = 1
            ans[5] = s
            for r in range(6):
                stats[r, 0] += 1
                if ans[r] == 0 and truly:
                    stats[r, 1] += 1
                if ans[r] == 1 and not truly:
                    stats[r, 2] += 1
            if truly:
                pages[f, m, pg >> 6] &= ~(_U1 << np.uint64(pg & 63))
                p0 = np.int64(1) if pg == 0 else np.int64(0)
                _event(
                    f,
                    m,
                    -1,
                    -p0,
                    legacy,
                    total,
                    owner,
                    others,
                    slot_id,
                    slot_cnt,
                    bit,
                    mo_total,
                    bc_n,
                    bc_bits,
                    ids,
                    id_bits,
                    rv,
                    rmc,
                    subids,
                    nv,
                    mask,
                    tcount,
                    nmapping,
                )
        else:
            status[0] = 3
            status[1] = i
            return


def replay_schemes(*args) -> None:
    """Run :func:`_schemes_kernel` on validated, correctly typed arrays."""
    _schemes_kernel(*args)


# -- collision Monte Carlo ------------------------------------------------------

ENC_DIGITS, ENC_RAW, ENC_HASH = 0, 1, 2
POP_UNIFORM, POP_LOWEST_FREE, POP_FORK_TREE = 0, 1, 2
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, nogil=True)
def _mix64(z):
    """splitmix64's finaliser: the hash of the "random 64-bit sub-ID" encoding."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def _next(state):
    """splitmix64 step on a one-element uint64 array; returns 64 random bits."""
    state[0] = state[0] + _GOLDEN
    return _mix64(state[0])


@njit(cache=True, nogil=True)
def _below(state, k):
    """Uniform-ish integer in [0, k) (k < 2**32: modulo bias below 2**-32)."""
    return np.int64(_next(state) % np.uint64(k))


@njit(cache=True, nogil=True)
def _enc_subid(enc, mm_id, k, bits, base_pages, mask):
    uid = np.uint64(mm_id)
    if enc == 0:
        x = (uid >> np.uint64(k * bits)) & ((_U1 << np.uint64(bits)) - _U1)
        return _calc_subid(base_pages, x, mask)
    if enc == 1:
        return uid & mask
    return _mix64(uid + np.uint64(k) * _GOLDEN) & mask


@kernel(
    "int64[::1](int64, int64, int64, uint64, uint64, int64, int64, int64, int64, int64, int64, uint64)"
)
def _mc_kernel(enc, nv, bits, base_pages, mask, max_id, pop, m, n, pages, trials, seed):
    """Monte Carlo of false "exclusive" answers. Returns (hits, trials).

    One trial draws a population (victim X and the other mms with their
    mapping counts), then asks the check for X: false exclusive when at least
    two mms map, ``n <= pages`` and every value equals ``n * subid(X)``.
    Populations: 0 uniform (X uniform over ids, others i.i.d. uniform over ids
    != X, counts a uniform composition of n into m parts), 1 lowest-free (ids
    1..m, victim uniform among them), 2 fork tree (ids 1..m, each keeps a
    uniform 0..pages of its pages after random partial unmaps).
    """
    state = np.zeros(1, dtype=np.uint64)
    state[0] = seed
    ids = np.zeros(m, dtype=np.int64)
    cnt = np.zeros(m, dtype=np.int64)
    cuts = np.zeros(max(m - 1, 1), dtype=np.int64)
    acc = np.zeros(max(nv, 1), dtype=np.uint64)
    out = np.zeros(2, dtype=np.int64)
    for _t in range(trials):
        out[1] += 1
        if pop == 2:
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
            if pop == 1:
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


def monte_carlo(*args) -> np.ndarray:
    return _mc_kernel(*args)
