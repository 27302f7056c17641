"""Linux 6.15's MM-owner tracking (``CONFIG_MM_ID``) as a race-model protocol.

Merged behaviour modelled (``include/linux/rmap.h``, ``include/linux/mm.h``;
facts in ``../shared/reference/rmap-id.md`` section 3 item 4 and section 5),
kernel function -> rmaplab step:

* ``folio_lock_large_mapcount`` (a bit spinlock in ``folio->_mm_ids``) ->
  the writer's first step, a test-and-set that blocks while the bit is held;
* ``folio_add_return_large_mapcount`` -> under the lock: the total mapcount
  ``_large_mapcount`` is set to total + c (one step); then (one step) the
  slots: the mm's own slot adds c; else the first free slot is taken with
  count c, and the "maybe mapped shared" bit is set when the new total is
  not c (someone else maps it; always so for slot 1); with no free slot only
  the total changed;
* ``folio_sub_return_large_mapcount`` -> under the lock: total - c (one
  step); then the mm's slot subtracts c, and is freed when its count goes
  to zero or below (the below-zero corner case: mappings added while no slot
  was free); if the mm still has a slot with a count > 0 nothing else
  changes; otherwise the bit is cleared when a slot's count equals the new
  total (a free slot counts 0, so a fully unmapped folio clears it);
* ``folio_unlock_large_mapcount`` -> the last step;
* ``folio_maybe_mapped_shared`` -> the reader, WITHOUT the lock, as merged:
  load the total; "exclusive" if it is at most 1; else load the bit: set
  means "shared" (maybe), clear "exclusive". No retry, no barrier.

The model's state reuses the seqcount model's tuple: the word holds the lock
(bit 0) and the shared bit (bit 1); ``values`` are the two slots as ``(id0,
count0, id1, count1)`` with id 0 for a free slot (``MM_ID_DUMMY``); counts are
stored as counts (the kernel stores count - 1). Not modelled: the
refcount == mapcount condition of COW reuse, swap cache, GUP pins, the 32-bit
per-mm overflow (it frees the slot and sets the bit), hugetlb.

Ground truth is the race model's (linearisability over the reader's call),
with one condition from the callers: the kernel asks only about a folio the
faulting mm maps (it holds that page table's lock), so a reader's answer is
judged only while its own mm surely maps a page of the folio throughout the
call. An "exclusive" given while the reader's mm may map nothing is counted
apart (``outside_contract``), not as a false exclusive.
"""

from __future__ import annotations

from typing import Any

from .codes import ANS_EXCL, ANS_NONE, ANS_SHARED, R_DONE, R_N, R_V, W_BODY, W_DONE

__all__ = ["LOCK", "SHARED_BIT", "add_slots", "sub_slots"]

LOCK = 1  # the bit spinlock in _mm_ids
SHARED_BIT = 2  # FOLIO_MM_IDS_SHARED_BIT
W_LOCK = 7  # a writer stage of its own: before (or spinning on) the bit lock


def add_slots(slots: tuple, shared: bool, mm: int, c: int, total: int) -> tuple[tuple, bool]:
    """Slots and bit after ``mm`` maps ``c`` more, the new total being ``total``."""
    i0, c0, i1, c1 = slots
    if i0 == mm:
        return (i0, c0 + c, i1, c1), shared
    if i1 == mm:
        return (i0, c0, i1, c1 + c), shared
    if i0 == 0:
        return (mm, c, i1, c1), shared or total != c
    if i1 == 0:
        return (i0, c0, mm, c), True
    return slots, shared


def sub_slots(slots: tuple, shared: bool, mm: int, c: int, total: int) -> tuple[tuple, bool]:
    """Slots and bit after ``mm`` unmaps ``c``, the new total being ``total``."""
    i0, c0, i1, c1 = slots
    if i0 == mm:
        c0 -= c
        if c0 > 0:
            return (i0, c0, i1, c1), shared
        i0, c0 = 0, 0
    elif i1 == mm:
        c1 -= c
        if c1 > 0:
            return (i0, c0, i1, c1), shared
        i1, c1 = 0, 0
    if c0 == total or c1 == total:
        shared = False
    return (i0, c0, i1, c1), shared


def initial(model: Any) -> tuple:
    """The folio after the scenario's ``mapped`` list, applied in order."""
    n, slots, shared = 0, (0, 0, 0, 0), False
    for m, c in model.scenario.mapped:
        n += c
        slots, shared = add_slots(slots, shared, m, c, n)
    ws = tuple(
        (0, W_LOCK, 0, 0, 0) if ops else (0, W_DONE, 0, 0, 0) for ops in model.scenario.writers
    )
    rd = (R_N, 0, 0, 0, ANS_NONE, 0, 0, 0, 1)
    return (SHARED_BIT if shared else 0, n, slots, ws, rd)


def writer_step(model: Any, state: tuple, cpu: int) -> tuple[tuple, str] | None:
    word, n, slots, ws, rd = state
    op, stage, pc, _reg, _x = ws[cpu]
    if stage == W_DONE:
        return None
    mm, c = model.scenario.writers[cpu][op]
    what = f"{'map' if c > 0 else 'unmap'} {abs(c)} mm{mm}"
    op0 = op
    if stage == W_LOCK:
        if word & LOCK:
            return None  # spinning on the bit lock
        word |= LOCK
        w = (op, W_BODY, 0, 0, 0)
        text = f"begin {what}: take the bit lock"
    elif pc == 0:
        n += c
        w = (op, W_BODY, 1, 0, 0)
        text = f"total mapcount {'+' if c > 0 else '-'}= {abs(c)} -> {n}"
    elif pc == 1:
        shared = bool(word & SHARED_BIT)
        f = add_slots if c > 0 else sub_slots
        slots, shared = f(slots, shared, mm, abs(c), n)
        word = (word & ~SHARED_BIT) | (SHARED_BIT if shared else 0)
        w = (op, W_BODY, 2, 0, 0)
        text = f"slots {_slots(slots)}, shared bit {int(shared)}"
    else:
        word &= ~LOCK
        op += 1
        if op == len(model.scenario.writers[cpu]) and model.loop:
            op = 0
        if op == len(model.scenario.writers[cpu]):
            w = (op, W_DONE, 0, 0, 0)
        else:
            w = (op, W_LOCK, 0, 0, 0)
        text = f"release the bit lock ({what} done)"
    ws = (*ws[:cpu], w, *ws[cpu + 1 :])
    if stage == W_LOCK or w[0] != op0 or w[1] == W_DONE:
        rd = _fold(model, ws, rd)
    return (word, n, slots, ws, rd), text


def _slots(s: tuple) -> str:
    def one(i, k):
        return f"mm{i}:{k}" if i else "free"

    return f"[{one(s[0], s[1])}, {one(s[2], s[3])}]"


def _fold(model: Any, ws: tuple, rd: tuple) -> tuple:
    """After a writer's op starts or ends: fold the truth into the reader's flags."""
    stage, i, rs, rn, ans, started, all_sh, all_ex, x_maps = rd
    if not started or stage == R_DONE:
        return rd
    sure, maybe = model.truth(ws)
    return (
        stage,
        i,
        rs,
        rn,
        ans,
        1,
        all_sh and sure,
        all_ex and not maybe,
        x_maps and model.x_surely_maps(ws),
    )


def reader_step(model: Any, state: tuple) -> tuple[tuple, str] | None:
    word, n, slots, ws, rd = state
    stage, _i, _rs, rn, _ans, started, all_sh, all_ex, x_maps = rd
    if stage == R_DONE:
        return None
    if not started:
        sure, maybe = model.truth(ws)
        started, all_sh, all_ex, x_maps = 1, sure, not maybe, int(model.x_surely_maps(ws))
    if stage == R_N:
        if n <= 1:
            nrd = (R_DONE, 0, 0, n, ANS_EXCL, started, all_sh, all_ex, x_maps)
            text = f"load total mapcount -> {n} <= 1: return exclusive"
        else:
            nrd = (R_V, 0, 0, n, ANS_NONE, started, all_sh, all_ex, x_maps)
            text = f"load total mapcount -> {n}"
    else:
        bit = bool(word & SHARED_BIT)
        a = ANS_SHARED if bit else ANS_EXCL
        nrd = (R_DONE, 0, 0, rn, a, started, all_sh, all_ex, x_maps)
        text = f"test shared bit -> {int(bit)}: return {'shared' if bit else 'exclusive'}"
    return (word, n, slots, ws, nrd), text
