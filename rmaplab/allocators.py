"""Where mm ids come from: the ids an allocator hands to the mms that map one folio.

Linux 6.15 allocates ``mm->mm_id`` in ``mm_alloc_id`` (kernel/fork.c) with
``ida_alloc_range(&mm_ida, MM_ID_MIN, MM_ID_MAX)``: the lowest free id from
1 (0 is ``MM_ID_DUMMY``), freed again by ``mm_free_id`` when the mm is
freed; when none is free, fork fails. The v1 rmap-ID series allocates its
ids the same way. So real ids are small, dense and reused lowest first, not
uniform over ``2**b``. The allocators here, each seeded:

* ``lowest-free``: a system of about ``live`` processes that fork and exit
  at random (churn, which leaves holes); then a parent forks ``m - 1``
  children, with ``gap`` other events between its forks. The folio is the
  parent's anonymous THP, shared with its children after fork (COW).
* ``consecutive``: a parent and the ``m - 1`` children it forks in a row on a
  quiet system: ids ``s, s + 1, ..., s + m - 1``, ``s`` uniform in
  ``1..live``.
* ``random``: ``m`` distinct ids uniform over ``1..2**b - 1`` (what
  ``collide``'s ``uniform`` population assumes).
* ``adversary``: a user who controls fork order: he forks until the
  lowest-free allocator has handed him the ids of a counterexample (shifted
  into a block of ids free on his system), keeps those mms and lets the
  others exit (:func:`adversary_plan`). Every id below his largest is then
  held by someone at once, so that id bounds what he needs.

:class:`LowestFree` is the allocator (a heap of freed ids below the high
water mark, as the IDA's "first zero bit"); :func:`lowest_free_reference`
is its plain twin (scan from the minimum), which tests compare it with.
How often such ids fool an encoding is :func:`fooled_trials`, on the
encoding's own Python addends; :mod:`rmaplab.report` puts it in post.txt.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Sequence

import numpy as np

from .config import ConfigError, _check_int
from .encodings import Encoding

__all__ = [
    "ALLOCATORS",
    "LowestFree",
    "adversary",
    "adversary_plan",
    "churned_live",
    "collide_ids",
    "family_ids",
    "fooled",
    "fooled_trials",
    "lowest_free_reference",
    "replay_plan",
]

#: allocator name -> what it models
ALLOCATORS = {
    "lowest-free": (
        "lowest free id first (6.15's mm_id: ida_alloc_range), after random fork/exit "
        "churn of about LIVE processes; a parent then forks m - 1 children"
    ),
    "consecutive": "a parent and m - 1 children forked in a row: ids s..s+m-1, s in 1..LIVE",
    "random": "m distinct ids uniform over 1..2^b - 1",
    "adversary": (
        "the forker picks his ids: a counterexample's ids, obtained from the "
        "lowest-free allocator by forking in order and exiting the rest"
    ),
}
#: default live processes of the churned system, and churn events before a family
LIVE = 400
CHURN_EVENTS = 4000
#: other fork/exit events between two forks of the family's parent (at most)
GAP = 8
#: ids of live mms: PID_MAX_LIMIT (64-bit) bounds live tasks, hence live mms
#: in practice (an mm held by mmget/mmgrab can outlive its tasks; see idspace)
LIVE_RANGE = (1, 1 << 22)
#: families per vectorised chunk of :func:`fooled_trials`
CHUNK = 2048


class LowestFree:
    """Lowest-free id allocator on ``[lo, hi]`` (``ida_alloc_range``)."""

    def __init__(self, lo: int = 1, hi: int = (1 << 31) - 1):
        if not 0 <= lo <= hi:
            raise ConfigError(f"lo={lo}, hi={hi}: allowed 0 <= lo <= hi")
        self.lo, self.hi = lo, hi
        self.next = lo  # every id below is allocated or in the heap
        self.freed: list[int] = []
        self.live: set[int] = set()

    def alloc(self) -> int:
        if self.freed:
            i = heapq.heappop(self.freed)
        elif self.next <= self.hi:
            i = self.next
            self.next += 1
        else:
            # mm_alloc_id fails: fork returns -ENOMEM
            raise ConfigError(f"ids exhausted: all of {self.lo}..{self.hi} are live")
        self.live.add(i)
        return i

    def free(self, i: int) -> None:
        if i not in self.live:
            raise ConfigError(f"id {i} is not allocated")
        self.live.remove(i)
        heapq.heappush(self.freed, i)


def lowest_free_reference(live: Iterable[int], lo: int = 1) -> int:
    """The plain twin of :meth:`LowestFree.alloc`: the smallest id >= lo not live."""
    s = set(live)
    i = lo
    while i in s:
        i += 1
    return i


def _churn(rng: random.Random, a: LowestFree, procs: list[int], live: int, events: int) -> None:
    """``events`` random forks and exits; the process count drifts back to ``live``."""
    for _ in range(events):
        if len(procs) < 2 or rng.random() * 2 * live >= len(procs):
            procs.append(a.alloc())
        else:
            j = rng.randrange(len(procs))
            procs[j], procs[-1] = procs[-1], procs[j]
            a.free(procs.pop())


def family_ids(
    allocator: str,
    mms: int,
    n: int,
    seed: int = 0,
    id_bits: int = 24,
    live: int = LIVE,
    churn_events: int = CHURN_EVENTS,
    gap: int = GAP,
) -> np.ndarray:
    """``n`` families of ``mms`` ids each (``int64[n, mms]``; the parent
    first) from ``allocator`` (``lowest-free``, ``consecutive``, ``random``),
    seeded. ``lowest-free`` runs one system: churn, then each family's
    parent (a random live process) forks its children with up to ``gap``
    other events between forks; the family then exits and the system churns
    on (``churn_events // 100`` events) before the next family."""
    if allocator not in ("lowest-free", "consecutive", "random"):
        raise ConfigError(
            f"allocator={allocator!r} draws no families: allowed lowest-free, consecutive, random"
        )
    mms = _check_int("mms", mms, 2, 1 << 16)
    n = _check_int("n", n, 0, 1 << 24)
    live = _check_int("live", live, *LIVE_RANGE)
    max_id = (1 << id_bits) - 1
    if allocator != "random" and live + mms > max_id:
        raise ConfigError(f"live={live}: allowed at most {max_id - mms} with {id_bits}-bit ids")
    rng = random.Random(seed)
    out = np.zeros((n, mms), dtype=np.int64)
    if allocator == "random":
        for t in range(n):
            out[t] = rng.sample(range(1, max_id + 1), mms)
        return out
    if allocator == "consecutive":
        for t in range(n):
            s = rng.randint(1, live)
            out[t] = np.arange(s, s + mms)
        return out
    a = LowestFree(1, max_id)
    procs: list[int] = []
    _churn(rng, a, procs, live, churn_events)
    for t in range(n):
        # the parent is pinned while it forks: the churn never exits it
        parent = procs.pop(rng.randrange(len(procs)))
        kids = []
        for _ in range(mms - 1):
            _churn(rng, a, procs, live, rng.randint(0, gap))
            kids.append(a.alloc())
        out[t] = [parent, *kids]
        procs.append(parent)
        for k in kids:
            a.free(k)
        _churn(rng, a, procs, live, churn_events // 100)
    return out


def adversary_plan(
    ids: Sequence[int], taken: Iterable[int] = (), block_bits: int = 0
) -> tuple[list[int], list[tuple[str, int]]]:
    """How a forker gets ``ids`` (up to a shift by a multiple of
    ``2**block_bits``) from a lowest-free allocator while others hold
    ``taken``: the shifted ids (the lowest block where all are free), in
    the order of ``ids``, and the plan, ``("fork", id)`` in allocation order then ``("exit", id)``
    for every fork he does not keep. Forks: his largest id minus the taken
    ids below it. ``block_bits = 0``: no shift (an id others hold is then
    one he must wait for: the plan skips it)."""
    taken = set(taken)
    step = 1 << block_bits
    h = 0
    while block_bits and any(i + h * step in taken for i in ids):
        h += 1
    want = [i + h * step for i in ids]
    plan: list[tuple[str, int]] = []
    for i in range(1, max(want) + 1):
        if i not in taken:
            plan.append(("fork", i))
    keep = set(want)
    plan += [("exit", i) for op, i in plan if i not in keep]
    return want, plan


def replay_plan(
    plan: Sequence[tuple[str, int]], taken: Iterable[int] = (), hi: int = 1 << 31
) -> list[int]:
    """Run ``plan`` on a :class:`LowestFree` whose other ids are ``taken``;
    returns the ids the forker holds at the end (each fork must get the id
    the plan says: the allocator decides, not the plan)."""
    a = LowestFree(1, hi)
    held = set(taken)
    top = max(held, default=0)
    for _ in range(top):
        a.alloc()
    for i in range(1, top + 1):
        if i not in held:
            a.free(i)
    mine: set[int] = set()
    for op, i in plan:
        if op == "fork":
            got = a.alloc()
            if got != i:
                raise ConfigError(f"the allocator gave id {got}, the plan expected {i}")
            mine.add(got)
        else:
            a.free(i)
            mine.remove(i)
    return sorted(mine)


def fooled(enc: Encoding, ids: Sequence[int], counts: Sequence[int], victim: int) -> bool:
    """Does the check answer 'exclusive' for ``ids[victim]`` (plain Python
    ints): every value's sum equals n times the victim's addend mod 2**W."""
    x = enc.addends(ids[victim])
    n = sum(counts)
    mod = 1 << enc.word_bits
    return all(
        sum(c * enc.addends(i)[k] for i, c in zip(ids, counts, strict=True)) % mod == n * x[k] % mod
        for k in range(enc.nr_values)
    )


def _addend_table(enc: Encoding, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique ids and their addends, ``uint64[u, K]`` (mod 2**W < 2**64):
    :meth:`Encoding.word_addend` once per distinct slice value a word reads
    (ids share slice values; :meth:`Encoding.addends` per id would redo them)."""
    uniq, inv = np.unique(ids, return_inverse=True)
    if len(uniq) and (uniq[0] < 1 or uniq[-1] > enc.max_id):
        raise ConfigError(f"ids: allowed 1..{enc.max_id}")
    tab = np.zeros((len(uniq), enc.nr_values), dtype=np.uint64)
    for k, sl in enumerate(enc.word_slice):
        v = (uniq >> (sl * enc.slice_bits)) & ((1 << enc.slice_width(sl)) - 1)
        vals, where = np.unique(v, return_inverse=True)
        col = np.array([enc.word_addend(k, int(x)) for x in vals], dtype=object)
        tab[:, k] = col.astype(np.uint64)[where.reshape(-1)]
    return tab, inv.reshape(ids.shape)


def fooled_trials(
    enc: Encoding, order: int, ids: np.ndarray, seed: int = 0, mappings: int | None = None
) -> tuple[int, int]:
    """(fooled, trials) over the families ``ids`` (``int64[n, m]``): each
    gets a total of mappings (``mappings``, or uniform in ``m..P`` with
    ``P = 2**order``; more than P is answered 'shared' by the mapcount, so
    never drawn), split uniformly into m positive counts, and a victim
    uniform among the m; fooled when every value's sum equals n times the
    victim's addend mod 2**W (wrapping uint64 arithmetic, exact for W <= 64)."""
    n, m = ids.shape
    P = 1 << order
    if m > P or (mappings is not None and not m <= mappings <= P):
        raise ConfigError(f"mappings: allowed {m}..{P} (folio_nr_pages) with {m} mms")
    rng = np.random.default_rng(seed)
    tot: np.ndarray = np.asarray(
        np.full(n, mappings, dtype=np.int64)
        if mappings is not None
        else rng.integers(m, P + 1, size=n)
    )
    victim: np.ndarray = np.asarray(rng.integers(0, m, size=n))
    tab, inv = _addend_table(enc, ids)
    mask = np.uint64((1 << enc.word_bits) - 1)
    hits = 0
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        t = tot[lo:hi]
        # a uniform composition of t into m positive parts: m - 1 distinct cuts
        # in 1..t-1, the first m - 1 of a random order of them
        keys = rng.random((hi - lo, P))
        keys[np.arange(1, P + 1)[None, :] >= t[:, None]] = 2.0
        cuts = np.sort(np.argpartition(keys, m - 2, axis=1)[:, : m - 1] + 1, axis=1)
        edges = np.concatenate([np.zeros((hi - lo, 1), np.int64), cuts, t[:, None]], axis=1)
        counts = np.diff(edges, axis=1).astype(np.uint64)
        ok = np.ones(hi - lo, dtype=bool)
        rows = np.arange(hi - lo)
        with np.errstate(over="ignore"):
            for k in range(enc.nr_values):
                a = tab[inv[lo:hi], k]  # uint64[chunk, m]
                s = (counts * a).sum(axis=1, dtype=np.uint64)
                x = a[rows, victim[lo:hi]] * t.astype(np.uint64)
                ok &= (s & mask) == (x & mask)
        hits += int(ok.sum())
    return hits, n


def churned_live(
    seed: int = 0, live: int = LIVE, churn_events: int = CHURN_EVENTS, id_bits: int = 24
) -> list[int]:
    """The ids live after ``churn_events`` random forks and exits of about
    ``live`` processes on a lowest-free allocator (sorted)."""
    live = _check_int("live", live, *LIVE_RANGE)
    rng = random.Random(seed)
    a = LowestFree(1, (1 << id_bits) - 1)
    procs: list[int] = []
    _churn(rng, a, procs, live, churn_events)
    return sorted(procs)


def adversary(enc: Encoding, order: int, taken: Iterable[int] = ()) -> dict | None:
    """The forker's attack on ``enc`` at ``order`` while others hold
    ``taken``: the verifier's counterexample (:func:`rmaplab.certify.verify_encoding`),
    its ids shifted by whole lowest slices into ids free here (the higher
    slices stay equal, so the sums still match: checked), the forks it
    takes and whether the check is fooled. None when the verifier finds the
    encoding safe (nothing to attack) or finds no counterexample."""
    from .certify import verify_encoding

    v = verify_encoding(enc, order)
    ce = v.counterexample
    if v.verdict == "safe" or ce is None:
        return None
    ids = [int(i) for i, _ in ce["mappings"]]
    counts = [int(c) for _, c in ce["mappings"]]
    taken = sorted(set(taken))
    bits = enc.slice_width(0) if enc.slices > 1 and max(ids) < 1 << enc.slice_width(0) else 0
    got, plan = adversary_plan(ids, taken, bits)
    if not fooled(enc, got, counts, 0):  # the shift broke it: ask for the ids themselves
        got, plan = adversary_plan(ids, taken, 0)
    forks = sum(op == "fork" for op, _ in plan)
    return {
        "ids": got,
        "counts": counts,
        "mappings": sum(counts),
        "forks": forks,
        "largest_id": max(got),
        "fooled": fooled(enc, got, counts, 0),
        "held_by_others": len(taken),
        "waits_for": [i for i in got if i in set(taken)],
    }


def collide_ids(
    enc: Encoding,
    order: int,
    allocator: str,
    mms: int = 5,
    mappings: int | None = None,
    trials: int = 20_000,
    seed: int = 0,
) -> dict:
    """``rmaplab collide --ids``: P(false exclusive) when the ``mms`` ids
    come from ``allocator``: 0 where the verifier proves ``enc`` safe at
    ``order`` (``collide(method="proof")``); the adversary's attack; else
    the fooled fraction of ``trials`` families with a Wilson 95% interval.
    ``mappings``: the total, or None for uniform in ``mms..2**order``."""
    from .collide import collide, wilson

    if allocator not in ALLOCATORS:
        raise ConfigError(f"ids={allocator!r} is unknown: allowed {', '.join(ALLOCATORS)}")
    P = 1 << order
    if P < 2:
        raise ConfigError(
            f"order={order}: allowed >= 1 with --ids (a 1-page folio mapped by 2 mms is "
            "'shared' by its mapcount alone)"
        )
    if mms > P:
        raise ConfigError(f"mms={mms} is out of range: allowed [2, {P}] at order {order}")
    if mappings is not None and not mms <= mappings <= P:
        raise ConfigError(f"mappings={mappings} is out of range: allowed [{mms}, {P}]")
    row = {
        "encoding": enc.name,
        "ids": allocator,
        "order": order,
        "mms": mms,
        "mappings": mappings if mappings is not None else f"uniform in {mms}..{P}",
        "word_bits": enc.word_bits,
        "id_bits": enc.id_bits,
        "values": enc.nr_values,
        "seed": seed,
    }
    try:
        r = collide(enc, order, method="proof")
        return row | {
            "probability": 0.0,
            "ci_low": 0.0,
            "ci_high": 0.0,
            "method": "proof",
            "trials": 0,
            "proof_method": r.get("proof_method"),
        }
    except ConfigError:
        pass  # not proven safe
    if allocator == "adversary":
        a = adversary(enc, order, churned_live(seed, id_bits=enc.id_bits))
        p = 1.0 if a and a["fooled"] else 0.0
        if a:
            row |= {"mms": len(a["ids"]), "mappings": a["mappings"]}
        return row | {
            "probability": p,
            "ci_low": p,
            "ci_high": p,
            "method": "adversary",
            "trials": 0,
            "attack": a,
        }
    ids = family_ids(allocator, mms, trials, seed, enc.id_bits)
    h, t = fooled_trials(enc, order, ids, seed, mappings)
    lo, hi = wilson(h, t)
    return row | {
        "probability": h / t,
        "ci_low": lo,
        "ci_high": hi,
        "method": "monte-carlo",
        "trials": t,
        "hits": h,
    }
