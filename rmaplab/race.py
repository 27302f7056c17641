"""Concurrent (un)mapping: the atomic seqcount, as a step model, explored exhaustively.

The WIP v1 series updates the total mapcount and the K rmap values of a folio
under a new "atomic seqcount" (``raw_atomic_seqcount_t``) so that
``__folio_large_mapped_shared`` reads them as one snapshot while other CPUs
(un)map parts of the folio. This module models that protocol one memory
access at a time, under sequential consistency, and explores every
interleaving of a few writers and one reader.

The sequence word (64-bit ``atomic_long``, as posted): bits 0..15 count shared
writers, bit 16 marks the exclusive writer, the sequence proper advances in
steps of ``2**17``.

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

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .config import DEFAULT_CONFIG, ConfigError, RmapConfig
from .encodings.names import resolve_encoding

__all__ = [
    "EXCL",
    "PROTOCOLS",
    "SCENARIOS",
    "SEQ_STEP",
    "WRITERS_MASK",
    "ExploreResult",
    "Model",
    "Scenario",
    "explore",
    "explore_all",
    "get_scenario",
    "litmus_tests",
    "naive_enumerate",
    "race_chart",
    "replay",
    "scenario_table",
]

#: 64-bit layout of the posted ``raw_atomic_seqcount_t`` word.
SHARED_BITS = 16
EXCL = 1 << SHARED_BITS
WRITERS_MASK = (1 << (SHARED_BITS + 1)) - 1  # shared count and the exclusive flag
SEQ_STEP = 1 << (SHARED_BITS + 1)
SEQ_WORD_MASK = (1 << 64) - 1

PROTOCOLS: dict[str, str] = {
    "none": "no seqcount: atomic RMW updates, the reader reads once",
    "seqcount": "as posted: shared/exclusive writers, reader waits and retries",
    "no-wait": "broken: reader does not wait for writers, only re-checks the word",
    "early-end": "broken: writer ends its section before the last value update",
    "no-excl-wait": "broken: shared writer does not wait for the exclusive writer",
}

#: Default budget of distinct states; past it the result says complete=False.
DEFAULT_MAX_STATES = 2_000_000

# Writer stages.
W_LOAD, W_CAS, W_ADD, W_SPIN, W_BODY, W_XBODY, W_DONE = range(7)
# Reader stages.
R_BEGIN, R_N, R_V, R_RETRY, R_DONE = range(5)
# Reader answers (also the "result" once returned).
ANS_NONE, ANS_SHARED, ANS_EXCL = 0, 1, 2
MAPCOUNT = -1  # body target meaning the total mapcount (values are 0..K-1)


@dataclass(frozen=True)
class Scenario:
    """Who maps what, and which (un)maps run concurrently with the reader.

    ``mapped``: initial ``(mm, pages)``. ``writers``: one tuple of ``(mm,
    pages)`` operations per writer CPU, positive to map, negative to unmap,
    run in order. ``reader``: the mm whose ``folio_mapped_shared`` runs.
    """

    name: str
    order: int
    reader: int
    mapped: tuple[tuple[int, int], ...]
    writers: tuple[tuple[tuple[int, int], ...], ...]
    try_exclusive: bool = True
    config: RmapConfig = DEFAULT_CONFIG
    #: ``digits`` (the posted sub-IDs) or ``moments`` (2 words: id and id**2,
    #: the encoding bench-atomics times; the check is the same word == n * addend)
    encoding: str = "digits"
    note: str = field(default="", compare=False)

    @property
    def pages(self) -> int:
        return 1 << self.order

    @property
    def mms(self) -> list[int]:
        seen = {self.reader}
        seen.update(m for m, _ in self.mapped)
        seen.update(m for ops in self.writers for m, _ in ops)
        return sorted(seen)

    def spec(self) -> dict:
        """Everything needed to rebuild the scenario (JSON-ready)."""
        return {
            "name": self.name,
            "config": self.config.name,
            "order": self.order,
            "reader": self.reader,
            "mapped": [list(p) for p in self.mapped],
            "writers": [[list(p) for p in ops] for ops in self.writers],
            "try_exclusive": self.try_exclusive,
            "encoding": self.encoding,
        }

    @classmethod
    def from_spec(cls, spec: dict) -> Scenario:
        """The scenario :meth:`spec` describes (built-in configurations only)."""
        from .config import get_config

        return cls(
            spec["name"],
            int(spec["order"]),
            int(spec["reader"]),
            tuple((int(m), int(c)) for m, c in spec["mapped"]),
            tuple(tuple((int(m), int(c)) for m, c in ops) for ops in spec["writers"]),
            bool(spec.get("try_exclusive", True)),
            get_config(spec.get("config", DEFAULT_CONFIG.name)),
            str(spec.get("encoding", "digits")),
        )

    def describe(self) -> str:
        def ops(o):
            return ", ".join(f"{'map' if c > 0 else 'unmap'} {abs(c)} mm{m}" for m, c in o)

        init = ", ".join(f"mm{m}:{c}" for m, c in self.mapped)
        ws = "; ".join(f"W{i}: {ops(o)}" for i, o in enumerate(self.writers))
        enc = "" if self.encoding == "digits" else f", {self.encoding} encoding"
        return f"{self.pages} pages{enc}, reader mm{self.reader}, mapped {init}; {ws}"


# The scenarios ``rmaplab race --list`` shows. The ids are chosen so that torn
# reads *can* match: with K = 1 a false exclusive needs a third mm whose
# sub-ID digits fill the gap (ids 1 + 2 look like id 3); with K = 2 two mms
# suffice when the values are read at different moments (id 4097 has slices
# (1, 1), id 1 has (1, 0)).
SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "tiny",
        1,
        1,
        ((1, 1), (2, 1)),
        (((2, -1),),),
        note="smallest: mm2 unmaps its page",
    ),
    Scenario(
        "2mm-1w",
        1,
        1,
        ((1, 1), (2, 1)),
        (((2, -1), (2, 1)),),
        note="2 mms, K=1: no torn read can match",
    ),
    Scenario(
        "3mm-1w",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1), (2, -1)),),
        note="ids 1+2 look like id 3",
    ),
    Scenario(
        "3mm-2w",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1), (2, -1)), ((3, 1),)),
        note="3mm-1w, and mm3 maps a page",
    ),
    Scenario(
        "3mm-2w-sh",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1), (2, -1)), ((3, 1),)),
        try_exclusive=False,
        note="3mm-2w, writers never try exclusive",
    ),
    Scenario(
        "3mm-3w",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1),), ((1, 1),), ((3, -1),)),
        note="three writers, one op each",
    ),
    Scenario(
        "k2-2mm-2w",
        3,
        4097,
        ((4097, 1), (1, 1)),
        (((4097, 1),), ((1, 1), (1, -1))),
        note="values read at different moments",
    ),
    Scenario(
        "k2-3mm-2w",
        4,
        4099,
        ((4099, 1), (1, 1)),
        (((4098, 1),), ((1, 1), (1, -1))),
        note="ids 1+4098 look like id 4099",
    ),
    Scenario(
        "k2-3mm-3w",
        4,
        4099,
        ((4099, 1), (1, 1)),
        (((4098, 1),), ((1, 1), (1, -1)), ((4099, 1),)),
        note="k2-3mm-2w, and mm4099 maps a page",
    ),
    Scenario(
        "mom-3mm-2w",
        2,
        3,
        ((3, 1), (1, 1)),
        (((2, 1), (2, -1)), ((3, 1),)),
        note="3mm-2w, moments encoding (x, x*x)",
        encoding="moments",
    ),
    Scenario(
        "mom-2mm-2w",
        2,
        2,
        ((2, 1), (1, 2)),
        (((2, 1),), ((1, 2),)),
        note="moments: words read at different moments",
        encoding="moments",
    ),
    Scenario(
        "k3-2mm-1w",
        6,
        65793,
        ((65793, 1), (1, 1)),
        (((65793, 1),),),
        note="order 6: the posted K=3 group",
    ),
)


def scenario_names() -> list[str]:
    return [s.name for s in SCENARIOS]


def get_scenario(name: Scenario | str) -> Scenario:
    if isinstance(name, Scenario):
        return name
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise ConfigError(f"scenario={name!r} is unknown: allowed {', '.join(scenario_names())}")


def _check_protocol(protocol) -> str:
    if protocol not in PROTOCOLS:
        raise ConfigError(f"protocol={protocol!r} is unknown: allowed {', '.join(PROTOCOLS)}")
    return protocol


class Model:
    """A scenario compiled for one protocol: sub-IDs, programs, the step function.

    A state is a flat tuple ``(seq, mapcount, values, writers, reader)``:
    ``values`` a K-tuple of masked words, ``writers`` one ``(op, stage, pc,
    reg, excl)`` per writer, ``reader`` ``(stage, i, reg_seq, reg_n, answer,
    started, all_shared, all_excl)``.
    """

    def __init__(self, scenario: Scenario | str, protocol: str = "seqcount") -> None:
        self.scenario = sc = get_scenario(scenario)
        self.protocol = _check_protocol(protocol)
        self.config: RmapConfig = sc.config
        self.pages = sc.pages
        self.mask = self.config.word_mask
        # the scenario's encoding is a shorthand (rmaplab.encodings.names);
        # "digits" there means the configuration's posted group
        name = "posted" if sc.encoding == "digits" else sc.encoding
        enc = resolve_encoding(name, sc.order, self.config)
        self.subids = {m: enc.addends(m) for m in sc.mms}
        self.k = enc.nr_values
        self.x = sc.reader
        self.cpus = [f"W{i}" for i in range(len(sc.writers))] + ["R"]
        self._validate()
        seqc = protocol != "none"
        self.init_stage = W_BODY if not seqc else (W_LOAD if sc.try_exclusive else W_ADD)
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
                        x.insert(len(x) - 2, ("end", EXCL, 0))
                    else:
                        a.append(("end", 1, 0))
                        x.append(("end", EXCL, 0))
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
    def initial(self) -> tuple:
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
        if cpu == nw:
            return self._reader_step(state)
        op, stage, pc, reg, excl = ws[cpu]
        if stage == W_DONE:
            return None
        op0, pc0 = op, pc
        mm, c = self.scenario.writers[cpu][op]
        what = f"{'map' if c > 0 else 'unmap'} {abs(c)} mm{mm}"
        if stage == W_LOAD:
            if seq & WRITERS_MASK:
                w = (op, W_ADD, 0, 0, 0)
                text = f"begin {what}: load seq {seq:#x}, writer active -> shared"
            else:
                w = (op, W_CAS, 0, seq, 0)
                text = f"begin {what}: load seq {seq:#x}"
        elif stage == W_CAS:
            if seq == reg:
                seq = seq | EXCL
                w = (op, W_XBODY, 0, 0, 1)
                text = f"cmpxchg seq {reg:#x} -> {seq:#x}: exclusive writer"
            else:
                w = (op, W_ADD, 0, 0, 0)
                text = f"cmpxchg seq fails ({seq:#x} != {reg:#x})"
        elif stage == W_ADD:
            seq = (seq + 1) & SEQ_WORD_MASK
            nxt = W_BODY if self.protocol == "no-excl-wait" else W_SPIN
            w = (op, nxt, 0, 0, 0)
            text = f"begin {what}: seq += 1 -> {seq:#x} (shared writer)"
        elif stage == W_SPIN:
            if seq & EXCL:
                return None
            w = (op, W_BODY, 0, 0, 0)
            text = f"load seq {seq:#x}: no exclusive writer"
        else:
            prog = (self.excl_prog if stage == W_XBODY else self.shared_prog)[cpu][op]
            kind, t, d = prog[pc]
            name = "mapcount" if t == MAPCOUNT else f"value{t}"
            if kind == "end":
                seq = (seq + SEQ_STEP - t) & SEQ_WORD_MASK
                text = f"end: seq += STEP - {'EXCL' if t == EXCL else 1} -> {seq:#x}"
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
                if op == len(self.scenario.writers[cpu]):
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
            if seq & WRITERS_MASK and self.protocol != "no-wait":
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
        """``false_exclusive``, ``false_shared``, ``correct``, or None (not returned)."""
        stage, _i, _rs, _rn, ans, _st, all_sh, all_ex = state[4]
        if stage != R_DONE:
            return None
        if ans == ANS_EXCL and all_sh:
            return "false_exclusive"
        if ans == ANS_SHARED and all_ex:
            return "false_shared"
        return "correct"


@dataclass
class ExploreResult:
    scenario: str
    protocol: str
    states: int
    complete: bool
    max_states: int
    false_exclusive: int
    false_shared: int
    correct: int
    wrong: pd.DataFrame  # one row per wrong-answer state, shortest schedule
    example: list[str] | None  # CPU names of the shortest bad interleaving

    def summary(self) -> dict:
        return {
            "scenario": self.scenario,
            "protocol": self.protocol,
            "states": self.states,
            "complete": self.complete,
            "false_exclusive": self.false_exclusive,
            "false_shared": self.false_shared,
            "example": self.example,
        }


def _path(parent: dict, state, cpus: list[str]) -> list[str]:
    out = []
    while True:
        p = parent[state]
        if p is None:
            break
        state, cpu = p
        out.append(cpus[cpu])
    return out[::-1]


def explore(
    scenario: Scenario | str,
    protocol: str = "seqcount",
    max_states: int = DEFAULT_MAX_STATES,
    progress: bool = False,
) -> ExploreResult:
    """Every interleaving of ``scenario`` under ``protocol``, breadth first.

    Stops at ``max_states`` distinct states with ``complete=False`` (what was
    found so far is still reported; absence of wrong answers then proves
    nothing). Wrong answers are counted as distinct states in which the
    reader has just returned a wrong answer.
    """
    if isinstance(max_states, bool) or not isinstance(max_states, int) or max_states < 1:
        raise ConfigError(f"max_states={max_states!r} is out of range: allowed >= 1")
    model = Model(scenario, protocol)
    start = model.initial()
    parent: dict = {start: None}
    frontier = [start]
    found: dict[str, list] = {"false_exclusive": [], "false_shared": [], "correct": []}
    complete = True
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc=f"race {model.scenario.name}/{protocol}", unit="state")
    while frontier and complete:
        nxt = []
        for s in frontier:
            for cpu, t in model.successors(s):
                if t in parent:
                    continue
                parent[t] = (s, cpu)
                v = Model.verdict(t)
                if v is None:
                    nxt.append(t)
                else:
                    found[v].append(t)
                if len(parent) >= max_states:
                    complete = False
                    break
            if not complete:
                break
        if bar is not None:
            bar.update(len(parent) - bar.n)
        frontier = nxt
    if bar is not None:
        bar.close()
    rows = []
    for kind in ("false_exclusive", "false_shared"):
        for t in found[kind]:
            sched = _path(parent, t, model.cpus)
            rows.append(
                {
                    "scenario": model.scenario.name,
                    "protocol": protocol,
                    "kind": kind,
                    "length": len(sched),
                    "mapcount_read": t[4][3],
                    "schedule": " ".join(sched),
                }
            )
    wrong = pd.DataFrame(
        rows,
        columns=["scenario", "protocol", "kind", "length", "mapcount_read", "schedule"],
    )
    if len(wrong):
        wrong = wrong.sort_values(["kind", "length", "schedule"], kind="stable")
        wrong = wrong.reset_index(drop=True)
    example = None
    for kind in ("false_exclusive", "false_shared"):
        sub = wrong[wrong["kind"] == kind]
        if len(sub):
            example = sub.iloc[0]["schedule"].split()
            break
    return ExploreResult(
        scenario=model.scenario.name,
        protocol=protocol,
        states=len(parent),
        complete=complete,
        max_states=max_states,
        false_exclusive=len(found["false_exclusive"]),
        false_shared=len(found["false_shared"]),
        correct=len(found["correct"]),
        wrong=wrong,
        example=example,
    )


def explore_all(
    scenarios: Iterable[Scenario | str] | None = None,
    protocols: Iterable[str] | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    progress: bool = False,
) -> pd.DataFrame:
    """One row per scenario and protocol: states, complete, wrong answers, example."""
    scs = [get_scenario(s) for s in (scenarios if scenarios is not None else SCENARIOS)]
    prs = [_check_protocol(p) for p in (protocols if protocols is not None else PROTOCOLS)]
    jobs = [(s, p) for s in scs for p in prs]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="race", unit="case")
    rows = []
    for s, p in jobs:
        r = explore(s, p, max_states=max_states)
        row = r.summary()
        row["example"] = " ".join(r.example) if r.example else ""
        row["max_states"] = max_states
        rows.append(row)
    return pd.DataFrame(rows)


def race_chart(results: pd.DataFrame) -> Any:
    """Heat map of :func:`explore_all` results: false "exclusive" states per
    scenario and protocol (orange: at least one; a cross: exploration incomplete).
    Returns an ``alt.Chart``."""
    import altair as alt

    from . import plotting  # noqa: F401  (selects the offline renderer)

    df = results.assign(
        outcome=[
            "incomplete" if not c else ("wrong answers" if fe or fs else "none wrong")
            for c, fe, fs in zip(
                results["complete"],
                results["false_exclusive"],
                results["false_shared"],
                strict=True,
            )
        ],
        label=[
            f"{fe}" + (f"/{fs}" if fs else "") + ("" if c else "?")
            for c, fe, fs in zip(
                results["complete"],
                results["false_exclusive"],
                results["false_shared"],
                strict=True,
            )
        ],
    )
    budget = int(results["max_states"].max()) if "max_states" in results else 0
    base = alt.Chart(df).encode(
        x=alt.X("protocol:N", sort=list(PROTOCOLS), title="protocol", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("scenario:N", sort=list(dict.fromkeys(df["scenario"])), title="scenario"),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(
            "outcome:N",
            scale=alt.Scale(
                domain=["none wrong", "wrong answers", "incomplete"],
                range=["#1b9e77", "#d95f02", "#7570b3"],
            ),
        ),
        tooltip=["scenario", "protocol", "states", "complete", "false_exclusive", "false_shared"],
    )
    text = base.mark_text().encode(text="label:N")
    return (rect + text).properties(
        title=[
            "False 'exclusive' states per scenario and protocol",
            f"(every interleaving, sequential consistency, budget {budget} states)",
        ],
        width=alt.Step(90),
        height=alt.Step(22),
    )


def scenario_table() -> pd.DataFrame:
    rows = []
    for s in SCENARIOS:
        m = Model(s, "seqcount")
        rows.append(
            {
                "scenario": s.name,
                "pages": s.pages,
                "values": m.k,
                "mms": len(s.mms),
                "writers": len(s.writers),
                "reader": s.reader,
                "describe": s.describe(),
                "note": s.note,
            }
        )
    return pd.DataFrame(rows)


def _cpu_index(model: Model, cpu) -> int:
    if isinstance(cpu, dict):
        cpu = cpu.get("cpu")
    if isinstance(cpu, str) and cpu in model.cpus:
        return model.cpus.index(cpu)
    raise ConfigError(f"step cpu={cpu!r} is unknown: allowed {', '.join(model.cpus)}")


def replay(scenario: Scenario | str, protocol: str, steps: Sequence[str | dict]) -> pd.DataFrame:
    """Replay ``steps`` (CPU names such as ``"W0"`` and ``"R"``, or dicts with
    a ``cpu`` key) from the initial state; one row per state: the step that led
    to it, the sequence word, mapcount, every value, every CPU's next step
    and the reader's verdict. Row 0 is the initial state. A step of a CPU that
    has finished or is spinning is an error (it could not change the state).
    """
    model = Model(scenario, protocol)
    s = model.initial()
    rows = [_row(model, 0, "", "initial state", s)]
    for i, cpu in enumerate(steps, 1):
        c = _cpu_index(model, cpu)
        r = model.step(s, c)
        if r is None or r[0] == s:
            raise ConfigError(
                f"step {i} ({model.cpus[c]}) cannot run: that CPU has finished or is spinning"
            )
        s, text = r
        rows.append(_row(model, i, model.cpus[c], text, s))
    return pd.DataFrame(rows)


def _row(model: Model, i: int, cpu: str, text: str, s: tuple) -> dict:
    seq, n, vals, ws, rd = s
    sure, maybe = model.truth(ws)
    row = {
        "step": i,
        "cpu": cpu,
        "action": text,
        "seq": seq >> (SHARED_BITS + 1),
        "writers": seq & (EXCL - 1),
        "excl": bool(seq & EXCL),
        "mapcount": n,
    }
    for j, v in enumerate(vals):
        row[f"value{j}"] = v
    for w, (op, stage, pc, _r, excl) in enumerate(ws):
        ops = model.scenario.writers[w]
        if stage == W_DONE:
            row[f"W{w}"] = "done"
            continue
        mm, c = ops[op]
        what = f"op {op} ({'map' if c > 0 else 'unmap'} {abs(c)} mm{mm})"
        if stage == model.init_stage and not pc:
            row[f"W{w}"] = f"before {what}"
        else:
            path = "exclusive" if excl else "shared" if stage in (W_BODY, W_SPIN) else "begin"
            row[f"W{w}"] = f"in {what}, {path}"
    for m, (lo, hi) in model.counts(ws).items():
        row[f"mm{m}"] = str(lo) if lo == hi else f"{lo}..{hi}"
    row["other_mm_surely_maps"] = sure
    row["other_mm_possibly_maps"] = maybe
    row["verdict"] = Model.verdict(s) or ("reading" if rd[5] else "not started")
    return row


def naive_enumerate(
    scenario: Scenario | str, protocol: str, max_schedules: int = 2_000_000
) -> tuple[set, dict[str, set], dict[str, int], int]:
    """Plain DFS over every schedule, no state hashing (for tests).

    Returns ``(states, wrong, shortest, schedules)``: the set of every state
    reached, the set of wrong-answer states by kind, the shortest schedule
    length per kind, and the number of maximal schedules enumerated.
    """
    model = Model(scenario, protocol)
    states: set = set()
    wrong: dict[str, set] = {"false_exclusive": set(), "false_shared": set()}
    shortest: dict[str, int] = {}
    count = 0
    stack = [(model.initial(), 0)]
    while stack:
        s, depth = stack.pop()
        states.add(s)
        v = Model.verdict(s)
        if v is not None:
            count += 1
            if v != "correct":
                wrong[v].add(s)
                shortest[v] = min(shortest.get(v, depth), depth)
            continue
        succ = list(model.successors(s))
        if not succ:
            count += 1
            continue
        for _cpu, t in succ:
            stack.append((t, depth + 1))
        if count > max_schedules:
            raise ConfigError(f"max_schedules={max_schedules} exceeded")
    return states, wrong, shortest, count


def litmus_tests() -> dict[str, str]:
    """The reader/writer pattern as Linux-kernel memory model litmus tests.

    Text in the ``tools/memory-model`` C-litmus format, for herd7 elsewhere:
    ``herd7 -conf linux-kernel.cfg FILE``. rmaplab does not run herd7; the
    "Result" lines are what the pattern is expected to give, not measured.
    Scenario 3mm-1w with K = 1: mm3 (sub-ID 6) and mm1 (sub-ID 1) map a page
    each (mapcount 2, value 7); P0 maps a page for mm2 (sub-ID 5); the reader
    P1 checks for mm3. The torn read mapcount 2 / value 12 = 2*6 is a false
    "exclusive". herd7's model has ``atomic_t`` only, so the 64-bit
    ``atomic_long`` words are ``atomic_t`` here (the numbers fit).
    """
    head = (
        "(*\n * {title}\n * Expected: {expect} (rmaplab did not run herd7; run\n"
        " * herd7 -conf linux-kernel.cfg on this file to check)\n"
        " * Generated by rmaplab.race.litmus_tests from scenario 3mm-1w.\n *)\n"
    )
    init = (
        "{\n\tatomic_t seq = ATOMIC_INIT(0);\n\tatomic_t mapcount = ATOMIC_INIT(2);\n"
        "\tatomic_t val = ATOMIC_INIT(7);\n}\n"
    )
    reader_seq = (
        "P1(atomic_t *seq, atomic_t *mapcount, atomic_t *val)\n{\n"
        "\tint r0;\n\tint r1;\n\tint r2;\n\tint r3;\n\n"
        "\tr0 = atomic_read(seq);\n\tsmp_rmb();\n"
        "\tr1 = atomic_read(mapcount);\n\tr2 = atomic_read(val);\n"
        "\tsmp_rmb();\n\tr3 = atomic_read(seq);\n}\n"
    )
    reader_none = (
        "P1(atomic_t *seq, atomic_t *mapcount, atomic_t *val)\n{\n"
        "\tint r1;\n\tint r2;\n\n"
        "\tr1 = atomic_read(mapcount);\n\tr2 = atomic_read(val);\n}\n"
    )

    def writer(begin_mb: bool, seqc: bool = True) -> str:
        body = "\tatomic_add(1, mapcount);\n\tatomic_add(5, val);\n"
        if not seqc:
            return f"P0(atomic_t *seq, atomic_t *mapcount, atomic_t *val)\n{{\n{body}}}\n"
        return (
            "P0(atomic_t *seq, atomic_t *mapcount, atomic_t *val)\n{\n"
            "\tatomic_add(1, seq);\n"
            + ("\tsmp_mb__after_atomic();\n" if begin_mb else "")
            + body
            + "\tsmp_mb__before_atomic();\n"
            + f"\tatomic_add({SEQ_STEP - 1}, seq);\n}}\n"
        )

    # r0 = 0 and r3 = 0: the reader saw no writer and an unchanged word.
    torn_seq = "exists (1:r0=0 /\\ 1:r3=0 /\\ 1:r1=2 /\\ 1:r2=12)\n"
    torn_none = "exists (1:r1=2 /\\ 1:r2=12)\n"
    tests = {
        "rmap-seqcount-shared-writer": (
            "seqcount as posted, shared writer: no torn snapshot accepted",
            "Never",
            writer(True),
            reader_seq,
            torn_seq,
        ),
        "rmap-seqcount-no-begin-barrier": (
            "seqcount, shared writer without a barrier after begin",
            "Sometimes",
            writer(False),
            reader_seq,
            torn_seq,
        ),
        "rmap-no-seqcount": (
            "no seqcount: atomics only, torn mapcount/value",
            "Sometimes",
            writer(False, seqc=False),
            reader_none,
            torn_none,
        ),
    }
    out = {}
    for name, (title, expect, p0, p1, ex) in tests.items():
        out[name + ".litmus"] = (
            f"C {name}\n\n"
            + head.format(title=title, expect=expect)
            + "\n"
            + init
            + "\n"
            + p0
            + "\n"
            + p1
            + "\n"
            + ex
        )
    return out
