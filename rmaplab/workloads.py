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

__all__ = [
    "SHAPES",
    "SHAPE_DEFAULTS",
    "WORKLOADS",
    "IdAllocator",
    "counterexample_ops",
    "make_workload",
    "workload_names",
]

#: make_workload's ranges (the CLI's `compare` checks its options against them)
ORDER_RANGE = (0, 21)
PROCS_RANGE = (1, 4096)
FOLIOS_RANGE = (1, 1 << 16)
SEED_RANGE = (0, (1 << 64) - 1)
#: the shape workloads' parameters (``writes`` is further capped at the folio's pages)
SHAPE_RANGES = {
    "depth": (1, 12),
    "fanout": (1, 64),
    "lifetime": (0, 1 << 20),
    "writes": (0, 1 << 21),
    "pte": (0, 1),
}


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


def _start(order, seed, folios, pte=0):
    """A seeded generator, the page count, an allocator, the first mm, and
    the ops list with that mm mapping every folio (``pte``: by PTEs, in two
    halves, as a THP is after a partial mprotect or a PTE-mapped refault;
    else one map op, which a PMD maps at the PMD order)."""
    rnd = random.Random(seed)
    P = 1 << order
    ids = IdAllocator()
    first = ids.alloc()
    ops: list[tuple] = []
    if pte and P > 1:
        for f in range(folios):
            ops += [("map", f, first, 0, P // 2), ("map", f, first, P // 2, P - P // 2)]
    else:
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


# -- shapes where 6.15's MM-owner tracking is imprecise -------------------------
#
# 6.15 tracks two mms per folio (rmaplab.schemes.MMOwner). It answers a wrong
# "shared" when both slot owners have left while a slot-less mm still maps
# two or more pages: the bit is cleared only when one slot's count equals
# the total. These workloads put three or more mms on one folio in the
# shapes real programs make. Shape parameters (keyword arguments of
# make_workload): ``depth`` (fork generations), ``fanout`` (children per
# node), ``lifetime`` (writes a short-lived process makes before it exits),
# ``writes`` (distinct pages of each folio the survivor writes after the
# exits; default every page), ``pte`` (1: the first mm maps each folio by
# PTEs, so at the PMD order no PMD maps it; 0: one map op).


def _write_pages(ops, rnd, mm, folios, P, writes):
    """``mm`` writes ``writes`` distinct pages of each folio, in random order."""
    for f in range(folios):
        for p in rnd.sample(range(P), min(writes, P)):
            ops.append(("cow", f, mm, p, 0))


def _write_random(ops, rnd, mm, folios, P, n):
    """``n`` writes to random pages (a process at work: requests, GC)."""
    for _ in range(n):
        ops.append(("cow", rnd.randrange(folios), mm, rnd.randrange(P), 0))


def _double_fork(order, procs, seed, folios, depth, fanout, lifetime, writes, pte):
    """Daemonisation by double fork, ``procs`` daemons from one launcher.

    Stands for daemon(3)-style double forks that do not exec: python-daemon's
    DaemonContext, start-stop-daemon --background, sshd/nginx/php-fpm
    "daemonize" paths, Perl/Ruby daemons. The launcher forks a child, the
    child forks the daemon (``depth`` generations: 2 = the classic double
    fork); each intermediate exits once it has forked, and the launcher,
    which waited for them, exits last. The daemons then write ``writes``
    pages of each folio, one after the other. 6.15: the launcher holds slot
    0 and the first child slot 1, both exit, the daemon has no slot, the
    bit stays set: every write of the last daemon copies."""
    rnd, P, ids, launcher, ops = _start(order, seed, folios, pte)
    daemons = []
    for _ in range(procs):
        chain = [launcher]
        for _ in range(depth):
            c = ids.alloc()
            ops.append(("fork", -1, chain[-1], c, 0))
            chain.append(c)
        for mid in reversed(chain[1:-1]):  # reaped bottom-up: each exits after its fork
            ops.append(("exit", -1, mid, 0, 0))
            ids.free(mid)
        daemons.append(chain[-1])
    ops.append(("exit", -1, launcher, 0, 0))
    ids.free(launcher)
    for d in daemons:
        _write_pages(ops, rnd, d, folios, P, writes)
    return ops


def _preload_server(order, procs, seed, folios, depth, fanout, lifetime, writes, pte):
    """A pre-fork server that preloads the application, then restarts.

    Stands for gunicorn --preload (USR2 re-exec of the master, max_requests
    worker recycling), uWSGI with ``lazy-apps = false``, Unicorn/Puma
    preload_app, PostgreSQL's postmaster (shared catalogue caches built
    before the backends fork; a postmaster restart drops it). The master
    maps the preloaded heap and forks ``procs`` workers; each serves
    ``lifetime`` requests (a write each); the master re-execs (its old image
    exits); the old workers retire oldest first until one is left, which
    writes ``writes`` pages of each folio. 6.15: the master and the first
    worker held the slots."""
    rnd, P, ids, master, ops = _start(order, seed, folios, pte)
    workers = _fork_children(ops, ids, master, procs)
    for w in workers:
        _write_random(ops, rnd, w, folios, P, lifetime)
    ops.append(("exit", -1, master, 0, 0))
    ids.free(master)
    for w in workers[:-1]:
        ops.append(("exit", -1, w, 0, 0))
        ids.free(w)
    _write_pages(ops, rnd, workers[-1], folios, P, writes)
    return ops


def _zygote_exit(order, procs, seed, folios, depth, fanout, lifetime, writes, pte):
    """An Android-style zygote whose first two children exit while the
    others live.

    Stands for Android's zygote/zygote64 (and Chromium's zygote, the
    USAP pool): a preloaded runtime forks every app; short-lived apps
    (the first two here: a broadcast receiver, a crashed service) exit
    after ``lifetime`` writes; the other ``procs - 2`` apps live and each
    write ``lifetime`` pages; then the zygote writes ``writes`` pages of
    each folio (its GC and class-init work after the forks) and each
    surviving app writes ``writes`` pages too. 6.15: the zygote holds slot 0
    for as long as it maps pages, and every slot-less unmap compares slot 0
    with the total, so while the zygote lives the bit is right."""
    rnd, P, ids, zygote, ops = _start(order, seed, folios, pte)
    apps = _fork_children(ops, ids, zygote, max(procs, 3))
    for a in apps[:2]:
        _write_random(ops, rnd, a, folios, P, lifetime)
        ops.append(("exit", -1, a, 0, 0))
        ids.free(a)
    for a in apps[2:]:
        _write_random(ops, rnd, a, folios, P, lifetime)
    _write_pages(ops, rnd, zygote, folios, P, writes)
    for a in apps[2:]:
        _write_pages(ops, rnd, a, folios, P, writes)
    return ops


def _fork_tree(order, procs, seed, folios, depth, fanout, lifetime, writes, pte):
    """A fork tree of ``depth`` generations, ``fanout`` children per node,
    whose inner nodes exit once they have forked.

    Stands for shells starting background jobs and exiting (``(a & b &)``,
    nohup, init scripts), process supervisors that fork and detach, and
    recursive make -j whose sub-makes exit as their jobs detach. The leaves
    each write ``lifetime`` random pages and exit, oldest first, except the
    last, which writes ``writes`` pages of each folio. (A make whose parents
    wait keeps the root mapped: the root holds slot 0 and 6.15 is exact for
    it; that shape is ``fork-exec``.)"""
    rnd, P, ids, root, ops = _start(order, seed, folios, pte)
    level = [root]
    for _ in range(depth):
        nxt = []
        for node in level:
            nxt += _fork_children(ops, ids, node, fanout)
            ops.append(("exit", -1, node, 0, 0))
            ids.free(node)
        level = nxt
    for leaf in level[:-1]:
        _write_random(ops, rnd, leaf, folios, P, lifetime)
        ops.append(("exit", -1, leaf, 0, 0))
        ids.free(leaf)
    _write_pages(ops, rnd, level[-1], folios, P, writes)
    return ops


def _bgsave(order, procs, seed, folios, depth, fanout, lifetime, writes, pte):
    """Redis-style BGSAVE, ``procs`` times: the server forks a child that
    writes the snapshot (reads only) while the server keeps writing
    (``lifetime`` writes), the child exits, and the server writes
    ``writes`` pages of each folio. Stands for Redis/Valkey BGSAVE and
    BGREWRITEAOF, and any fork-to-snapshot. Two mms at a time: 6.15 is
    exact here (the control)."""
    rnd, P, ids, server, ops = _start(order, seed, folios, pte)
    for _ in range(procs):
        child = ids.alloc()
        ops.append(("fork", -1, server, child, 0))
        _write_random(ops, rnd, server, folios, P, lifetime)
        ops.append(("exit", -1, child, 0, 0))
        ids.free(child)
        _write_pages(ops, rnd, server, folios, P, writes)
    return ops


#: The shape workloads and what they take.
SHAPES = {
    "double-fork": _double_fork,
    "preload-server": _preload_server,
    "zygote-exit": _zygote_exit,
    "fork-tree": _fork_tree,
    "bgsave": _bgsave,
}
#: Default shape parameters (``writes=None``: every page of each folio).
SHAPE_DEFAULTS = {"depth": 2, "fanout": 2, "lifetime": 4, "writes": None, "pte": 0}
#: Largest fork tree a shape may build (mms).
MAX_SHAPE_MMS = 4096


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
    **SHAPES,
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
    *,
    depth: int | None = None,
    fanout: int | None = None,
    lifetime: int | None = None,
    writes: int | None = None,
    pte: int | None = None,
    counterexample: dict | None = None,
) -> list[tuple]:
    """The operation stream of a named workload. ``depth``, ``fanout``,
    ``lifetime``, ``writes``, ``pte`` shape the :data:`SHAPES` workloads (defaults
    :data:`SHAPE_DEFAULTS`); the others refuse them. ``counterexample``: the
    verifier's counterexample, which the caller computes
    (:func:`rmaplab.compare.counterexample_workload`)."""
    if name not in WORKLOADS:
        raise ConfigError(f"workload={name!r} is unknown: allowed {', '.join(WORKLOADS)}")
    _check_int("order", order, *ORDER_RANGE)
    _check_int("procs", procs, *PROCS_RANGE)
    _check_int("folios", folios, *FOLIOS_RANGE)
    _check_int("seed", seed, *SEED_RANGE)
    given = {
        "depth": depth,
        "fanout": fanout,
        "lifetime": lifetime,
        "writes": writes,
        "pte": pte,
    }
    if name not in SHAPES:
        extra = [k for k, v in given.items() if v is not None]
        if extra:
            raise ConfigError(
                f"{extra[0]} shapes only the workloads {', '.join(SHAPES)}: "
                f"workload={name!r} takes none"
            )
    if name == "counterexample" and counterexample is not None:
        return counterexample_ops(counterexample)
    if name in SHAPES:
        sh: dict[str, int] = {}
        for k, v in given.items():
            d = SHAPE_DEFAULTS[k]
            sh[k] = v if v is not None else (1 << order if d is None else d)
        for k in ("depth", "fanout", "lifetime", "pte"):
            sh[k] = _check_int(k, sh[k], *SHAPE_RANGES[k])
        sh["writes"] = _check_int("writes", sh["writes"], 0, 1 << order)
        if name == "fork-tree" and sum(sh["fanout"] ** d for d in range(sh["depth"] + 1)) > (
            MAX_SHAPE_MMS
        ):
            raise ConfigError(
                f"depth={sh['depth']}, fanout={sh['fanout']} make more than "
                f"{MAX_SHAPE_MMS} mms: allowed fanout**0 + ... + fanout**depth <= {MAX_SHAPE_MMS}"
            )
        if name == "double-fork" and procs * sh["depth"] + 1 > MAX_SHAPE_MMS:
            raise ConfigError(
                f"procs={procs}, depth={sh['depth']} make more than {MAX_SHAPE_MMS} mms: "
                f"allowed procs * depth + 1 <= {MAX_SHAPE_MMS}"
            )
        return SHAPES[name](order, procs, seed, folios, **sh)
    return WORKLOADS[name](order, procs, seed, folios)
