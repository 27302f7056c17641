"""The race model as arrays for the packed-state kernel, and states to rows and back.

:func:`packed_inputs` turns a :class:`~.model.Model` into the arrays
:func:`rmaplab._kernels.race.explore_packed` runs on (programs, ops, the
ground-truth table, the initial state packed); :func:`pack` and
:func:`unpack` convert one tuple state to its row and back (the row layout
and bit widths are documented in :mod:`rmaplab._kernels.race_fields`). The
kernel's fields module is imported only here and only when called, so
importing the race package loads neither it nor numba.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .codes import MAPCOUNT, W_BODY, W_DONE, W_XBODY
from .layout import READER_FIELDS, WRITER_FIELDS, field_shifts
from .model import Model

__all__ = ["fits", "pack", "packed_inputs", "unpack"]

_KINDS = {"add": 0, "load": 1, "store": 2, "end": 3}
_M64 = (1 << 64) - 1
_WF = field_shifts(WRITER_FIELDS)
_RF = field_shifts(READER_FIELDS)


def _put(fields: dict[str, tuple[int, int]], **values: int) -> int:
    """``values`` packed at their fields' places (each must fit its width)."""
    out = 0
    for name, v in values.items():
        sh, bits = fields[name]
        if not 0 <= v < 1 << bits:
            raise ValueError(
                f"{name}={v} does not fit the packed state: allowed [0, {(1 << bits) - 1}]"
            )
        out |= v << sh
    return out


def _get(fields: dict[str, tuple[int, int]], word: int, name: str) -> int:
    sh, bits = fields[name]
    return word >> sh & ((1 << bits) - 1)


def _kmod() -> Any:
    from .._kernels import race_fields as kr

    return kr


def _n_bound(model: Model) -> int:
    # every mapcount is a sum of the initial count and some of the op deltas
    sc = model.scenario
    return sum(abs(c) for _m, c in sc.mapped) + sum(abs(c) for ops in sc.writers for _m, c in ops)


def _check(model: Model) -> None:
    kr = _kmod()
    if model.loop:
        raise ValueError("loop=True (the starvation check) is not packed: allowed loop=False")
    if model.mask > _M64 or model.word_mask > _M64:
        raise ValueError("words wider than 64 bits are not packed: allowed <= 64")
    plens = [len(p) for progs in (model.shared_prog, model.excl_prog) for w in progs for p in w]
    kr.pack_limits(
        len(model.scenario.writers),
        model.k,
        [len(ops) for ops in model.scenario.writers],
        plens,
        _n_bound(model),
    )


def fits(model: Model) -> bool:
    """Whether every field of ``model``'s states fits the packed widths."""
    try:
        _check(model)
    except ValueError:
        return False
    return True


def _loaded_mapcount(model: Model, w: int, op: int, stage: int, pc: int) -> bool:
    """Whether writer ``w``'s register holds a loaded mapcount (stored biased)."""
    if stage != W_XBODY or pc == 0:
        return False
    kind, t, _d = model.excl_prog[w][op][pc - 1]
    return kind == "load" and t == MAPCOUNT


def pack(model: Model, state: tuple) -> np.ndarray:
    """The row of ``state`` (``uint64[4 + K + W]``)."""
    kr = _kmod()
    seq, n, vals, ws, rd = state
    small = 0
    regs = []
    for w, (op, stage, pc, reg, excl) in enumerate(ws):
        small |= _put(_WF, op=op, stage=stage, pc=pc, excl=int(excl)) << (kr.W_BITS * w)
        regs.append(reg + kr.N_BIAS if _loaded_mapcount(model, w, op, stage, pc) else reg)
    rstage, i, rs, rn, ans, started, all_sh, all_ex = rd[:8]
    xm = int(rd[8]) if len(rd) > 8 else 0
    r = _put(
        _RF,
        stage=rstage,
        i=i,
        ans=ans,
        started=int(started),
        all_sh=int(all_sh),
        all_ex=int(all_ex),
        xm=xm,
        rn=rn + kr.RN_BIAS,
    )
    small |= r << kr.R_SHIFT
    row = [seq, n + kr.N_BIAS, *vals, *regs, rs, small]
    return np.array(row, dtype=np.uint64)


def unpack(model: Model, row) -> tuple:
    """The tuple state of a row (inverse of :func:`pack`)."""
    kr = _kmod()
    row = [int(x) for x in row]
    k, nw = model.k, len(model.scenario.writers)
    small = row[3 + k + nw]
    ws = []
    for w in range(nw):
        f = small >> (kr.W_BITS * w)
        op, stage, pc, excl = (_get(_WF, f, n) for n in ("op", "stage", "pc", "excl"))
        reg = row[2 + k + w]
        if _loaded_mapcount(model, w, op, stage, pc):
            reg -= kr.N_BIAS
        ws.append((op, stage, pc, reg, excl))
    r = small >> kr.R_SHIFT
    rd: tuple = (
        _get(_RF, r, "stage"),
        _get(_RF, r, "i"),
        row[2 + k + nw],
        _get(_RF, r, "rn") - kr.RN_BIAS,
        *(_get(_RF, r, n) for n in ("ans", "started", "all_sh", "all_ex")),
    )
    if model.mm_owner:
        rd = (*rd, _get(_RF, r, "xm"))
    return (row[0], row[1] - kr.N_BIAS, tuple(row[2 : 2 + k]), tuple(ws), rd)


def packed_inputs(model: Model, max_states: int) -> Any:
    """The kernel's :class:`~rmaplab._kernels.race.PackedInputs` for ``model``."""
    kr = _kmod()
    _check(model)
    sc = model.scenario
    nw, k = len(sc.writers), model.k
    nops = [len(ops) for ops in sc.writers]
    op_mm = np.zeros((nw, kr.MAX_OPS), dtype=np.int64)
    op_c = np.zeros((nw, kr.MAX_OPS), dtype=np.int64)
    shape = (nw, 2, kr.MAX_OPS, kr.MAX_PROG)
    pkind = np.zeros(shape, dtype=np.int64)
    ptgt = np.zeros(shape, dtype=np.int64)
    pdelta = np.zeros(shape, dtype=np.uint64)
    plen = np.zeros(shape[:3], dtype=np.int64)
    for w, ops in enumerate(sc.writers):
        for op, (mm, c) in enumerate(ops):
            op_mm[w, op], op_c[w, op] = mm, c
        if model.mm_owner:
            continue
        for side, progs in enumerate((model.shared_prog, model.excl_prog)):
            for op, prog in enumerate(progs[w]):
                plen[w, side, op] = len(prog)
                for pc, (kind, t, d) in enumerate(prog):
                    pkind[w, side, op, pc] = _KINDS[kind]
                    if kind == "end":
                        pdelta[w, side, op, pc] = t  # the marker (1 or EXCL)
                    else:
                        ptgt[w, side, op, pc] = t
                        pdelta[w, side, op, pc] = d & _M64
    radix = np.ones(nw, dtype=np.int64)
    for w in range(1, nw):
        radix[w] = radix[w - 1] * 2 * (nops[w - 1] + 1)
    keys = int(radix[-1]) * 2 * (nops[-1] + 1)
    truth = np.zeros((keys, 3), dtype=np.int8)
    for key in range(keys):
        ws = []
        for w in range(nw):
            code = key // int(radix[w]) % (2 * (nops[w] + 1))
            op, fly = divmod(code, 2)
            if op == nops[w]:
                ws.append((op, W_DONE, 0, 0, 0))
            elif fly:
                ws.append((op, W_BODY, 1, 0, 0))  # any step past the first
            else:
                ws.append((op, model.init_stage, 0, 0, 0))
        sure, maybe = model._truth_of(tuple(ws))
        xs = model.x_surely_maps(tuple(ws))
        truth[key] = (sure, maybe, xs)
    xsub = np.zeros(k, dtype=np.uint64)
    if not model.mm_owner:
        xsub[:] = model.subids[model.x]
    lay = model.layout
    ints = np.array(
        [
            kr.PROTOCOL_CODES[model.protocol],
            nw,
            k,
            model.init_stage,
            model.pages,
            max_states,
            _n_bound(model),
        ],
        dtype=np.int64,
    )
    words = np.array(
        [lay.excl, lay.writers_mask, lay.seq_step, lay.word_mask, model.mask], dtype=np.uint64
    )
    return kr.PackedInputs(
        ints,
        words,
        pack(model, model.initial()),
        op_mm,
        op_c,
        np.array(nops, dtype=np.int64),
        pkind,
        ptgt,
        pdelta,
        plen,
        xsub,
        truth,
        radix,
    )
