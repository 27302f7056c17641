"""The reader/writer pattern as Linux-kernel memory model (LKMM) litmus tests.

The tests are generated, not hand-written: the writer's body comes from the
step model's own programs (:class:`~rmaplab.race.model.Model`, scenario
``3mm-1w`` with K = 1: mm3 and mm1 map a page each, mapcount 2, value 7; the
writer maps a page for mm2, sub-ID 5), the reader from the model's reader, and
the barriers from :data:`POSTED`, the ordering the posted protocol asks for
(restated in ``../shared/reference/rmap-id.md``, "Concurrency"). Each variant
changes one entry of that description.

Every test asks the same question. The torn snapshot is mapcount 2 (before
the map) with value 12 (after it): 12 = 2 * subid(mm3), a false "exclusive"
for the reader of mm3 if it is accepted. It is accepted when the reader saw
no writer and the same word before and after its reads: ``r0 = r3 = 0``
(before the writer began) or ``r0 = r3 = STEP`` (after it ended).

A test is a list of abstract operations per thread, rendered both as C
litmus text for herd7 and run by :func:`sc_outcomes`, a sequentially
consistent interpreter. Under SC the barriers do nothing, so the SC outcomes
are the floor every herd7 result must contain (a cross-check of herd7's run
that does not depend on the expected verdicts).

herd7's model knows ``atomic_t`` only: the 64-bit ``atomic_long`` words are
``atomic_t`` here (every number fits). herd7 7.57's ``linux-kernel.def`` has
no ``try_cmpxchg``; on success ``try_cmpxchg_acquire`` orders exactly as
``cmpxchg_acquire``, which stands for it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

__all__ = [
    "POSTED",
    "Barriers",
    "LitmusTest",
    "all_tests",
    "generate",
    "litmus_tests",
    "sc_outcomes",
]

VARS = ("seq", "mapcount", "val")


@dataclass(frozen=True)
class Barriers:
    """The ordering each step of the protocol uses (one field per barrier)."""

    #: after the shared writer's ``atomic_inc`` of the word
    shared_begin: str = "smp_mb__after_atomic"
    #: before the shared writer's end ``atomic_add(STEP - 1)``
    shared_end: str = "smp_mb__before_atomic"
    #: the exclusive writer's cmpxchg flavour
    excl_cmpxchg: str = "atomic_cmpxchg"
    #: before the exclusive writer's end ``atomic_add(STEP - EXCL)``
    excl_end: str = "smp_mb__before_atomic"
    #: the reader's smp_rmb after loading the word, and before loading it again
    reader_rmb1: bool = True
    reader_rmb2: bool = True
    #: False: no seqcount at all (atomic updates, one read of each word)
    seqcount: bool = True


#: As posted: full barriers around the writer's section, two smp_rmb in the reader.
POSTED = Barriers()


@dataclass(frozen=True)
class LitmusTest:
    name: str
    title: str
    writer: str  # "shared" or "exclusive"
    barriers: Barriers
    expected: str  # Never / Sometimes / Always
    why: str
    threads: tuple[tuple[tuple, ...], ...] = field(default=())
    init: tuple[tuple[str, int], ...] = ()
    exists: tuple[tuple, ...] = ()  # disjunction of conjunctions of (thread, reg, value)
    variables: tuple[str, ...] = VARS  # atomic_t words (a spinlock_t *bitlock is added if used)

    def text(self) -> str:
        return _render(self)


def _model_program(writer: str) -> tuple[list[tuple], dict[str, int], int, int, int]:
    """The writer's body for scenario 3mm-1w from the step model, the initial
    words, the reader's sub-ID and the layout constants."""
    from .codes import EXCL, MAPCOUNT, SEQ_STEP
    from .model import Model

    m = Model("3mm-1w", "seqcount")
    if m.k != 1:  # pragma: no cover - the scenario is K = 1 by construction
        raise AssertionError("3mm-1w must have one rmap value")
    seq, n, vals, _ws, _rd = m.initial()
    prog = (m.excl_prog if writer == "exclusive" else m.shared_prog)[0][0]
    body: list[tuple] = []
    for kind, t, d in prog:
        var = "mapcount" if t == MAPCOUNT else "val"
        if kind == "add":
            body.append(("add", var, d))
        elif kind == "load":
            body.append(("read", "r9" if var == "mapcount" else "r8", var))
        elif kind == "store":
            body.append(("set_plus", var, "r9" if var == "mapcount" else "r8", d))
        # "end" is rendered from the barrier description
    init = {"seq": seq, "mapcount": n, "val": vals[0]}
    return body, init, m.subids[m.x][0], SEQ_STEP, EXCL


def generate(
    name: str, title: str, writer: str, b: Barriers, expected: str, why: str
) -> LitmusTest:
    """One test: writer path ``shared`` or ``exclusive`` under barriers ``b``."""
    body, init, x, step, excl = _model_program(writer)
    w: list[tuple] = []
    if b.seqcount:
        if writer == "shared":
            w.append(("add", "seq", 1))
            if b.shared_begin:
                w.append(("fence", b.shared_begin))
        else:
            w.append(("cmpxchg", "r7", "seq", 0, excl, b.excl_cmpxchg))
    w += body
    if b.seqcount:
        end = b.shared_end if writer == "shared" else b.excl_end
        if end:
            w.append(("fence", end))
        w.append(("add", "seq", step - (1 if writer == "shared" else excl)))
    r: list[tuple] = []
    if b.seqcount:
        r.append(("read", "r0", "seq"))
        if b.reader_rmb1:
            r.append(("fence", "smp_rmb"))
    r += [("read", "r1", "mapcount"), ("read", "r2", "val")]
    if b.seqcount:
        if b.reader_rmb2:
            r.append(("fence", "smp_rmb"))
        r.append(("read", "r3", "seq"))
    n0 = init["mapcount"]
    torn = ((1, "r1", n0), (1, "r2", n0 * x))
    exists: tuple[tuple, ...]
    if b.seqcount:
        exists = (
            (*torn, (1, "r0", 0), (1, "r3", 0)),
            (*torn, (1, "r0", step), (1, "r3", step)),
        )
    else:
        exists = (torn,)
    return LitmusTest(
        name, title, writer, b, expected, why, (tuple(w), tuple(r)), tuple(init.items()), exists
    )


def _tests() -> list[LitmusTest]:
    P = POSTED
    spec = [
        (
            "shared-writer",
            "posted, reader vs shared writer",
            "shared",
            P,
            "Never",
            "both writer barriers and both smp_rmb: a torn pair changes the word",
        ),
        (
            "excl-writer-cmpxchg",
            "posted, reader vs exclusive writer",
            "exclusive",
            P,
            "Never",
            "a full cmpxchg orders the EXCL store before the plain body stores",
        ),
        (
            "excl-writer-cmpxchg-relaxed",
            "exclusive writer, cmpxchg_relaxed",
            "exclusive",
            replace(P, excl_cmpxchg="atomic_cmpxchg_relaxed"),
            "Sometimes",
            "a relaxed cmpxchg lets the body stores pass the EXCL store",
        ),
        (
            "excl-writer-try-cmpxchg-acquire",
            "exclusive writer, try_cmpxchg_acquire",
            "exclusive",
            replace(P, excl_cmpxchg="atomic_cmpxchg_acquire"),
            "Sometimes",
            "acquire orders the cmpxchg's load, not its store, before the body",
        ),
        (
            "shared-no-begin-barrier",
            "shared writer without the barrier after begin",
            "shared",
            replace(P, shared_begin=""),
            "Sometimes",
            "body stores may be seen before the writer count is",
        ),
        (
            "shared-no-end-barrier",
            "shared writer without the barrier before end",
            "shared",
            replace(P, shared_end=""),
            "Sometimes",
            "the end may be seen before the body: old data after the end",
        ),
        (
            "excl-no-end-barrier",
            "exclusive writer without the barrier before end",
            "exclusive",
            replace(P, excl_end=""),
            "Sometimes",
            "the end may be seen before the plain body stores",
        ),
        (
            "reader-no-first-rmb",
            "reader without the smp_rmb after begin",
            "shared",
            replace(P, reader_rmb1=False),
            "Sometimes",
            "the data loads may run before the word load that saw the end",
        ),
        (
            "reader-no-second-rmb",
            "reader without the smp_rmb before the re-check",
            "shared",
            replace(P, reader_rmb2=False),
            "Sometimes",
            "the re-check may load the word before the data loads",
        ),
        (
            "no-seqcount",
            "no seqcount: atomic updates, one read each",
            "shared",
            replace(P, seqcount=False),
            "Sometimes",
            "nothing orders or checks the two loads: torn even under SC",
        ),
    ]
    return [generate("rmap-seqcount-" + s[0], *s[1:]) for s in spec] + [_mm_owner_test()]


def _mm_owner_test() -> LitmusTest:
    """6.15's pattern: the writer updates the total and the shared bit under the
    bit spinlock; ``folio_maybe_mapped_shared`` reads both without it. Scenario
    3mm-own-go's first two mappings, from the model: mm1 maps a page (slot 0,
    total 1, bit clear), then mm2 maps one (slot 1, total 2, bit set)."""
    from .mmowner import SHARED_BIT, add_slots

    slots, bit = add_slots((0, 0, 0, 0), False, 1, 1, 1)
    _new_slots, new_bit = add_slots(slots, bit, 2, 1, 2)
    if bit or not new_bit:  # pragma: no cover - the merged rules make it so
        raise AssertionError("mm2's map must set the bit")
    ids0, ids1 = 0, SHARED_BIT  # the bit's word before and after
    w = (("lock",), ("set", "total", 2), ("set", "ids", ids1), ("unlock",))
    r = (("read", "r1", "total"), ("read", "r2", "ids"))
    return LitmusTest(
        "rmap-mm-owner-unlocked-reader",
        "6.15: writer under the bit spinlock, folio_maybe_mapped_shared unlocked",
        "mm-owner",
        POSTED,
        "Sometimes",
        "total and bit are no snapshot; harmless: the map is in flight",
        (w, r),
        (("total", 1), ("ids", ids0)),
        (((1, "r1", 2), (1, "r2", ids0)),),
        ("total", "ids"),
    )


def _expr(op: tuple) -> str:
    kind = op[0]
    if kind == "add":
        return f"atomic_add({op[2]}, {op[1]});" if op[2] != 1 else f"atomic_inc({op[1]});"
    if kind == "read":
        return f"{op[1]} = atomic_read({op[2]});"
    if kind == "set_plus":
        return f"atomic_set({op[1]}, {op[2]} + {op[3]});"
    if kind == "cmpxchg":
        return f"{op[1]} = {op[5]}({op[2]}, {op[3]}, {op[4]});"
    if kind == "fence":
        return f"{op[1]}();"
    if kind == "set":
        return f"atomic_set({op[1]}, {op[2]});"
    if kind == "lock":
        return "spin_lock(bitlock);"
    if kind == "unlock":
        return "spin_unlock(bitlock);"
    raise ValueError(f"op={kind!r} is unknown")


def _render(t: LitmusTest) -> str:
    locked = any(op[0] == "lock" for ops in t.threads for op in ops)
    args = ", ".join(["spinlock_t *bitlock"] * locked + [f"atomic_t *{v}" for v in t.variables])
    out = [
        f"C {t.name}",
        "",
        "(*",
        f" * {t.title}",
        f" * Expected: {t.expected} ({t.why})",
        " * Generated by rmaplab.race.litmus from the step model's programs.",
        " * Run: (cd $LKMM && herd7 -conf linux-kernel.cfg FILE)",
        " *)",
        "",
        "{",
    ]
    out += [f"\tatomic_t {v} = ATOMIC_INIT({val});" for v, val in t.init]
    out += ["}", ""]
    for i, ops in enumerate(t.threads):
        regs = sorted({op[1] for op in ops if op[0] in ("read", "cmpxchg")})
        out.append(f"P{i}({args})")
        out.append("{")
        out += [f"\tint {r};" for r in regs]
        if regs:
            out.append("")
        out += ["\t" + _expr(op) for op in ops]
        out += ["}", ""]
    disj = [" /\\ ".join(f"{th}:{r}={v}" for th, r, v in conj) for conj in t.exists]
    cond = disj[0] if len(disj) == 1 else " \\/ ".join(f"({d})" for d in disj)
    out.append(f"exists ({cond})")
    return "\n".join(out) + "\n"


def sc_outcomes(t: LitmusTest) -> tuple[set[tuple[tuple[str, int], ...]], bool]:
    """Every final state of the reader's registers under sequential consistency
    (each interleaving of the threads' operations; fences do nothing), and
    whether the exists clause holds in one of them."""
    outcomes: set[tuple[tuple[str, int], ...]] = set()
    hit = False
    n = [len(ops) for ops in t.threads]
    # an interleaving is the set of positions the writer (thread 0) takes
    for pos in itertools.combinations(range(n[0] + n[1]), n[0]):
        mine = set(pos)
        mem = dict(t.init)
        regs: list[dict[str, int]] = [{} for _ in t.threads]
        pcs = [0, 0]
        for k in range(n[0] + n[1]):
            th = 0 if k in mine else 1
            op = t.threads[th][pcs[th]]
            pcs[th] += 1
            kind = op[0]
            if kind == "add":
                mem[op[1]] += op[2]
            elif kind == "read":
                regs[th][op[1]] = mem[op[2]]
            elif kind == "set_plus":
                mem[op[1]] = regs[th][op[2]] + op[3]
            elif kind == "cmpxchg":
                regs[th][op[1]] = mem[op[2]]
                if mem[op[2]] == op[3]:
                    mem[op[2]] = op[4]
            elif kind == "set":
                mem[op[1]] = op[2]
            # "lock"/"unlock": one writer, nothing to exclude under SC
        outcomes.add(tuple(sorted(regs[1].items())))
        if any(all(regs[th].get(r) == v for th, r, v in conj) for conj in t.exists):
            hit = True
    return outcomes, hit


def litmus_tests() -> dict[str, str]:
    """File name -> C litmus text, for every generated test (see the module doc).

    The expected verdicts are in each test's header comment and in
    :func:`all_tests`; ``rmaplab race --litmus DIR --herd7 PATH`` runs them.
    """
    return {t.name + ".litmus": t.text() for t in all_tests()}


def all_tests() -> list[LitmusTest]:
    """The generated tests, with their expected verdict and one line of why."""
    return _tests()
