"""Kernel-like workloads as operation streams over folios and mms.

An operation is a tuple ``(kind, folio, mm, a, b)``:

``("map", f, mm, start, count)``    mm maps pages ``start..start+count-1`` of f
``("unmap", f, mm, start, count)``  munmap / MADV_DONTNEED of those pages
``("fork", -1, parent, child, 0)``  the child gets the parent's mappings
``("exit", -1, mm, 0, 0)``          exit or execve: mm drops every mapping
``("cow", f, mm, page, 0)``         write fault by mm on a page it maps: the
                                    check runs; if the folio is truly shared
                                    the page is copied (mm unmaps it)

mm ids come from a lowest-free allocator, as the rmap-ID series hands them
out. Workloads are deterministic for a seed.
"""

from __future__ import annotations

import random

from .config import DEFAULT_CONFIG, ConfigError, RmapConfig, _check_int

__all__ = ["WORKLOADS", "IdAllocator", "counterexample_ops", "make_workload", "workload_names"]


class IdAllocator:
    """Lowest free id first, ids from 1 (0 is the dummy id)."""

    def __init__(self):
        self.used: set[int] = set()

    def alloc(self) -> int:
        i = 1
        while i in self.used:
            i += 1
        self.used.add(i)
        return i

    def free(self, i: int) -> None:
        self.used.discard(i)


def _map_all(ops, folios, mm, pages):
    for f in range(folios):
        ops.append(("map", f, mm, 0, pages))


def _start(order, seed, folios):
    """A seeded generator, the page count, an allocator, the first mm, and
    the ops list with that mm mapping every folio."""
    rnd = random.Random(seed)
    P = 1 << order
    ids = IdAllocator()
    first = ids.alloc()
    ops: list[tuple] = []
    _map_all(ops, folios, first, P)
    return rnd, P, ids, first, ops


def _fork_children(ops, ids, parent, n):
    kids = []
    for _ in range(n):
        c = ids.alloc()
        kids.append(c)
        ops.append(("fork", -1, parent, c, 0))
    return kids


def _cover_letter(kind):
    """The eight micro-benchmarks of the cover letter, per folio."""

    def gen(order, procs, seed, folios):
        P = 1 << order
        ids = IdAllocator()
        parent = ids.alloc()
        ops: list[tuple] = []
        _map_all(ops, folios, parent, P)
        if kind == "remap":  # PMD -> PTE remap: the same pages, mapped again by PTEs
            for f in range(folios):
                ops += [("unmap", f, parent, 0, P), ("map", f, parent, 0, P)]
        elif kind in ("munmap", "pte-dontneed"):  # page by page
            for f in range(folios):
                for p in range(P):
                    ops.append(("unmap", f, parent, p, 1))
        elif kind == "fork":
            child = ids.alloc()
            ops += [("fork", -1, parent, child, 0), ("exit", -1, child, 0, 0)]
        elif kind in ("cow", "cow-byte"):  # child alive: every write copies
            child = ids.alloc()
            ops.append(("fork", -1, parent, child, 0))
            for f in range(folios):
                for p in range(P):
                    ops.append(("cow", f, parent, p, 0))
        elif kind in ("cow-reuse", "cow-reuse-byte"):  # child gone: every write reuses
            child = ids.alloc()
            ops += [("fork", -1, parent, child, 0), ("exit", -1, child, 0, 0)]
            for f in range(folios):
                for p in range(P):
                    ops.append(("cow", f, parent, p, 0))
        return ops

    return gen


def _fork_exec(order, procs, seed, folios):
    """A shell forks a child per command; the child touches a page or two and execs."""
    rnd, P, ids, shell, ops = _start(order, seed, folios)
    for _ in range(procs):
        child = ids.alloc()
        ops.append(("fork", -1, shell, child, 0))
        for _ in range(rnd.randint(0, 2)):
            ops.append(("cow", rnd.randrange(folios), child, rnd.randrange(P), 0))
        ops.append(("exit", -1, child, 0, 0))
        ids.free(child)
        ops.append(("cow", rnd.randrange(folios), shell, rnd.randrange(P), 0))
    return ops


def _zygote(order, procs, seed, folios):
    """One parent forks many long-lived children that each COW part of the memory."""
    rnd, P, ids, zygote, ops = _start(order, seed, folios)
    for c in _fork_children(ops, ids, zygote, procs):
        for _ in range(rnd.randint(1, max(1, P // 4))):
            ops.append(("cow", rnd.randrange(folios), c, rnd.randrange(P), 0))
    for _ in range(P):
        ops.append(("cow", rnd.randrange(folios), zygote, rnd.randrange(P), 0))
    return ops


def _prefork(order, procs, seed, folios):
    """A server forks workers; workers write, some exit and are replaced."""
    rnd, P, ids, master, ops = _start(order, seed, folios)
    workers = _fork_children(ops, ids, master, procs)
    for _ in range(4 * procs):
        w = rnd.choice(workers)
        ops.append(("cow", rnd.randrange(folios), w, rnd.randrange(P), 0))
        if rnd.random() < 0.25:
            workers.remove(w)
            ops.append(("exit", -1, w, 0, 0))
            ids.free(w)
            n = ids.alloc()
            workers.append(n)
            ops.append(("fork", -1, master, n, 0))
    return ops


def _random_mix(order, procs, seed, folios):
    """Random fork, exit, munmap, MADV_DONTNEED, mremap and writes."""
    rnd, P, ids, first, ops = _start(order, seed, folios)
    live = [first]
    for _ in range(20 * procs):
        r = rnd.random()
        m = rnd.choice(live)
        f = rnd.randrange(folios)
        if r < 0.15 and len(live) < procs:
            c = ids.alloc()
            live.append(c)
            ops.append(("fork", -1, m, c, 0))
        elif r < 0.25 and len(live) > 1:
            live.remove(m)
            ops.append(("exit", -1, m, 0, 0))
            ids.free(m)
        elif r < 0.35:  # munmap of a range
            s = rnd.randrange(P)
            ops.append(("unmap", f, m, s, rnd.randint(1, P - s)))
        elif r < 0.45:  # MADV_DONTNEED of one page
            ops.append(("unmap", f, m, rnd.randrange(P), 1))
        elif r < 0.5:  # mremap of a range: unmapped here, mapped at the new address
            s = rnd.randrange(P)
            c = rnd.randint(1, P - s)
            ops += [("unmap", f, m, s, c), ("map", f, m, s, c)]
        else:
            ops.append(("cow", f, m, rnd.randrange(P), 0))
    return ops


def counterexample_ops(counterexample: dict) -> list[tuple]:
    """A counterexample as a workload: every listed mm maps its count (pages
    from 0 up), the victim's own entry first, then the victim writes. The
    counterexample comes from the verifier, run by the caller
    (:func:`rmaplab.compare.counterexample_workload`)."""
    from .verify import split_counterexample

    ce = counterexample
    split_counterexample(ce)  # the victim's own entry is listed, once
    ops = [("map", 0, mm, 0, c) for mm, c in ce["mappings"]]
    ops.append(("cow", 0, ce["victim"], 0, 0))
    return ops


def _counterexample(order, procs, seed, folios):
    raise ConfigError(
        "workload='counterexample' replays the verifier's counterexample: pass it as "
        "make_workload(..., counterexample=...) (rmaplab.compare.counterexample_workload)"
    )


WORKLOADS = {
    **{
        k: _cover_letter(k)
        for k in (
            "remap",
            "munmap",
            "fork",
            "cow",
            "cow-byte",
            "cow-reuse",
            "cow-reuse-byte",
            "pte-dontneed",
        )
    },
    "fork-exec": _fork_exec,
    "zygote": _zygote,
    "prefork": _prefork,
    "random": _random_mix,
    "counterexample": _counterexample,
}


def workload_names() -> list[str]:
    return list(WORKLOADS)


def make_workload(
    name: str,
    order: int = 9,
    procs: int = 8,
    seed: int = 0,
    folios: int = 4,
    config: RmapConfig = DEFAULT_CONFIG,
    counterexample: dict | None = None,
) -> list[tuple]:
    """The operation stream of a named workload (``counterexample``: the
    verifier's counterexample, which the caller computes)."""
    if name not in WORKLOADS:
        raise ConfigError(f"workload={name!r} is unknown: allowed {', '.join(WORKLOADS)}")
    _check_int("order", order, 0, 21)
    _check_int("procs", procs, 1, 4096)
    _check_int("folios", folios, 1, 1 << 16)
    _check_int("seed", seed, 0)
    if name == "counterexample" and counterexample is not None:
        return counterexample_ops(counterexample)
    return WORKLOADS[name](order, procs, seed, folios)
