"""``rmaplab bench-microbench``: the cover letter's eight micro-benchmarks as
operation mixes on one folio, replayed through each design's C path.

The WIP v1 cover letter timed eight micro-benchmarks on 1 GiB of 2 MiB THP
(``rmaplab/data/coverletter_microbench.csv``: percent runtime change
against v6.7-rc1, per stage of the series). Here each is re-expressed as
the rmap operations it makes on *one* 2 MiB folio (order 9, 512 pages),
and that mix is replayed, single-threaded, through the C update and check
path of each design (``csrc/microbench.c`` on ``csrc/designs.c``): legacy
per-page mapcounts, Linux 6.15 MM-owner tracking, posted digits K = 3 and
K = 6, moments K = 2. The result is ns of bookkeeping per micro-benchmark
per folio, and its ratio to legacy.

This is user space on this machine, not the kernel: the published column is
the whole benchmark's runtime change (page faults, page-table walks, TLB
flushes and page copies included), while the ns here are the rmap
bookkeeping alone, so the two are set side by side, not equated. One thread
replays each mix: no contention is measured here (``bench-atomics
--threads 2`` does, counted only where the threads really overlapped).

The mixes (A is the process, B its child; "x512" is one op per page, as
v6.7 made them; ``batched=True`` merges the batchable runs into one op of
512 pages, as 6.9+ ``folio_add_rmap_ptes`` / ``folio_remove_rmap_ptes`` /
``folio_try_dup_anon_rmap_ptes`` do):

=================  ===========================  ==================================
benchmark          set-up (not timed)           timed
=================  ===========================  ==================================
remap              A maps the PMD               A maps each PTE x512 (batchable),
                                                then unmaps the PMD
munmap             A maps 512 PTEs              A unmaps each PTE x512 (batchable)
fork               A maps 512 PTEs              B maps each PTE x512 (batchable)
cow                A, B map 512 PTEs            A write-faults each page x512
cow-byte           (as cow)                     (as cow: 1 byte or 4 KiB written
                                                differs in the kernel, not here)
cow-reuse          A, B map 512 PTEs, B unmaps  A write-faults each page x512
cow-reuse-byte     (as cow-reuse)               (as cow-reuse)
dontneed           A maps 512 PTEs              A unmaps each PTE x512, one
                                                madvise per page (not batchable)
=================  ===========================  ==================================

A write fault asks the design's question; "shared" copies the page (A's
PTE leaves this folio: one unmap), "exclusive" reuses it (no rmap op).
Legacy always copies, as v6.7 did for any large anon folio (its refcount,
one per mapping, is above the reuse limit): that copy is what cow-reuse's
published -30..-64 % removed. Every design also keeps the legacy per-page
mapcounts (the series and 6.15 with ``CONFIG_PAGE_MAPCOUNT`` do), so a
ratio above 1 is the design's added bookkeeping. A PMD mapping counts one
(the entire mapcount, and one in each design's total), as in the kernel.
The new pages a copy maps are small folios, outside this folio's
bookkeeping, and not replayed.

:func:`replay_python` replays the same ops on Python ints (6.15 through the
lab's :class:`rmaplab.schemes.MMOwner`); the tests compare its counters and
answers with the C path's (they do not time).
"""

from __future__ import annotations

import ctypes
import statistics
from dataclasses import dataclass

import pandas as pd

from .atomics_cases import (
    DESIGN_LEGACY,
    DESIGN_MM_OWNER,
    DESIGN_VALUES,
    FOLIO_PAGES,
    MAX_VALUES,
    BenchCase,
    _lib,
    addends_python,
    bench_cases,
    mm_ids,
    state_from_words,
)
from .config import ConfigError

__all__ = [
    "BENCHMARKS",
    "MIX_TABLE",
    "PUBLISHED_STAGE",
    "designs",
    "microbench",
    "microbench_text",
    "mix_ops",
    "replay_c",
    "replay_python",
]

OP_MAP_PTE, OP_UNMAP_PTE, OP_MAP_PMD, OP_UNMAP_PMD, OP_FAULT = range(5)
A, B = 0, 1  # the process and its child (indices into the mms)
P = FOLIO_PAGES
#: benchmark -> its column in coverletter_microbench.csv
BENCHMARKS = {
    "remap": "remap",
    "munmap": "munmap",
    "fork": "fork",
    "cow": "cow",
    "cow-byte": "cow_byte",
    "cow-reuse": "cow_reuse",
    "cow-reuse-byte": "cow_reuse_byte",
    "dontneed": "pte_dontneed",
}
#: The mixes in words (the module docstring's table), for the text output.
MIX_TABLE = {
    "remap": "setup A maps PMD; A maps 512 PTEs, unmaps PMD",
    "munmap": "setup A maps 512 PTEs; A unmaps them",
    "fork": "setup A maps 512 PTEs; B maps 512 PTEs",
    "cow": "setup A,B map 512 PTEs; A write-faults 512",
    "cow-byte": "as cow",
    "cow-reuse": "setup A,B map, B unmaps; A write-faults 512",
    "cow-reuse-byte": "as cow-reuse",
    "dontneed": "setup A maps 512 PTEs; A unmaps 1 per call",
}
MIN_REPS, MAX_REPS = 10, 100_000
MAX_REPEAT = 50
#: (design, path, batched) -> the series' stage its published column is.
#: The series' own stages: "rmap-id" (every update atomic, one per PTE),
#: "batch" (batched), "exclusive" (batched + the exclusive-writer path).
PUBLISHED_STAGE = {
    ("digits K=3", "atomic", False): "rmap-id",
    ("digits K=3", "atomic", True): "batch",
    ("digits K=3", "exclusive", True): "exclusive",
}
PUBLISHED_CPUS = ("intel_xeon_silver_4210r", "amd_epyc_7313")


@dataclass(frozen=True)
class Design:
    name: str
    case: BenchCase


def designs() -> list[Design]:
    """legacy, 6.15 mm-owner, digits K = 3 and 6, moments K = 2."""
    legacy, owner = bench_cases(["legacy", "mm-owner"])
    d3, d6 = bench_cases(["digits"], [3, 6])
    (mo,) = bench_cases(["moments"])
    return [
        Design("legacy", legacy),
        Design("6.15 mm-owner", owner),
        Design("digits K=3", d3),
        Design("digits K=6", d6),
        Design("moments K=2", mo),
    ]


def _ptes(kind: int, mm: int, batched: bool) -> list[tuple[int, int, int, int]]:
    return [(kind, mm, 0, P)] if batched else [(kind, mm, p, 1) for p in range(P)]


def mix_ops(benchmark: str, batched: bool = False) -> tuple[list, list]:
    """(set-up ops, timed ops) of ``benchmark``: each op is (kind, mm,
    first page, pages)."""
    full = [(OP_MAP_PTE, A, 0, P)]
    faults = [(OP_FAULT, A, p, 1) for p in range(P)]
    mixes = {
        "remap": (
            [(OP_MAP_PMD, A, 0, 0)],
            [*_ptes(OP_MAP_PTE, A, batched), (OP_UNMAP_PMD, A, 0, 0)],
        ),
        "munmap": (full, _ptes(OP_UNMAP_PTE, A, batched)),
        "fork": (full, _ptes(OP_MAP_PTE, B, batched)),
        "cow": ([*full, (OP_MAP_PTE, B, 0, P)], faults),
        "cow-reuse": ([*full, (OP_MAP_PTE, B, 0, P), (OP_UNMAP_PTE, B, 0, P)], faults),
        "dontneed": (full, _ptes(OP_UNMAP_PTE, A, False)),
    }
    mixes["cow-byte"] = mixes["cow"]
    mixes["cow-reuse-byte"] = mixes["cow-reuse"]
    if benchmark not in mixes:
        raise ConfigError(f"benchmark={benchmark!r} is unknown: allowed {','.join(BENCHMARKS)}")
    return mixes[benchmark]


def _ids() -> list[int]:
    return mm_ids(1)[0][:2]


def _addends(case: BenchCase) -> list[list[int]]:
    if case.design != DESIGN_VALUES:
        return [[0] * MAX_VALUES for _ in _ids()]
    return [[*addends_python(case, i), *[0] * (MAX_VALUES - case.nr_values)] for i in _ids()]


def replay_c(case: BenchCase, setup: list, timed: list, reps: int, plain: bool = False) -> dict:
    """Replay set-up + timed ops ``reps`` times through the C path:
    ``ns`` per rep (timed section, timer cost subtracted), the last rep's
    ``answers`` (per op; -1 where no fault) and ``state``."""
    if not MIN_REPS <= reps <= MAX_REPS:
        raise ConfigError(f"reps={reps} is out of range: allowed [{MIN_REPS}, {MAX_REPS}]")
    lib = _lib()
    ops = setup + timed
    n = len(ops)
    flat = [x for op in ops for x in op]
    c_ops = (ctypes.c_int32 * len(flat))(*flat)
    ids = (ctypes.c_uint64 * 2)(*_ids())
    add = [a for row in _addends(case) for a in row]
    c_add = (ctypes.c_uint64 * len(add))(*add)
    answers = (ctypes.c_int8 * n)()
    out_ns = (ctypes.c_double * (reps + 1))()
    state = (ctypes.c_int64 * lib.state_words())()
    rc = lib.mix_run(
        case.design, case.nr_values, int(plain), ids, c_add, c_ops, len(setup), n, reps,
        answers, out_ns, state,
    )  # fmt: skip
    if rc:
        raise RuntimeError(f"microbench.c: mix_run refused {case.encoding} ({rc})")
    return {
        "ns": list(out_ns)[:reps],
        "timer_ns": out_ns[reps],
        "answers": list(answers),
        "state": state_from_words(state),
    }


def replay_python(case: BenchCase, ops: list) -> dict:
    """The same ops on Python ints from a clear folio: the counters
    :func:`replay_c` returns (those the design keeps) and the answers."""
    from .schemes import MMOwner

    mask = (1 << 64) - 1
    ids = _ids()
    add = _addends(case)
    k = case.nr_values
    pages = [0] * P
    entire = 0
    mapcount = seq = 0
    vals = [0] * MAX_VALUES
    owner = MMOwner(9)
    answers = []

    def update(mm: int, first: int, nr: int, pmd: bool, sign: int) -> None:
        nonlocal entire, mapcount, seq
        if pmd:
            entire += sign
        for p in range(first, first + nr):
            pages[p] += sign
        c = sign if pmd else sign * nr
        if case.design == DESIGN_MM_OWNER:
            (owner.map if c > 0 else owner.unmap)(ids[mm], 0, abs(c))
        elif case.design == DESIGN_VALUES:
            seq += 2
            mapcount += c
            for v in range(k):
                vals[v] = (vals[v] + c * add[mm][v]) & mask

    def shared(mm: int) -> bool:
        if case.design == DESIGN_MM_OWNER:
            return owner.shared(ids[mm])
        if case.design == DESIGN_LEGACY:
            return True  # v6.7 copies every large anon folio
        if mapcount > P:
            return True
        return any(vals[v] != (mapcount * add[mm][v]) & mask for v in range(k))

    for kind, mm, first, nr in ops:
        answers.append(-1)
        if kind in (OP_MAP_PTE, OP_UNMAP_PTE):
            update(mm, first, nr, False, 1 if kind == OP_MAP_PTE else -1)
        elif kind in (OP_MAP_PMD, OP_UNMAP_PMD):
            update(mm, 0, 0, True, 1 if kind == OP_MAP_PMD else -1)
        else:
            answers[-1] = int(shared(mm))
            if answers[-1]:
                update(mm, first, 1, False, -1)
    out: dict = {"answers": answers, "page_mapcounts": pages, "entire_mapcount": entire}
    if case.design == DESIGN_MM_OWNER:
        out |= {
            "large_mapcount": owner.total,
            "slots": list(zip(owner.ids, owner.counts, strict=True)),
            "maybe_shared": owner.maybe_shared,
        }
    elif case.design == DESIGN_VALUES:
        out |= {"seq": seq, "mapcount": mapcount, "rmap_vals": vals}
    return out


def _published() -> pd.DataFrame:
    from .cost import load_published

    return load_published()["microbench"]


def microbench(
    reps: int = 300, repeat: int = 3, batched: bool = False, progress: bool = False
) -> pd.DataFrame:
    """ns per micro-benchmark (one folio's bookkeeping) per design and path.

    ``ns`` is the fastest of ``reps`` replays over ``repeat`` runs (runs
    interleaved over the designs so load hits them alike: the fastest replay
    is the one the machine's other work disturbed least), ``ns_median`` the
    median of the runs' medians;
    ``ratio_to_legacy`` divides by legacy's ns for the same benchmark;
    ``published_pct`` is the cover letter's runtime change for that
    benchmark on the Intel Xeon Silver 4210R (``published_pct_amd``: AMD
    EPYC 7313) at the series' stage that matches the row
    (:data:`PUBLISHED_STAGE`), None elsewhere. ``copies``: faults that
    copied (the design answered "shared", or legacy)."""
    if not MIN_REPS <= reps <= MAX_REPS:
        raise ConfigError(f"reps={reps} is out of range: allowed [{MIN_REPS}, {MAX_REPS}]")
    if not 1 <= repeat <= MAX_REPEAT:
        raise ConfigError(f"repeat={repeat} is out of range: allowed [1, {MAX_REPEAT}]")
    jobs = [
        (b, d, path)
        for b in BENCHMARKS
        for d in designs()
        for path in ("atomic", "exclusive")
        if path == "atomic" or d.case.design == DESIGN_VALUES
    ]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=repeat * len(jobs), desc="bench-microbench", unit="run")
    best: dict[int, float] = {}
    medians: dict[int, list[float]] = {}
    last: dict[int, dict] = {}
    for _ in range(repeat):
        for j, (b, d, path) in enumerate(jobs):
            setup, timed = mix_ops(b, batched)
            r = replay_c(d.case, setup, timed, reps, plain=path == "exclusive")
            best[j] = min(best.get(j, float("inf")), min(r["ns"]))
            medians.setdefault(j, []).append(statistics.median(r["ns"]))
            last[j] = r
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    pub = _published().set_index(["cpu", "stage", "benchmark"])["change_percent"]
    rows = []
    for j, (b, d, path) in enumerate(jobs):
        stage = PUBLISHED_STAGE.get((d.name, path, batched))
        pct = [
            float(pub[(cpu, stage, BENCHMARKS[b])]) if stage is not None else None
            for cpu in PUBLISHED_CPUS
        ]
        rows.append(
            {
                "benchmark": b,
                "design": d.name,
                "path": path,
                "batched": batched,
                "ns": best[j],
                "ns_median": statistics.median(medians[j]),
                "timed_ops": len(mix_ops(b, batched)[1]),
                "copies": sum(a == 1 for a in last[j]["answers"]),
                "published_pct": pct[0],
                "published_pct_amd": pct[1],
                "published_stage": stage,
            }
        )
    df = pd.DataFrame(rows)
    legacy = df[df["design"] == "legacy"].set_index("benchmark")["ns"]
    df["ratio_to_legacy"] = [r.ns / legacy[r.benchmark] for r in df.itertuples()]
    return df


def microbench_text(df: pd.DataFrame, info: dict | None = None) -> str:
    """The plain-text report of :func:`microbench` (at most 72 columns)."""
    from .export import text_table, wrap

    batched = bool(df["batched"].iloc[0])
    head = [
        wrap(
            "User space on this machine, not the kernel: one 2 MiB folio (512 "
            "pages), one thread, each cover-letter micro-benchmark replayed as "
            "its rmap operations "
            + ("(batched runs, as 6.9+)" if batched else "(one op per PTE, as v6.7)")
            + " through each design's C path. ns = bookkeeping only; the "
            "published column is the whole benchmark's runtime change. No "
            "2-thread contention here: bench-atomics --threads 2 measures it "
            "where the threads really overlapped."
        )
    ]
    if info:
        head.append(wrap(f"{info['cpu']} ({info['arch']}), {info['cc']} -O2"))
    mixes = pd.DataFrame([{"benchmark": b, "ops per folio": t} for b, t in MIX_TABLE.items()])
    short = {
        "legacy": "legacy",
        "6.15 mm-owner": "6.15",
        "digits K=3": "dig3",
        "digits K=6": "dig6",
        "moments K=2": "mom2",
    }
    at = df[df["path"] == "atomic"]
    ns = at.pivot_table(index="benchmark", columns="design", values="ns", sort=False)
    ns = ns[[d for d in short if d in ns.columns]].rename(columns=short).reset_index()
    ratio = at.pivot_table(
        index="benchmark", columns="design", values="ratio_to_legacy", sort=False
    )
    ratio = ratio[[d for d in short if d in ratio.columns and d != "legacy"]]
    ratio = ratio.rename(columns=short).reset_index()
    k3 = at[at["design"] == "digits K=3"].set_index("benchmark")
    stage = k3["published_stage"].dropna()
    out = "\n".join(head) + "\n\n" + text_table(mixes)
    out += "\n\nns per micro-benchmark per folio (atomic path)\n" + text_table(ns, floatfmt=".0f")
    if len(stage):
        ratio["pub I %"] = [k3.loc[b, "published_pct"] for b in ratio["benchmark"]]
        ratio["pub A %"] = [k3.loc[b, "published_pct_amd"] for b in ratio["benchmark"]]
        note = (
            f"pub I/A %: the cover letter's runtime change of the digits K=3 "
            f"series at stage '{stage.iloc[0]}' (Intel Xeon Silver 4210R / AMD "
            "EPYC 7313, whole benchmark)"
        )
    else:
        note = "no published stage matches this replay (see PUBLISHED_STAGE)"
    out += (
        "\n\nratio to legacy (atomic path)\n"
        + text_table(ratio, floatfmt=["g"] + [".2f"] * (len(ratio.columns) - 3) + [".1f", ".1f"])
        + "\n"
        + wrap(note)
    )
    ex = df[df["path"] == "exclusive"]
    if len(ex):
        r = ex.pivot_table(
            index="benchmark", columns="design", values="ratio_to_legacy", sort=False
        )
        r = r.rename(columns=short).reset_index()
        out += (
            "\n\n"
            + wrap(
                "ratio to legacy, exclusive-writer path (plain stores under the "
                "seqcount; 6.15 has no seqcount and always takes its bit lock, "
                "legacy's per-page mapcounts stay atomic)"
            )
            + "\n"
            + text_table(r, floatfmt=".2f")
        )
    return out
