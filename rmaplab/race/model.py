"""The step model of concurrent (un)mapping under the atomic seqcount.

The WIP v1 series updates the total mapcount and the K rmap values of a folio
under a new "atomic seqcount" (``raw_atomic_seqcount_t``) so that
``__folio_large_mapped_shared`` reads them as one snapshot while other CPUs
(un)map parts of the folio. This module models that protocol one memory
access at a time, under sequential consistency, and explores every
interleaving of a few writers and one reader.

The sequence word (64-bit ``atomic_long``, as posted): bits 0..15 count shared
writers, bit 16 marks the exclusive writer, the sequence proper advances in
steps of ``2**17``. The layout is a parameter (:mod:`.layout`: the posted
32-bit one, and narrow ones that wrap or overflow); the word wraps at its
width, as the kernel's does.

Writer, per (un)map of ``c`` pages of the folio for mm M (one step each):

* begin, when the writer tries the exclusive path: load the word; if no
  writer bit is set, ``cmpxchg(word, seen, seen | EXCL)``; success makes it
  the exclusive writer. Otherwise (or when not trying): ``fetch_add(1)``,
  then spin loading the word while ``EXCL`` is set.
* body: mapcount += c, then value i += c * subid_i(M) for i = 0..K-1. The
  exclusive writer uses a plain load and a plain store for each (two steps);
  a shared writer one atomic RMW each.
* end: ``fetch_add(STEP - marker)``, marker ``EXCL`` or 1.

Reader, ``__folio_large_mapped_shared`` for mm X: spin loading the word while
a writer bit is set; load the mapcount, return "shared" at once if it exceeds
the folio's pages; load value i and compare with ``mapcount * subid_i(X)``
(first mismatch: "shared"); load the word again and retry from the start if
it changed.

Protocols: ``none`` (no seqcount; every update an atomic RMW; the reader reads
once), ``seqcount`` (as posted), and three plausible broken variants:
``no-wait`` (the reader takes the word without waiting for writers and only
compares it afterwards), ``early-end`` (the writer ends its section before the
last value update), ``no-excl-wait`` (a shared writer does not wait for the
exclusive writer, so its atomic adds race with plain load/store pairs).

Ground truth. An (un)map is in flight from its first step to its last; while
in flight the mm's count is "between" the before and after counts (the kernel
may linearise it anywhere in its critical section). The reader's call lasts
from its first step to its return. A **false exclusive** is "exclusive" while
at every moment of the call some mm other than X surely maps a page (its
smallest possible count > 0); a **false shared** is "shared" while at every
moment no other mm possibly maps a page. Answers in the ambiguous middle are
both acceptable (linearisability).

Exploration is breadth-first over states (the shared words, every CPU's
program counter and registers, the reader's truth flags), so the first time a
state is reached is by a shortest interleaving. A spin that would see the
same condition again is a step that leaves the state unchanged; it is
treated as blocked (it can only repeat). States after the reader returns are
not expanded: nothing after the return changes the verdict.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..config import ConfigError, RmapConfig
from . import mmowner
from .codes import (
    ANS_EXCL,
    ANS_NONE,
    ANS_SHARED,
    MAPCOUNT,
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
from .layout import Layout, get_layout
from .scenarios import Scenario, _check_protocol, get_scenario

__all__ = ["Model"]


class Model:
    """A scenario compiled for one protocol: sub-IDs, programs, the step function.

    A state is a flat tuple ``(seq, mapcount, values, writers, reader)``:
    ``values`` a K-tuple of masked words, ``writers`` one ``(op, stage, pc,
    reg, excl)`` per writer, ``reader`` ``(stage, i, reg_seq, reg_n, answer,
    started, all_shared, all_excl)``.
    """

    def __init__(
        self,
        scenario: Scenario | str,
        protocol: str = "seqcount",
        layout: Layout | str | None = None,
        loop: bool = False,
    ) -> None:
        self.scenario = sc = get_scenario(scenario)
        #: writers restart their op list when done (each must undo its own ops)
        self.loop = loop
        self.protocol = _check_protocol(protocol)
        self.layout = lay = get_layout(layout)
        self.excl, self.writers_mask = lay.excl, lay.writers_mask
        self.seq_step, self.word_mask = lay.seq_step, lay.word_mask
        self.config: RmapConfig = sc.config
        self.pages = sc.pages
        enc = sc.enc  # resolved once, by the scenario
        self.mask = enc.mask
        self.subids = {m: list(enc.addends(m)) for m in sc.mms}
        self.k = enc.nr_values
        self.x = sc.reader
        self.cpus = [f"W{i}" for i in range(len(sc.writers))] + ["R"]
        self._validate()
        self.mm_owner = protocol == "mm-owner"
        seqc = protocol not in ("none", "mm-owner")
        self.init_stage = W_BODY if not seqc else (W_LOAD if sc.try_exclusive else W_ADD)
        if self.mm_owner:
            self.init_stage, self.k = mmowner.W_LOCK, 4  # values: the two slots
        # Body programs per writer and op: shared (atomic) and exclusive (plain).
        self.shared_prog: list[list[list[tuple]]] = []
        self.excl_prog: list[list[list[tuple]]] = []
        for ops in sc.writers:
            sp, xp = [], []
            for mm, c in ops:
                upd = [(MAPCOUNT, c)] + [
                    (i, (c * s) & self.mask) for i, s in enumerate(self.subids[mm])
                ]
                a = [("add", t, d) for t, d in upd]
                x = [step for t, d in upd for step in (("load", t, 0), ("store", t, d))]
                if seqc:
                    if protocol == "early-end":
                        a.insert(len(a) - 1, ("end", 1, 0))
                        x.insert(len(x) - 2, ("end", self.excl, 0))
                    else:
                        a.append(("end", 1, 0))
                        x.append(("end", self.excl, 0))
                sp.append(a)
                xp.append(x)
            self.shared_prog.append(sp)
            self.excl_prog.append(xp)
        # Ground truth: per writer, the other-mm counts before each op.
        self.others = [m for m in sc.mms if m != self.x]
        base = {m: 0 for m in self.others}
        for m, c in sc.mapped:
            if m != self.x:
                base[m] += c
        self.base = tuple(base[m] for m in self.others)
        self._truth: dict = {}
        self.deltas = [
            [tuple(c if m == o else 0 for o in self.others) for m, c in ops] for ops in sc.writers
        ]

    def _validate(self) -> None:
        sc = self.scenario
        if self.loop:
            for w, ops in enumerate(sc.writers):
                net: dict[int, int] = {}
                for mm, c in ops:
                    net[mm] = net.get(mm, 0) + c
                if any(net.values()):
                    raise ConfigError(
                        f"writer W{w} of {sc.name} does not undo its own ops: allowed for "
                        "the starvation check only scenarios whose writers map and unmap "
                        "the same pages"
                    )
        if not 1 <= len(sc.writers) <= 3:
            raise ConfigError(f"writers={len(sc.writers)} is out of range: allowed 1..3")
        if not 2 <= len(sc.mms) <= 3:
            raise ConfigError(f"mms={len(sc.mms)} is out of range: allowed 2..3")
        for ops in sc.writers:
            for _mm, c in ops:
                if c == 0 or abs(c) > self.pages:
                    raise ConfigError(
                        f"pages={c} in a writer op is out of range: allowed "
                        f"-{self.pages}..-1 or 1..{self.pages}"
                    )
        for m in sc.mms:
            # Worst case over interleavings: every writer at its lowest prefix.
            start = sum(c for mm, c in sc.mapped if mm == m)
            lo = hi = start
            for ops in sc.writers:
                run, low, high = 0, 0, 0
                for mm, c in ops:
                    if mm == m:
                        run += c
                        low, high = min(low, run), max(high, run)
                lo += low
                hi += high
            if lo < 0:
                raise ConfigError(f"mm {m} may unmap more than it maps: allowed count >= 0")
            if m == self.x and hi > self.pages:
                raise ConfigError(
                    f"reader mm {m} may map {hi} pages: allowed <= {self.pages} (folio pages)"
                )

    # -- states ----------------------------------------------------------
    def x_surely_maps(self, ws: tuple) -> bool:
        """The reader's own mm maps a page whatever the in-flight ops do."""
        return self.counts(ws)[self.x][0] > 0

    def initial(self) -> tuple:
        if self.mm_owner:
            return mmowner.initial(self)
        n = 0
        vals = [0] * self.k
        for m, c in self.scenario.mapped:
            n += c
            vals = [(v + c * s) & self.mask for v, s in zip(vals, self.subids[m], strict=True)]
        ws = tuple(
            (0, self.init_stage, 0, 0, 0) if ops else (0, W_DONE, 0, 0, 0)
            for ops in self.scenario.writers
        )
        rd = (R_BEGIN if self.protocol != "none" else R_N, 0, 0, 0, ANS_NONE, 0, 0, 0)
        return (0, n, tuple(vals), ws, rd)

    def truth(self, ws: tuple) -> tuple[bool, bool]:
        """(some other mm surely maps, some other mm possibly maps)."""
        init = self.init_stage
        # Only each writer's op index and whether it is in flight matter.
        key = tuple((w[0], w[1] != W_DONE and (w[1] != init or w[2] != 0)) for w in ws)
        hit = self._truth.get(key)
        if hit is None:
            hit = self._truth[key] = self._truth_of(ws)
        return hit

    def counts(self, ws: tuple) -> dict[int, tuple[int, int]]:
        """Every mm's mapping count as ``(lowest, highest)`` possible now: equal
        unless one of its (un)maps is in flight."""
        lo = {m: 0 for m in self.scenario.mms}
        for m, c in self.scenario.mapped:
            lo[m] += c
        hi = dict(lo)
        for w, (op, stage, pc, _reg, _x) in enumerate(ws):
            ops = self.scenario.writers[w]
            for m, c in ops[:op]:
                lo[m] += c
                hi[m] += c
            if stage != W_DONE and (stage != self.init_stage or pc):
                m, c = ops[op]
                if c < 0:
                    lo[m] += c
                else:
                    hi[m] += c
        return {m: (lo[m], hi[m]) for m in self.scenario.mms}

    def _truth_of(self, ws) -> tuple[bool, bool]:
        lo = list(self.base)
        hi = list(self.base)
        for w, (op, stage, pc, _reg, _x) in enumerate(ws):
            for j in range(op):
                for i, d in enumerate(self.deltas[w][j]):
                    lo[i] += d
                    hi[i] += d
            if stage != W_DONE and (stage != self.init_stage or pc):
                for i, d in enumerate(self.deltas[w][op]):
                    if d < 0:
                        lo[i] += d
                    else:
                        hi[i] += d
        return any(v > 0 for v in lo), any(v > 0 for v in hi)

    def _finish(self, ws, rd):
        """After a writer step: fold the new truth into the reader's flags."""
        stage, i, rs, rn, ans, started, all_sh, all_ex = rd
        if not started or stage == R_DONE:
            return rd
        sure, maybe = self.truth(ws)
        return (stage, i, rs, rn, ans, 1, all_sh and sure, all_ex and not maybe)

    def step(self, state: tuple, cpu: int) -> tuple[tuple, str] | None:
        """One step of CPU ``cpu`` (writers 0.., the reader last).

        Returns ``(new_state, text)`` or ``None`` when the CPU has finished or
        is spinning (its step would leave the state unchanged).
        """
        seq, n, vals, ws, rd = state
        nw = len(ws)
        if self.mm_owner:
            if cpu == nw:
                return mmowner.reader_step(self, state)
            return mmowner.writer_step(self, state, cpu)
        if cpu == nw:
            return self._reader_step(state)
        op, stage, pc, reg, excl = ws[cpu]
        if stage == W_DONE:
            return None
        op0, pc0 = op, pc
        mm, c = self.scenario.writers[cpu][op]
        what = f"{'map' if c > 0 else 'unmap'} {abs(c)} mm{mm}"
        if stage == W_LOAD:
            if seq & self.writers_mask:
                w = (op, W_ADD, 0, 0, 0)
                text = f"begin {what}: load seq {seq:#x}, writer active -> shared"
            else:
                w = (op, W_CAS, 0, seq, 0)
                text = f"begin {what}: load seq {seq:#x}"
        elif stage == W_CAS:
            if seq == reg:
                seq = seq | self.excl
                w = (op, W_XBODY, 0, 0, 1)
                text = f"cmpxchg seq {reg:#x} -> {seq:#x}: exclusive writer"
            else:
                w = (op, W_ADD, 0, 0, 0)
                text = f"cmpxchg seq fails ({seq:#x} != {reg:#x})"
        elif stage == W_ADD:
            seq = (seq + 1) & self.word_mask
            nxt = W_BODY if self.protocol == "no-excl-wait" else W_SPIN
            w = (op, nxt, 0, 0, 0)
            text = f"begin {what}: seq += 1 -> {seq:#x} (shared writer)"
        elif stage == W_SPIN:
            if seq & self.excl:
                return None
            w = (op, W_BODY, 0, 0, 0)
            text = f"load seq {seq:#x}: no exclusive writer"
        else:
            prog = (self.excl_prog if stage == W_XBODY else self.shared_prog)[cpu][op]
            kind, t, d = prog[pc]
            name = "mapcount" if t == MAPCOUNT else f"value{t}"
            if kind == "end":
                seq = (seq + self.seq_step - t) & self.word_mask
                text = f"end: seq += STEP - {'EXCL' if t == self.excl else 1} -> {seq:#x}"
            elif kind == "load":
                reg = n if t == MAPCOUNT else vals[t]
                text = f"plain load {name} -> {reg if t == MAPCOUNT else hex(reg)}"
            else:
                if kind == "store":
                    base = reg
                    verb = "plain store"
                else:
                    base = n if t == MAPCOUNT else vals[t]
                    verb = "atomic add"
                if t == MAPCOUNT:
                    n = base + d
                    text = f"{verb} mapcount {'+' if d >= 0 else '-'}= {abs(d)} -> {n}"
                else:
                    new = (base + d) & self.mask
                    vals = (*vals[:t], new, *vals[t + 1 :])
                    sign = f"-= {self.mask + 1 - d:#x}" if d > self.mask >> 1 else f"+= {d:#x}"
                    text = f"{verb} {name} {sign} -> {new:#x}"
                reg = 0
            pc += 1
            if pc == len(prog):
                op += 1
                if op == len(self.scenario.writers[cpu]) and self.loop:
                    op = 0  # writers that keep entering (starvation check)
                    w = (op, self.init_stage, 0, 0, 0)
                elif op == len(self.scenario.writers[cpu]):
                    w = (op, W_DONE, 0, 0, 0)
                else:
                    w = (op, self.init_stage, 0, 0, 0)
                text += f" ({what} done)"
            else:
                w = (op, stage, pc, reg, excl)
        ws = (*ws[:cpu], w, *ws[cpu + 1 :])
        # The truth moves only when an op starts (its first step) or ends.
        if (stage == self.init_stage and pc0 == 0) or w[0] != op0:
            rd = self._finish(ws, rd)
        return (seq, n, vals, ws, rd), text

    def _reader_step(self, state):
        seq, n, vals, ws, rd = state
        stage, i, rs, rn, ans, started, all_sh, all_ex = rd
        if stage == R_DONE:
            return None
        if not started:
            sure, maybe = self.truth(ws)
            started, all_sh, all_ex = 1, sure, not maybe
        x = self.subids[self.x]
        none = self.protocol == "none"
        if stage == R_BEGIN:
            if seq & self.writers_mask and self.protocol != "no-wait":
                if rd[5]:
                    return None  # spinning: nothing changes
                # The first step of the call: it starts the read even if it spins.
                return (seq, n, vals, ws, (stage, i, rs, rn, ans, 1, all_sh, all_ex)), (
                    f"read begin: seq {seq:#x} has writers, spin"
                )
            nrd = (R_N, 0, seq, 0, ANS_NONE, started, all_sh, all_ex)
            text = f"read begin: seq {seq:#x}"
        elif stage == R_N:
            if n > self.pages:
                nrd = (R_DONE, 0, rs, n, ANS_SHARED, started, all_sh, all_ex)
                text = f"load mapcount -> {n} > {self.pages} pages: return shared"
            else:
                nrd = (R_V, 0, rs, n, ANS_NONE, started, all_sh, all_ex)
                text = f"load mapcount -> {n}"
        elif stage == R_V:
            v = vals[i]
            want = (rn * x[i]) & self.mask
            if v != want:
                a = ANS_SHARED
                text = f"load value{i} -> {v:#x} != {rn}*{x[i]:#x}: shared"
            elif i + 1 == self.k:
                a = ANS_EXCL
                text = f"load value{i} -> {v:#x} == {rn}*{x[i]:#x}: exclusive"
            else:
                a = ANS_NONE
                text = f"load value{i} -> {v:#x} == {rn}*{x[i]:#x}"
            if a == ANS_NONE:
                nrd = (R_V, i + 1, rs, rn, a, started, all_sh, all_ex)
            elif none:
                nrd = (R_DONE, 0, rs, rn, a, started, all_sh, all_ex)
                text += f" (return {'shared' if a == ANS_SHARED else 'exclusive'})"
            else:
                nrd = (R_RETRY, 0, rs, rn, a, started, all_sh, all_ex)
        else:  # R_RETRY
            if seq == rs:
                nrd = (R_DONE, 0, rs, rn, ans, started, all_sh, all_ex)
                text = (
                    f"read retry? seq {seq:#x} unchanged: return "
                    f"{'shared' if ans == ANS_SHARED else 'exclusive'}"
                )
            else:
                nrd = (R_BEGIN, 0, 0, 0, ANS_NONE, started, all_sh, all_ex)
                text = f"read retry? seq {seq:#x} != {rs:#x}: retry"
        return (seq, n, vals, ws, nrd), text

    def run(self, steps: Sequence[str | dict]) -> tuple:
        """The state after ``steps`` (CPU names) from the initial state."""
        s = self.initial()
        for i, cpu in enumerate(steps, 1):
            c = _cpu_index(self, cpu)
            r = self.step(s, c)
            if r is None or r[0] == s:
                raise ConfigError(
                    f"step {i} ({self.cpus[c]}) cannot run: that CPU has finished or is spinning"
                )
            s = r[0]
        return s

    def successors(self, state: tuple) -> Iterator[tuple[int, tuple]]:
        for cpu in range(len(self.cpus)):
            r = self.step(state, cpu)
            if r is not None and r[0] != state:
                yield cpu, r[0]

    @staticmethod
    def verdict(state: tuple) -> str | None:
        """``false_exclusive``, ``false_shared``, ``correct``, or None (not
        returned); ``outside_contract`` for an "exclusive" of mm-owner while the
        reader's own mm may have mapped nothing (the kernel never asks then)."""
        rd = state[4]
        stage, _i, _rs, _rn, ans, _st, all_sh, all_ex = rd[:8]
        if stage != R_DONE:
            return None
        if ans == ANS_EXCL and all_sh and len(rd) > 8 and not rd[8]:
            return "outside_contract"
        if ans == ANS_EXCL and all_sh:
            return "false_exclusive"
        if ans == ANS_SHARED and all_ex:
            return "false_shared"
        return "correct"


def _cpu_index(model: Model, cpu) -> int:
    if isinstance(cpu, dict):
        cpu = cpu.get("cpu")
    if isinstance(cpu, str) and cpu in model.cpus:
        return model.cpus.index(cpu)
    raise ConfigError(f"step cpu={cpu!r} is unknown: allowed {', '.join(model.cpus)}")
