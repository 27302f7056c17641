"""Scheme-replay kernel family: one workload through every peer scheme at once.

Entry point: :func:`replay_all_schemes` (numba). Its plain-Python twin is
:func:`rmaplab.compare.replay_schemes_python`, which replays the same
operations through the scheme objects of :mod:`rmaplab.schemes` (Python
ints); tests require the same counters.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types

from ._jit import kernel
from .codes import (
    COL_CHECKS,
    COL_FALSE_EXCLUSIVE,
    COL_FALSE_SHARED,
    N_SCHEMES,
    OP_COW,
    OP_EXIT,
    OP_FORK,
    OP_MAP,
    OP_UNMAP,
    ROW_BIT_COUNTERS,
    ROW_LEGACY,
    ROW_MM_OWNER,
    ROW_OWNER_COUNTER,
    ROW_TOTAL_MAPCOUNT,
    STATUS_ALREADY_MAPPED,
    STATUS_BAD_KIND,
    STATUS_OK,
    STATUS_PAGES_OUT_OF_RANGE,
)

__all__ = ["SchemesInputs", "SchemesResult", "SchemesState", "replay_all_schemes"]

_U0 = np.uint64(0)
_U1 = np.uint64(1)

#: Largest page bitmap (folios * mms * 64-page words) a replay may allocate.
MAX_PAGE_CELLS = 1 << 27


class SchemesInputs(NamedTuple):
    """A workload as arrays (see :func:`rmaplab.compare.ops_to_arrays`).

    Op ``i`` is ``kind[i]`` (``OP_*``) on folio ``folio[i]`` by dense mm
    ``mm[i]`` with arguments ``a[i]``, ``b[i]`` (map/unmap: first page and
    count; fork: the child's dense index; cow: the page). Dense mm ``j`` has
    rmap ID ``ids[j]`` and sub-IDs ``subids[j]``.
    """

    kind: np.ndarray  # int8[n_ops]
    folio: np.ndarray  # int64[n_ops]
    mm: np.ndarray  # int64[n_ops]
    a: np.ndarray  # int64[n_ops]
    b: np.ndarray  # int64[n_ops]
    ids: np.ndarray  # int64[n_mms]
    subids: np.ndarray  # uint64[n_mms, K]
    n_folios: int
    order: int
    id_bits: int
    mask: np.uint64  # 2**word_bits - 1


class SchemesState(NamedTuple):
    """Per-folio state of every scheme (and of the ground truth)."""

    pages: np.ndarray  # uint64[folios, mms, words]: the truth's page bitmaps
    tcount: np.ndarray  # int64[folios, mms]: the truth's mappings per mm
    nmapping: np.ndarray  # int64[folios]: mms with a mapping
    legacy: np.ndarray  # int64[folios]: page 0's mapcount
    total: np.ndarray  # int64[folios]: total mapcount
    owner: np.ndarray  # int64[folios]: owner-counter's owner (-1 none)
    others: np.ndarray  # int64[folios]: mappings by mms other than the owner
    slot_id: np.ndarray  # int64[folios, 2]: 6.15 mm-owner slots (mm + 1, 0 free)
    slot_cnt: np.ndarray  # int64[folios, 2]
    bit: np.ndarray  # int64[folios]: the "maybe shared" bit
    mo_total: np.ndarray  # int64[folios]: mm-owner's total
    bc_n: np.ndarray  # int64[folios]: bit-counters' total
    bc_bits: np.ndarray  # int64[folios, id_bits]: one counter per id bit
    rv: np.ndarray  # uint64[folios, K]: rmap values
    rmc: np.ndarray  # int64[folios]: the rmap-id scheme's mapcount


class SchemesResult(NamedTuple):
    stats: np.ndarray  # int64[N_SCHEMES, 3]: checks, false exclusive, false shared
    status: int  # STATUS_OK or the STATUS_* of the first invalid op
    bad_op: int  # index of that op, -1 if none


_I1 = types.int64[::1]
_I2 = types.int64[:, ::1]


def _sig():
    inputs = types.NamedTuple(
        (
            types.int8[::1],
            _I1,
            _I1,
            _I1,
            _I1,
            _I1,
            types.uint64[:, ::1],
            types.int64,
            types.int64,
            types.int64,
            types.uint64,
        ),
        SchemesInputs,
    )
    u3, u2 = types.uint64[:, :, ::1], types.uint64[:, ::1]
    fields = (u3, _I2, _I1, _I1, _I1, _I1, _I1, _I2, _I2, _I1, _I1, _I1, _I2, u2, _I1)
    state = types.NamedTuple(fields, SchemesState)
    return types.void(inputs, state, _I2, _I1)


@njit(cache=True, nogil=True)
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True)
def _event(inp, st, f, m, c, page0):
    """One signed map/unmap event of ``c`` mappings (``c < 0``: unmap) for
    dense mm ``m`` on folio ``f`` to every scheme; ``page0`` is +-1 or 0."""
    st.legacy[f] += page0
    st.total[f] += c
    # owner + counter
    if c > 0 and st.owner[f] < 0:
        st.owner[f] = m
    if m != st.owner[f]:
        st.others[f] += c
    # 6.15 MM-owner slots
    sid = st.slot_id[f]
    scnt = st.slot_cnt[f]
    if c > 0:
        if sid[0] == m + 1:
            scnt[0] += c
        elif sid[1] == m + 1:
            scnt[1] += c
        elif sid[0] == 0:
            sid[0] = m + 1
            scnt[0] = c
            if st.mo_total[f] > 0:
                st.bit[f] = 1
        elif sid[1] == 0:
            sid[1] = m + 1
            scnt[1] = c
            if st.mo_total[f] > 0:
                st.bit[f] = 1
        st.mo_total[f] += c
    else:
        st.mo_total[f] += c
        check = True
        for s in range(2):
            if sid[s] == m + 1:
                scnt[s] += c
                if scnt[s] <= 0:
                    sid[s] = 0
                    scnt[s] = 0
                else:
                    check = False
        if check:
            if scnt[0] == st.mo_total[f] or scnt[1] == st.mo_total[f]:
                st.bit[f] = 0
    # one counter per id bit
    st.bc_n[f] += c
    bcb = st.bc_bits[f]
    idm = inp.ids[m]
    for b in range(inp.id_bits):
        if (idm >> b) & 1:
            bcb[b] += c
    # rmap IDs
    rv = st.rv[f]
    sub = inp.subids[m]
    mask = inp.mask
    if c > 0:
        uc = np.uint64(c)
        for k in range(sub.shape[0]):
            rv[k] = (rv[k] + uc * sub[k]) & mask
    else:
        uc = np.uint64(-c)
        for k in range(sub.shape[0]):
            rv[k] = (rv[k] - uc * sub[k]) & mask
    st.rmc[f] += c
    # ground truth
    before = st.tcount[f, m]
    st.tcount[f, m] = before + c
    if before == 0 and c > 0:
        st.nmapping[f] += 1
    elif before + c == 0 and before > 0:
        st.nmapping[f] -= 1


@njit(cache=True, nogil=True)
def _cow(inp, st, stats, f, m, pg, P):
    """A write fault of dense mm ``m`` on page ``pg`` of folio ``f``: every
    scheme answers, the truth scores them, and a truly shared page is copied."""
    pm = st.pages[f, m]
    if ((pm[pg >> 6] >> np.uint64(pg & 63)) & _U1) == _U0:
        return  # the page was copied or unmapped earlier: no fault on this folio
    truly = st.nmapping[f] > 1
    for r in range(N_SCHEMES):
        if r == ROW_LEGACY:
            shared = st.legacy[f] > 1
        elif r == ROW_TOTAL_MAPCOUNT:
            shared = True
        elif r == ROW_OWNER_COUNTER:
            shared = not (m == st.owner[f] and st.others[f] == 0)
        elif r == ROW_MM_OWNER:
            shared = st.mo_total[f] > 1 and st.bit[f] != 0
        elif r == ROW_BIT_COUNTERS:
            shared = False
            idm = inp.ids[m]
            bcb = st.bc_bits[f]
            for bb in range(inp.id_bits):
                want = st.bc_n[f] if (idm >> bb) & 1 else 0
                if bcb[bb] != want:
                    shared = True
        else:  # ROW_RMAP_ID: __folio_large_mapped_shared
            shared = False
            if st.rmc[f] > P:
                shared = True
            else:
                un = np.uint64(st.rmc[f])
                rv = st.rv[f]
                sub = inp.subids[m]
                for k in range(sub.shape[0]):
                    if rv[k] != ((un * sub[k]) & inp.mask):
                        shared = True
        stats[r, COL_CHECKS] += 1
        if not shared and truly:
            stats[r, COL_FALSE_EXCLUSIVE] += 1
        if shared and not truly:
            stats[r, COL_FALSE_SHARED] += 1
    if truly:
        pm[pg >> 6] &= ~(_U1 << np.uint64(pg & 63))
        _event(inp, st, f, m, -1, -1 if pg == 0 else 0)


@kernel(_sig)
def _schemes_kernel(inp, st, stats, status):
    """Replay a workload through every peer scheme at once (rows of
    ``SCHEME_ROWS``); ``stats[s] = (checks, false_exclusive, false_shared)``.
    ``status = (STATUS_OK, -1)`` on success, ``(code, op)`` on an invalid
    operation."""
    P = np.int64(1) << inp.order
    nw = st.pages.shape[2]
    rng = np.zeros(nw, dtype=np.uint64)
    status[0] = STATUS_OK
    status[1] = -1
    for i in range(inp.kind.shape[0]):
        op = inp.kind[i]
        f = inp.folio[i]
        m = inp.mm[i]
        if op == OP_MAP or op == OP_UNMAP:
            start = inp.a[i]
            cnt = inp.b[i]
            if start < 0 or cnt < 1 or start + cnt > P:
                status[0] = STATUS_PAGES_OUT_OF_RANGE
                status[1] = i
                return
            for w in range(nw):
                rng[w] = _U0
            for p in range(start, start + cnt):
                rng[p >> 6] |= _U1 << np.uint64(p & 63)
            pm = st.pages[f, m]
            n = np.int64(0)
            for w in range(nw):
                if op == OP_MAP:
                    if (pm[w] & rng[w]) != _U0:
                        status[0] = STATUS_ALREADY_MAPPED
                        status[1] = i
                        return
                    pm[w] |= rng[w]
                    n += _popcount(rng[w])
                else:
                    hit = pm[w] & rng[w]
                    n += _popcount(hit)
                    rng[w] = hit
                    pm[w] &= ~hit
            if n == 0:
                continue
            p0 = np.int64(rng[0] & _U1)
            if op == OP_MAP:
                _event(inp, st, f, m, n, p0)
            else:
                _event(inp, st, f, m, -n, -p0)
        elif op == OP_FORK or op == OP_EXIT:
            child = inp.a[i]
            for f2 in range(inp.n_folios):
                n = st.tcount[f2, m]
                if n == 0:
                    continue
                pm = st.pages[f2, m]
                p0 = np.int64(pm[0] & _U1)
                if op == OP_FORK:
                    pc = st.pages[f2, child]
                    for w in range(nw):
                        pc[w] |= pm[w]
                    _event(inp, st, f2, child, n, p0)
                else:
                    for w in range(nw):
                        pm[w] = _U0
                    _event(inp, st, f2, m, -n, -p0)
        elif op == OP_COW:
            _cow(inp, st, stats, f, m, inp.a[i], P)
        else:
            status[0] = STATUS_BAD_KIND
            status[1] = i
            return


def new_state(inp: SchemesInputs) -> SchemesState:
    """Empty folios for :func:`_schemes_kernel` (owners -1, everything else 0)."""
    nf, n_mm = int(inp.n_folios), inp.ids.shape[0]
    nw = ((1 << int(inp.order)) + 63) // 64

    def z(*shape, dtype=np.int64):
        return np.zeros(shape, dtype=dtype)

    return SchemesState(
        pages=z(nf, n_mm, nw, dtype=np.uint64),
        tcount=z(nf, n_mm),
        nmapping=z(nf),
        legacy=z(nf),
        total=z(nf),
        owner=np.full(nf, -1, dtype=np.int64),
        others=z(nf),
        slot_id=z(nf, 2),
        slot_cnt=z(nf, 2),
        bit=z(nf),
        mo_total=z(nf),
        bc_n=z(nf),
        bc_bits=z(nf, max(int(inp.id_bits), 1)),
        rv=z(nf, inp.subids.shape[1], dtype=np.uint64),
        rmc=z(nf),
    )


def convert(inp: SchemesInputs) -> SchemesInputs:
    """Cast and check ``inp`` for the kernel, which indexes without bounds
    checks: every folio, mm and child index is refused here if out of range."""
    c = SchemesInputs(
        np.ascontiguousarray(inp.kind, dtype=np.int8),
        *(np.ascontiguousarray(x, dtype=np.int64) for x in inp[1:6]),
        np.ascontiguousarray(inp.subids, dtype=np.uint64).reshape(len(inp.ids), -1),
        np.int64(inp.n_folios),
        np.int64(inp.order),
        np.int64(inp.id_bits),
        np.uint64(inp.mask),
    )
    n, n_mm = c.kind.shape[0], c.ids.shape[0]
    if any(x.shape != (n,) for x in c[1:5]):
        raise ValueError(f"kind, folio, mm, a, b must all have {n} entries")
    if not 0 <= c.order <= 30 or not 0 <= c.id_bits <= 63 or c.n_folios < 1:
        raise ValueError(f"order={c.order}, id_bits={c.id_bits}, n_folios={c.n_folios}")
    nw = ((1 << int(c.order)) + 63) // 64
    if int(c.n_folios) * max(n_mm, 1) * nw > MAX_PAGE_CELLS:
        raise ValueError(
            f"folios * mms * words = {int(c.n_folios) * n_mm * nw} is too large: "
            f"allowed <= {MAX_PAGE_CELLS}"
        )
    if n:
        fork = c.kind == OP_FORK
        cow = c.kind == OP_COW
        for name, x, hi in (
            ("folio", c.folio, c.n_folios - 1),
            ("mm", c.mm, n_mm - 1),
            ("fork child", c.a[fork], n_mm - 1),
            ("cow page", c.a[cow], (1 << int(c.order)) - 1),
        ):
            if x.size and (int(x.min()) < 0 or int(x.max()) > hi):
                raise ValueError(f"{name} holds values outside the allowed range [0, {hi}]")
    return c


def replay_all_schemes(inp: SchemesInputs) -> SchemesResult:
    """Replay ``inp`` from empty folios through every scheme (rows
    ``SCHEME_ROWS``); the first invalid map/unmap stops it with its status."""
    c = convert(inp)
    stats = np.zeros((N_SCHEMES, 3), dtype=np.int64)
    status = np.zeros(2, dtype=np.int64)
    _schemes_kernel(c, new_state(c), stats, status)
    return SchemesResult(stats, int(status[0]), int(status[1]))
