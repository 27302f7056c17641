"""The race kernel's packed state: fields, codes and limits (no numba here).

:mod:`rmaplab._kernels.race` runs the search and re-exports these names.
A state of :class:`rmaplab.race.model.Model` is one row of ``S = 4 + K + W``
``uint64`` words (K values, W writers):

====================  =========================================================
column                field
====================  =========================================================
0                     the seqcount word (mm-owner: lock and shared bit)
1                     mapcount + ``N_BIAS`` (a mapcount may go below zero when
                      plain stores lose updates)
2 .. 2+K-1            the K rmap values (mm-owner: id0, count0, id1, count1)
2+K .. 2+K+W-1        each writer's register (a loaded word; a loaded
                      mapcount is stored biased, as column 1 holds it)
2+K+W                 the reader's saved word ``reg_seq``
3+K+W                 the small fields, packed (below)
====================  =========================================================

Small fields: the table :data:`rmaplab.race.layout.WRITER_FIELDS` and
``READER_FIELDS`` (``rmaplab.race.packed`` packs by the same table), today
writer w at bit ``11*w``: op (3 bits, 0..7), stage (3), pc (4, 0..15),
exclusive (1); the reader at bit 33: stage (3), value index i (3), answer
(2), started, all_shared, all_exclusive, x_maps (1 each), and at bit 45 the
mapcount it read + ``RN_BIAS`` (16 bits). ``pack_limits`` checks every
scenario fits them before the kernel runs. numba freezes the shifts into the
compiled kernel, and its cache does not see a change of the table: the
kernel returns :data:`STAMP`, a checksum of the table and of every code
below, and :func:`~.race.explore_packed` refuses a kernel compiled for
other ones.
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

import numpy as np

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
from ..race.layout import PACKED_WRITERS, READER_FIELDS, WRITER_FIELDS, field_shifts
from ..race.mmowner import LOCK, SHARED_BIT, W_LOCK

N_BIAS = 1 << 32
_WF = field_shifts(WRITER_FIELDS)
_RF = field_shifts(READER_FIELDS)
W_BITS = sum(b for _, b in WRITER_FIELDS)  # bits per writer
MAX_WRITERS = PACKED_WRITERS
R_SHIFT = MAX_WRITERS * W_BITS  # the reader's fields start here
R_BITS = sum(b for _, b in READER_FIELDS)
RN_SHIFT = R_SHIFT + _RF["rn"][0]
RN_BIAS = 1 << (_RF["rn"][1] - 1)  # the mapcount read, biased by half its range
MAX_OPS = (1 << _WF["op"][1]) - 1  # op counts 0..nops
MAX_PROG = (1 << _WF["pc"][1]) - 1  # pc 0..len-1
MAX_K = (1 << _RF["i"][1]) - 1  # value index
if R_SHIFT + R_BITS > 64:
    raise ImportError("rmaplab.race.layout: the packed fields exceed one 64-bit word")


def _field(shift: int, bits: int) -> tuple[np.uint64, np.uint64]:
    return np.uint64(shift), np.uint64((1 << bits) - 1)


# shift and mask per field (writers: from the writer's bit; the reader: absolute)
_W_OP, _M_OP = _field(*_WF["op"])
_W_STAGE, _M_STAGE = _field(*_WF["stage"])
_W_PC, _M_PC = _field(*_WF["pc"])
_W_X, _M_X = _field(*_WF["excl"])
_R = {n: _field(R_SHIFT + sh, b) for n, (sh, b) in _RF.items()}
_R_STAGE, _MR_STAGE = _R["stage"]
_R_I, _MR_I = _R["i"]
_R_ANS, _MR_ANS = _R["ans"]
_R_STARTED, _MR_STARTED = _R["started"]
_R_ALL_SH, _MR_ALL_SH = _R["all_sh"]
_R_ALL_EX, _MR_ALL_EX = _R["all_ex"]
_R_XM, _MR_XM = _R["xm"]
_R_RN, _MR_RN = _R["rn"]
_W_CLEAR = np.uint64((1 << W_BITS) - 1)
_R_CLEAR = ~(np.uint64((1 << R_BITS) - 1) << np.uint64(R_SHIFT))

# body step kinds
K_ADD, K_LOAD, K_STORE, K_END = 0, 1, 2, 3
# protocol codes the kernel branches on
P_NONE, P_SEQCOUNT, P_NO_WAIT, P_EARLY_END, P_NO_EXCL_WAIT, P_MM_OWNER = range(6)
PROTOCOL_CODES = {
    "none": P_NONE,
    "seqcount": P_SEQCOUNT,
    "no-wait": P_NO_WAIT,
    "early-end": P_EARLY_END,
    "no-excl-wait": P_NO_EXCL_WAIT,
    "mm-owner": P_MM_OWNER,
}
# verdict codes per state
V_OPEN, V_CORRECT, V_FALSE_EXCL, V_FALSE_SHARED, V_OUTSIDE = -1, 0, 1, 2, 3

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_N_BIAS = np.uint64(N_BIAS)
_RN_BIAS = np.uint64(RN_BIAS)


class PackedInputs(NamedTuple):
    """A compiled model as arrays (built by ``rmaplab.race.packed``)."""

    ints: np.ndarray  # int64[7]: protocol, writers W, K, init stage, pages, max_states,
    #: and a bound on |mapcount| (checked against the packed width, unused inside)
    words: np.ndarray  # uint64[5]: excl, writers mask, seq step, word mask, value mask
    init: np.ndarray  # uint64[S]: the initial state, packed
    op_mm: np.ndarray  # int64[W, MAX_OPS]: each op's mm
    op_c: np.ndarray  # int64[W, MAX_OPS]: each op's signed page count
    nops: np.ndarray  # int64[W]
    pkind: np.ndarray  # int64[W, 2, MAX_OPS, MAX_PROG]: body step kind (shared, exclusive)
    ptgt: np.ndarray  # int64[...]: target, -1 the mapcount, else a value index
    pdelta: np.ndarray  # uint64[...]: addend (mapcount: two's complement); END: marker
    plen: np.ndarray  # int64[W, 2, MAX_OPS]: body length
    xsub: np.ndarray  # uint64[K]: the reader's sub-IDs
    truth: np.ndarray  # int8[keys, 3]: other surely maps, other possibly maps, x surely maps
    radix: np.ndarray  # int64[W]: place value of writer w's (op, in flight) code in the key


#: numba freezes every value above (and the codes of rmaplab.race.codes and
#: .mmowner) into the compiled kernel, and its cache looks only at race.py:
#: the kernel returns this checksum of them as compiled, and explore_packed
#: refuses a cached kernel whose checksum differs
STAMP = zlib.crc32(
    repr(
        (
            WRITER_FIELDS,
            READER_FIELDS,
            PACKED_WRITERS,
            N_BIAS,
            (K_ADD, K_LOAD, K_STORE, K_END),
            PROTOCOL_CODES,
            (V_OPEN, V_CORRECT, V_FALSE_EXCL, V_FALSE_SHARED, V_OUTSIDE),
            (W_LOAD, W_CAS, W_ADD, W_SPIN, W_BODY, W_XBODY, W_DONE, W_LOCK, LOCK, SHARED_BIT),
            (R_BEGIN, R_N, R_V, R_RETRY, R_DONE, ANS_NONE, ANS_SHARED, ANS_EXCL),
        )
    ).encode()
)


def pack_limits(nw: int, k: int, nops: list[int], plens: list[int], n_bound: int) -> None:
    """Raise ``ValueError`` unless a model's fields fit the packed widths."""
    if not 1 <= nw <= MAX_WRITERS:
        raise ValueError(f"writers={nw}: allowed 1..{MAX_WRITERS} in a packed state")
    if not 1 <= k <= MAX_K:
        raise ValueError(f"values={k}: allowed 1..{MAX_K} in a packed state")
    if max(nops) > MAX_OPS:
        raise ValueError(f"ops per writer={max(nops)}: allowed <= {MAX_OPS} in a packed state")
    if plens and max(plens) > MAX_PROG:
        raise ValueError(f"body steps={max(plens)}: allowed <= {MAX_PROG} in a packed state")
    if n_bound >= RN_BIAS:
        raise ValueError(f"mapcount bound={n_bound}: allowed < {RN_BIAS} in a packed state")
