"""Race kernel family: the race model's breadth-first exploration on packed states.

Entry point: :func:`explore_packed` (numba). Its plain-Python twin is the
tuple explorer :func:`rmaplab.race.explore` with ``engine="python"``; the
two are compared state count for state count in ``tests/test_race_kernel.py``.

The packed state (one row of ``uint64`` words per state), its fields and
codes are :mod:`.race_fields`, re-exported here.

Seen states live in an open-addressing hash table (``int64`` indices into
the row array, FNV-1a over the row, linear probing, kept at most half
full). Rows are appended in the order they are first reached and expanded
in that order, skipping rows in which the reader has returned, which is the
tuple explorer's level-by-level order: the same parent of every state, hence
the same shortest schedules and the same first stuck state.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..race.codes import (
    ANS_EXCL,
    ANS_NONE,
    ANS_SHARED,
    R_BEGIN,
    R_DONE,
    R_N,
    R_RETRY,
    R_V,
    W_ADD,
    W_BODY,
    W_CAS,
    W_DONE,
    W_LOAD,
    W_SPIN,
    W_XBODY,
)
from ..race.mmowner import LOCK, SHARED_BIT, W_LOCK
from ._jit import kernel
from .race_fields import (
    _M_OP,
    _M_PC,
    _M_STAGE,
    _M_X,
    _MR_ALL_EX,
    _MR_ALL_SH,
    _MR_ANS,
    _MR_I,
    _MR_RN,
    _MR_STAGE,
    _MR_STARTED,
    _MR_XM,
    _N_BIAS,
    _R_ALL_EX,
    _R_ALL_SH,
    _R_ANS,
    _R_CLEAR,
    _R_I,
    _R_RN,
    _R_STAGE,
    _R_STARTED,
    _R_XM,
    _RN_BIAS,
    _U0,
    _U1,
    _W_CLEAR,
    _W_OP,
    _W_PC,
    _W_STAGE,
    _W_X,
    K_END,
    K_LOAD,
    K_STORE,
    P_MM_OWNER,
    P_NO_EXCL_WAIT,
    P_NO_WAIT,
    P_NONE,
    PROTOCOL_CODES,
    RN_BIAS,
    RN_SHIFT,
    STAMP,
    V_CORRECT,
    V_FALSE_EXCL,
    V_FALSE_SHARED,
    V_OPEN,
    V_OUTSIDE,
    W_BITS,
    PackedInputs,
    pack_limits,
)

# RN_*: also read through this module (rmaplab.race.explore)
__all__ = ["RN_BIAS", "RN_SHIFT", "PackedInputs", "explore_packed", "pack_limits"]


@njit(cache=True, nogil=True)
def _hash(rows, r, width):
    h = np.uint64(14695981039346656037)
    for j in range(width):
        h = (h ^ rows[r, j]) * np.uint64(1099511628211)
    return h ^ (h >> np.uint64(29))


@njit(cache=True, nogil=True, inline="always")
def _key(small, nw, init_stage, nops, radix):
    key = 0
    for w in range(nw):
        sh = np.uint64(W_BITS * w)
        op = np.int64((small >> (sh + _W_OP)) & _M_OP)
        st = np.int64((small >> (sh + _W_STAGE)) & _M_STAGE)
        pc = np.int64((small >> (sh + _W_PC)) & _M_PC)
        fly = 1 if st != W_DONE and (st != init_stage or pc != 0) else 0
        key += (op * 2 + fly) * radix[w]
    return key


_SIG = (
    "Tuple((uint64[:, ::1], int64[::1], int8[:, ::1], int64[::1]))("
    "int64[::1], uint64[::1], uint64[::1], int64[:, ::1], int64[:, ::1], int64[::1], "
    "int64[:, :, :, ::1], int64[:, :, :, ::1], uint64[:, :, :, ::1], int64[:, :, ::1], "
    "uint64[::1], int8[:, ::1], int64[::1])"
)


_GROW_ROWS, _GROW_TABLE, _GROW_STUCK, _DONE = 1, 2, 3, 0
# the search's state, returned as ``info``: states, complete, stuck states,
# the table's stamp, the next row to expand, the row, CPU and successors to
# resume at (row -1: none), then the stuck states
_ST_STUCK = 8


@njit(cache=True, nogil=True)
def _rehash(rows, count, table):
    tm = np.uint64(table.shape[0] - 1)
    width = rows.shape[1]
    for idx in range(count):
        h = np.int64(_hash(rows, idx, width) & tm)
        while table[h] >= 0:
            h = (h + 1) & (table.shape[0] - 1)
        table[h] = idx


@njit(cache=True, nogil=True)
def _search(model, bufs, st):
    """Expand rows from where ``st`` says until the search ends or the row
    buffers, the hash table or the stuck list is full; returns ``_DONE`` or
    which one to grow, with ``st`` updated. No array is assigned in here:
    numba counts references to an array variable assigned in a loop on every
    pass (atomic increments: a third of the time, before this was split)."""
    ints, words, op_mm, op_c, nops, pkind, ptgt, pdelta, plen, xsub, truth, radix = model
    rows, parent, pv, table, new = bufs
    proto = ints[0]
    nw = ints[1]
    k = ints[2]
    init_stage = ints[3]
    pages = np.uint64(ints[4])
    max_states = ints[5]
    excl = words[0]
    wmask = words[1]
    seq_step = words[2]
    word_mask = words[3]
    mask = words[4]
    width = rows.shape[1]
    c_reg = 2 + k
    c_rs = 2 + k + nw
    c_small = 3 + k + nw
    mm_owner = proto == P_MM_OWNER
    cap = rows.shape[0]
    tsize = table.shape[0]
    tm = np.uint64(tsize - 1)
    count = st[0]
    nstuck = st[2]
    head = st[4]
    cur = st[5]
    cpu0 = st[6]
    nsucc = st[7]
    resume = cur >= 0
    status = _DONE
    while True:
        if resume:
            resume = False
        else:
            if head >= count:
                break
            cur = head
            head += 1
            if pv[cur, 1] != V_OPEN:
                continue  # the reader has returned: nothing after changes the verdict
            cpu0 = 0
            nsucc = 0
        ucur = np.uint64(cur)
        for cpu in range(cpu0, nw + 1):
            for j in range(width):
                new[j] = rows[ucur, j]
            small = new[c_small]
            rstage = np.int64((small >> _R_STAGE) & _MR_STAGE)
            ri = np.int64((small >> _R_I) & _MR_I)
            ans = np.int64((small >> _R_ANS) & _MR_ANS)
            started = np.int64((small >> _R_STARTED) & _MR_STARTED)
            all_sh = np.int64((small >> _R_ALL_SH) & _MR_ALL_SH)
            all_ex = np.int64((small >> _R_ALL_EX) & _MR_ALL_EX)
            xm = np.int64((small >> _R_XM) & _MR_XM)
            rn = (small >> _R_RN) & _MR_RN
            rs = new[c_rs]
            seq = new[0]
            if cpu < nw:
                sh = np.uint64(W_BITS * cpu)
                op = np.int64((small >> (sh + _W_OP)) & _M_OP)
                stage = np.int64((small >> (sh + _W_STAGE)) & _M_STAGE)
                pc = np.int64((small >> (sh + _W_PC)) & _M_PC)
                xb = np.int64((small >> (sh + _W_X)) & _M_X)
                reg = new[c_reg + cpu]
                if stage == W_DONE:
                    continue
                op0 = op
                pc0 = pc
                stage0 = stage
                if mm_owner:
                    c = op_c[cpu, op]
                    if stage == W_LOCK:
                        if seq & np.uint64(LOCK):
                            continue  # spinning on the bit lock
                        seq |= np.uint64(LOCK)
                        stage = W_BODY
                        pc = 0
                    elif pc == 0:
                        new[1] = np.uint64(np.int64(new[1]) + c)
                        pc = 1
                    elif pc == 1:
                        mm = op_mm[cpu, op]
                        total = np.int64(new[1] - _N_BIAS)
                        shared = (seq & np.uint64(SHARED_BIT)) != _U0
                        i0 = np.int64(new[2])
                        c0 = np.int64(new[3])
                        i1 = np.int64(new[4])
                        c1 = np.int64(new[5])
                        if c > 0:
                            if i0 == mm:
                                c0 += c
                            elif i1 == mm:
                                c1 += c
                            elif i0 == 0:
                                i0 = mm
                                c0 = c
                                shared = shared or total != c
                            elif i1 == 0:
                                i1 = mm
                                c1 = c
                                shared = True
                        else:
                            kept = False
                            if i0 == mm:
                                c0 += c
                                if c0 > 0:
                                    kept = True
                                else:
                                    i0 = 0
                                    c0 = 0
                            elif i1 == mm:
                                c1 += c
                                if c1 > 0:
                                    kept = True
                                else:
                                    i1 = 0
                                    c1 = 0
                            if not kept and (c0 == total or c1 == total):
                                shared = False
                        new[2] = np.uint64(i0)
                        new[3] = np.uint64(c0)
                        new[4] = np.uint64(i1)
                        new[5] = np.uint64(c1)
                        seq &= ~np.uint64(SHARED_BIT)
                        if shared:
                            seq |= np.uint64(SHARED_BIT)
                        pc = 2
                    else:
                        seq &= ~np.uint64(LOCK)
                        op += 1
                        stage = W_DONE if op == nops[cpu] else W_LOCK
                        pc = 0
                    fold = stage0 == W_LOCK or op != op0 or stage == W_DONE
                else:
                    if stage == W_LOAD:
                        if seq & wmask:
                            stage = W_ADD
                            reg = _U0
                        else:
                            stage = W_CAS
                            reg = seq
                        pc = 0
                        xb = 0
                    elif stage == W_CAS:
                        if seq == reg:
                            seq = seq | excl
                            stage = W_XBODY
                            xb = 1
                        else:
                            stage = W_ADD
                            xb = 0
                        pc = 0
                        reg = _U0
                    elif stage == W_ADD:
                        seq = (seq + _U1) & word_mask
                        stage = W_BODY if proto == P_NO_EXCL_WAIT else W_SPIN
                        pc = 0
                        reg = _U0
                        xb = 0
                    elif stage == W_SPIN:
                        if seq & excl:
                            continue  # spinning on the exclusive writer
                        stage = W_BODY
                        pc = 0
                        reg = _U0
                        xb = 0
                    else:
                        side = 1 if stage == W_XBODY else 0
                        kind = pkind[cpu, side, op, pc]
                        t = ptgt[cpu, side, op, pc]
                        d = pdelta[cpu, side, op, pc]
                        if kind == K_END:
                            seq = (seq + seq_step - d) & word_mask
                        elif kind == K_LOAD:
                            reg = new[1] if t < 0 else new[2 + t]
                        else:
                            if t < 0:
                                base = reg if kind == K_STORE else new[1]
                                new[1] = base + d
                            else:
                                base = reg if kind == K_STORE else new[2 + t]
                                new[2 + t] = (base + d) & mask
                            reg = _U0
                        pc += 1
                        if pc == plen[cpu, side, op]:
                            op += 1
                            stage = W_DONE if op == nops[cpu] else init_stage
                            pc = 0
                            reg = _U0
                            xb = 0
                    fold = (stage0 == init_stage and pc0 == 0) or op != op0
                new[c_reg + cpu] = reg
                small &= ~(_W_CLEAR << sh)
                small |= (
                    (np.uint64(op) << _W_OP)
                    | (np.uint64(stage) << _W_STAGE)
                    | (np.uint64(pc) << _W_PC)
                    | (np.uint64(xb) << _W_X)
                ) << sh
                if fold and started == 1 and rstage != R_DONE:
                    key = _key(small, nw, init_stage, nops, radix)
                    if truth[key, 0] == 0:
                        all_sh = 0
                    if truth[key, 1] != 0:
                        all_ex = 0
                    if mm_owner and truth[key, 2] == 0:
                        xm = 0
            else:
                if rstage == R_DONE:
                    continue
                started0 = started
                if started == 0:
                    key = _key(small, nw, init_stage, nops, radix)
                    started = 1
                    all_sh = 1 if truth[key, 0] != 0 else 0
                    all_ex = 0 if truth[key, 1] != 0 else 1
                    if mm_owner:
                        xm = 1 if truth[key, 2] != 0 else 0
                n_b = new[1]
                if mm_owner:
                    if rstage == R_N:
                        rn = n_b - _N_BIAS + _RN_BIAS
                        if n_b <= _N_BIAS + _U1:
                            rstage = R_DONE
                            ans = ANS_EXCL
                        else:
                            rstage = R_V
                            ans = ANS_NONE
                        ri = 0
                        rs = _U0
                    else:
                        ans = ANS_SHARED if seq & np.uint64(SHARED_BIT) else ANS_EXCL
                        rstage = R_DONE
                        ri = 0
                        rs = _U0
                elif rstage == R_BEGIN:
                    if (seq & wmask) != _U0 and proto != P_NO_WAIT:
                        if started0 != 0:
                            continue  # spinning: nothing changes
                        # the call's first step starts the read even if it spins
                    else:
                        rstage = R_N
                        ri = 0
                        rs = seq
                        rn = _RN_BIAS
                        ans = ANS_NONE
                elif rstage == R_N:
                    rn = n_b - _N_BIAS + _RN_BIAS
                    rstage = R_DONE if n_b > _N_BIAS + pages else R_V
                    ans = ANS_SHARED if rstage == R_DONE else ANS_NONE
                    ri = 0
                elif rstage == R_V:
                    want = ((rn - _RN_BIAS) * xsub[ri]) & mask
                    if new[2 + ri] != want:
                        a = ANS_SHARED
                    elif ri + 1 == k:
                        a = ANS_EXCL
                    else:
                        a = ANS_NONE
                    if a == ANS_NONE:
                        ri += 1
                    else:
                        rstage = R_DONE if proto == P_NONE else R_RETRY
                        ri = 0
                    ans = a
                else:  # R_RETRY
                    if seq == rs:
                        rstage = R_DONE
                    else:
                        rstage = R_BEGIN
                        rs = _U0
                        rn = _RN_BIAS
                        ans = ANS_NONE
                    ri = 0
            new[0] = seq
            new[c_rs] = rs
            small &= _R_CLEAR
            small |= (
                (np.uint64(rstage) << _R_STAGE)
                | (np.uint64(ri) << _R_I)
                | (np.uint64(ans) << _R_ANS)
                | (np.uint64(started) << _R_STARTED)
                | (np.uint64(all_sh) << _R_ALL_SH)
                | (np.uint64(all_ex) << _R_ALL_EX)
                | (np.uint64(xm) << _R_XM)
                | (rn << _R_RN)
            )
            new[c_small] = small
            same = True
            for j in range(width):
                if new[j] != rows[ucur, j]:
                    same = False
                    break
            if same:
                continue
            nsucc += 1
            # look the row up; `count` is a free slot to hash it from
            if count == cap:
                status = _GROW_ROWS
                cpu0 = cpu
                nsucc -= 1
                break
            ucount = np.uint64(count)
            for j in range(width):
                rows[ucount, j] = new[j]
            # unsigned slot and row numbers: numba adds no negative-index wrap
            h = _hash(rows, count, width) & tm
            seen = False
            while table[h] >= 0:
                idx = np.uint64(table[h])
                eq = True
                for j in range(width):
                    if rows[idx, j] != new[j]:
                        eq = False
                        break
                if eq:
                    seen = True
                    break
                h = (h + _U1) & tm
            if seen:
                continue
            table[h] = count
            parent[count] = cur
            pv[count, 0] = cpu
            v = V_OPEN
            if rstage == R_DONE:
                if mm_owner and ans == ANS_EXCL and all_sh == 1 and xm == 0:
                    v = V_OUTSIDE
                elif ans == ANS_EXCL and all_sh == 1:
                    v = V_FALSE_EXCL
                elif ans == ANS_SHARED and all_ex == 1:
                    v = V_FALSE_SHARED
                else:
                    v = V_CORRECT
            pv[count, 1] = v
            count += 1
            if count >= max_states:
                st[1] = 0
                break
            if 2 * count > tsize:
                status = _GROW_TABLE
                cpu0 = cpu + 1
                break
        if status != _DONE:
            break
        if st[1] == 0:
            break
        if nsucc == 0:
            if _ST_STUCK + nstuck == st.shape[0]:
                status = _GROW_STUCK
                cpu0 = nw + 1
                break
            st[_ST_STUCK + nstuck] = cur
            nstuck += 1
    st[0] = count
    st[2] = nstuck
    st[4] = head
    st[5] = cur if status != _DONE else -1
    st[6] = cpu0
    st[7] = nsucc
    return status


@kernel(_SIG)
def _explore_kernel(
    ints, words, init, op_mm, op_c, nops, pkind, ptgt, pdelta, plen, xsub, truth, radix
):
    """Breadth-first search over packed states; returns ``(rows, parent, pv,
    info)``: the rows, each row's parent, ``pv[:, 0]`` the CPU that moved
    into it and ``pv[:, 1]`` its verdict, and ``info`` (``st`` of
    :func:`_search`); the buffers are longer than ``info[0]`` rows. They grow
    here, between calls of :func:`_search`, where ``benchmarks/c/race.c``
    grows its own."""
    model = (ints, words, op_mm, op_c, nops, pkind, ptgt, pdelta, plen, xsub, truth, radix)
    width = init.shape[0]
    rows = np.empty((1024, width), dtype=np.uint64)
    parent = np.empty(1024, dtype=np.int64)
    pv = np.empty((1024, 2), dtype=np.int8)
    table = np.full(2048, -1, dtype=np.int64)
    new = np.empty(width, dtype=np.uint64)
    # room for 4 stuck states, small on purpose: the growth path runs in tests
    st = np.zeros(_ST_STUCK + 4, dtype=np.int64)
    st[0] = 1
    st[1] = 1
    st[3] = STAMP
    st[5] = -1
    for j in range(width):
        rows[0, j] = init[j]
    parent[0] = -1
    pv[0, 0] = -1
    pv[0, 1] = V_OPEN
    table[np.int64(_hash(rows, 0, width) & np.uint64(table.shape[0] - 1))] = 0
    while True:
        status = _search(model, (rows, parent, pv, table, new), st)
        if status == _DONE:
            break
        count = st[0]
        if status == _GROW_ROWS:
            rows2 = np.empty((2 * rows.shape[0], width), dtype=np.uint64)
            rows2[:count] = rows[:count]
            rows = rows2
            parent2 = np.empty(rows.shape[0], dtype=np.int64)
            parent2[:count] = parent[:count]
            parent = parent2
            pv2 = np.empty((rows.shape[0], 2), dtype=np.int8)
            pv2[:count] = pv[:count]
            pv = pv2
        elif status == _GROW_TABLE:
            table = np.full(2 * table.shape[0], -1, dtype=np.int64)
            _rehash(rows, count, table)
        else:
            st2 = np.empty(2 * st.shape[0] - _ST_STUCK, dtype=np.int64)
            st2[: st.shape[0]] = st
            st = st2
    return rows, parent, pv, st


def explore_packed(inp: PackedInputs) -> tuple:
    """Validate the arrays and run the kernel: ``(rows, parent, parent_cpu,
    verdict, stuck)`` cut to length, and ``complete``."""
    nw, k = int(inp.ints[1]), int(inp.ints[2])
    width = 4 + k + nw
    if inp.ints.shape != (7,) or inp.words.shape != (5,) or inp.init.shape != (width,):
        raise ValueError(f"packed inputs: ints[7], words[5], init[{width}] expected")
    if int(inp.ints[0]) not in PROTOCOL_CODES.values():
        raise ValueError(f"protocol code={int(inp.ints[0])}: allowed 0..5")
    if int(inp.ints[5]) < 1:
        raise ValueError(f"max_states={int(inp.ints[5])}: allowed >= 1")
    if inp.xsub.shape != (k,) or inp.radix.shape != (nw,) or inp.nops.shape != (nw,):
        raise ValueError("packed inputs: xsub[K], radix[W], nops[W] expected")
    nops = [int(x) for x in inp.nops]
    plens = [int(x) for x in inp.plen.ravel()]
    pack_limits(nw, k, nops, plens, int(inp.ints[6]))
    keys = int(np.prod([2 * (n + 1) for n in nops]))
    if inp.truth.shape != (keys, 3):
        raise ValueError(f"truth table: shape ({keys}, 3) expected, got {inp.truth.shape}")
    rows, parent, pv, info = _explore_kernel(*inp)
    if int(info[3]) != STAMP:
        raise RuntimeError(
            "the cached race kernel was compiled for other packed fields or codes "
            "(race_fields.STAMP): delete rmaplab/_kernels/__pycache__/race.* and run again"
        )
    n, complete, ns = int(info[0]), bool(info[1]), int(info[2])
    return rows[:n], parent[:n], pv[:n, 0], pv[:n, 1], info[_ST_STUCK : _ST_STUCK + ns], complete
