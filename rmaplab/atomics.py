"""``rmaplab bench-atomics``: the update path per design, measured here.

Compiles ``csrc/designs.c`` + ``csrc/atomics.c`` with the system C compiler
(``cc -O2``, :mod:`rmaplab.cbuild`) at run time, then times, for each case
and thread count, the atomic path (seqcount + mapcount + one atomic add of
``c * addend`` per value) and the exclusive-writer path (plain stores), and
each case's check (``ns_per_check``). Results are ns per update and ratios
against ``digits`` K = 3 with per-mm sub-IDs (the series' order-9 path).
The cases and the C loop's driver are :mod:`rmaplab.atomics_cases`.

Two cases are schemes, not encodings (:data:`SCHEME_BENCH`): ``mm-owner``,
Linux 6.15's update (bit spinlock, slot compare/update, the "maybe mapped
shared" bit, total mapcount; it has no seqcount and no exclusive-writer
path, so only its atomic row exists) and ``legacy`` (one atomic add per
page's mapcount, ``nr`` per update).

Bench cases come from the encoding families (each family's
:meth:`~rmaplab.encodings.Family.bench_specs`); a case names a C addend
rule (``KERNEL_*``: table lookup, powers of the id, packed quadratic,
``calc_rmap_subid``), so a new family adds a case without touching the C
loop. The built-in cases, on a 24-bit rmap ID ``x``:

* ``digits``: the posted sub-IDs, ``calc_rmap_subid(P_g, slice)``, K
  B-bit slices (B = ceil(24 / K)). Per mm: computed once per mm, as the
  series does for K <= 3. Per update: a lookup in the ``2**B``-entry
  sub-ID table, as the series does with ``rmap_subids_4/5/6``.
* ``moments``: 2 words, ``x`` and ``x*x`` (``c*x``, then ``(c*x)*x``).
* ``table-quadratic``: per slice ``s + (s*s << k)``, K = 3 of 8 bits or
  K = 2 of 12 bits; ``k`` maximises the folio size the convex-position
  certificate proves for 64-bit words (2 multiplies per value).
* ``table``: per slice ``w[s]`` from one 256- or 4096-entry table (K = 3 or
  2) of fixed pseudo-random words; the contents do not change the cost.

Each thread cycles over :data:`NR_MMS` mms (deterministic ids from
:func:`mm_ids`), mapping ``nr`` pages and unmapping ``nr`` pages of the next
mm, so the final words are not zero and nothing is loop-invariant. The C
loop returns the folio's final words; :func:`update_words_python` computes
them on Python ints from the same op sequence, and the tests compare the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from .atomics_cases import (
    ADDENDS,
    CASES,
    CHECK_PAGES,
    CONCURRENT_ITERS,
    CONCURRENT_SHARE,
    CONCURRENT_WANTED,
    DEFAULT_VALUES,
    DESIGN_VALUES,
    ENCODINGS,
    ID_BITS,
    KERNEL_CALC,
    KERNEL_POWERS,
    KERNEL_QUADRATIC,
    KERNEL_TABLE,
    MAX_CONCURRENT_TRIES,
    MAX_ITERS,
    MAX_REPEAT,
    MAX_THREADS,
    MAX_VALUES,
    MIN_ITERS,
    NR_MMS,
    PATHS,
    SCHEME_BENCH,
    SOURCE,
    BenchCase,
    _case,
    _specs,
    addends_python,
    bench_cases,
    check_words,
    mm_ids,
    parse_list,
    parse_range,
    quadratic_shift,
    update_words,
    update_words_python,
)
from .cbuild import compiler, machine_info
from .config import ConfigError
from .encodings.names import REFERENCE_BENCH

__all__ = [
    "ADDENDS",
    "CASES",
    "CHECK_PAGES",
    "CONCURRENT_ITERS",
    "CONCURRENT_SHARE",
    "CONCURRENT_WANTED",
    "DEFAULT_VALUES",
    "ENCODINGS",
    "ID_BITS",
    "KERNEL_CALC",
    "KERNEL_POWERS",
    "KERNEL_QUADRATIC",
    "KERNEL_TABLE",
    "MAX_CONCURRENT_TRIES",
    "MAX_ITERS",
    "MAX_REPEAT",
    "MAX_THREADS",
    "MAX_VALUES",
    "MIN_ITERS",
    "NR_MMS",
    "PATHS",
    "SCHEME_BENCH",
    "SOURCE",
    "BenchCase",
    "_case",
    "addends_python",
    "bench_atomics",
    "bench_cases",
    "bench_text",
    "check_words",
    "compiler",
    "machine_info",
    "mm_ids",
    "parse_list",
    "parse_range",
    "quadratic_shift",
    "update_words",
    "update_words_python",
]


# -- the benchmark -------------------------------------------------------------


def bench_atomics(
    nr_values: Iterable[int] | None = range(1, 9),
    threads: Iterable[int] = (1, 2),
    iters: int = 2_000_000,
    repeat: int = 3,
    progress: bool = False,
    encodings: Iterable[str] | None = None,
    addends: Iterable[str] | None = None,
    concurrent_tries: int = 0,
) -> pd.DataFrame:
    """ns per update for each case, thread count and path (atomic / plain).

    ``ns_per_update`` is the slowest thread's CPU time per update (time the
    machine gives other processes is not counted); ``wall_ns_per_update``
    the same from elapsed time (equal on an idle machine).

    Without ``encodings``: today's benchmark, ``digits`` with per-mm sub-IDs
    for each K in ``nr_values``. With ``encodings`` (names of
    :data:`ENCODINGS`): their fixed K, and ``nr_values`` (default 3, 4, 6)
    for digits; ``addends`` defaults to both modes of :data:`ADDENDS`.

    Best of ``repeat`` runs, taken round-robin over the cases so a burst of
    load hits them alike. ``ratio_vs_k3`` divides by ``digits`` K = 3,
    per-mm, of the same path and thread count (NaN when it was not measured).
    ``cpu_share`` estimates the fraction of the kept run during which all
    its threads were on a CPU at once: a 2-thread row far below 1 mostly
    ran its threads in turns and understates contention.

    ``concurrent_tries`` > 0: for each multi-thread row, up to that many
    extra short runs (:data:`CONCURRENT_ITERS` updates per thread), keeping
    those whose ``cpu_share`` reached :data:`CONCURRENT_SHARE` (stopping at
    :data:`CONCURRENT_WANTED`); ``concurrent_ns_per_update`` is the best of
    them (NaN when none was concurrent: contention not measured), with
    ``concurrent_runs`` of ``concurrent_tries``.
    """
    digits_values: list[int] | None
    if encodings is None:
        encodings = [REFERENCE_BENCH[0]]
        addends = ["per-mm"] if addends is None else list(addends)
        digits_values = list(nr_values if nr_values is not None else range(1, 9))
    else:
        encodings = list(encodings)
        addends = list(ADDENDS) if addends is None else list(addends)
        digits_values = None if nr_values is None else list(nr_values)
    for a in addends:
        if a not in ADDENDS:
            raise ConfigError(f"addends={a!r} is not allowed: allowed {','.join(ADDENDS)}")
    threads = [int(t) for t in threads]
    for t in threads:
        if not 1 <= t <= MAX_THREADS:
            raise ConfigError(f"threads={t} is out of range: allowed 1..{MAX_THREADS}")
    if not 1 <= repeat <= MAX_REPEAT:
        raise ConfigError(f"repeat={repeat} is out of range: allowed 1..{MAX_REPEAT}")
    if not 0 <= concurrent_tries <= MAX_CONCURRENT_TRIES:
        raise ConfigError(
            f"concurrent_tries={concurrent_tries} is out of range: "
            f"allowed 0..{MAX_CONCURRENT_TRIES}"
        )
    cases = bench_cases(encodings, digits_values)
    for c in cases:
        if "per-update" in addends and c.kernel == KERNEL_TABLE and c.table is None:
            raise ConfigError(
                f"values={c.nr_values} with addends per-update: {c.encoding} would need a "
                f"2^{c.bits}-entry table; allowed 2..{MAX_VALUES} (or --addends per-mm)"
            )
    # the schemes have one path (atomic) and no addends (their mm id: per-mm)
    jobs = [
        (c, a, t, p)
        for t in threads
        for p in PATHS
        for c in cases
        for a in addends
        if c.design == DESIGN_VALUES or (p == "atomic" and a == addends[0])
    ]
    if not MIN_ITERS <= iters <= MAX_ITERS:
        # one C call runs iters updates and cannot be interrupted: bound it up front
        raise ConfigError(
            f"iters={iters} is out of range: allowed [{MIN_ITERS}, {MAX_ITERS}] "
            f"(1e8 updates take about 1-5 s per case, {len(jobs)} "
            f"cases x {repeat} runs here)"
        )
    multi = [j for j, job in enumerate(jobs) if job[2] > 1]
    # the check only reads, whatever the write path: one per (case, addends, threads)
    checks = list(dict.fromkeys((c, a, t) for c, a, t, _ in jobs))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        total = repeat * (len(jobs) + len(checks)) + concurrent_tries * len(multi)
        bar = tqdm(total=total, desc="bench-atomics", unit="run")
    best = [(float("inf"), 0.0, 0.0)] * len(jobs)
    best_check = dict.fromkeys(checks, float("inf"))
    for _ in range(repeat):
        for j, (c, a, t, p) in enumerate(jobs):
            r = update_words(c, t, iters, p, a)
            best[j] = min(best[j], (r["ns_per_update"], r["wall_ns_per_update"], r["cpu_share"]))
            if bar is not None:
                bar.update()
        for key in checks:
            r = check_words(key[0], key[2], iters, key[1])
            if r["shared"]:
                raise RuntimeError(f"{SOURCE}: the check of {key[0]} answered shared wrongly")
            best_check[key] = min(best_check[key], r["ns_per_check"])
            if bar is not None:
                bar.update()
    # On a busy machine the long runs above rarely keep two threads on two
    # CPUs at once; short runs sometimes do, and only those show contention.
    found: dict[int, list[float]] = {j: [] for j in multi}
    tries = dict.fromkeys(multi, 0)
    short = min(iters, CONCURRENT_ITERS)
    for _ in range(concurrent_tries):
        todo = [j for j in multi if len(found[j]) < CONCURRENT_WANTED]
        if not todo:
            break
        for j in todo:
            c, a, t, p = jobs[j]
            r = update_words(c, t, short, p, a)
            tries[j] += 1
            if r["cpu_share"] >= CONCURRENT_SHARE:
                found[j].append(r["ns_per_update"])
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    nan = float("nan")
    rows = [
        {
            "encoding": c.encoding,
            "values": c.nr_values,
            "bits": c.bits,
            "addends": a,
            "threads": t,
            "path": p,
            "ns_per_update": ns,
            "wall_ns_per_update": wall,
            "cpu_share": share,
            "concurrent_ns_per_update": min(found[j]) if found.get(j) else nan,
            "concurrent_runs": len(found.get(j, ())),
            "concurrent_tries": tries.get(j, 0),
            "ns_per_check": best_check[(c, a, t)],
        }
        for j, ((c, a, t, p), (ns, wall, share)) in enumerate(zip(jobs, best, strict=True))
    ]
    df = pd.DataFrame(rows)
    ref_name, ref_k = REFERENCE_BENCH
    ref = df[(df["encoding"] == ref_name) & (df["values"] == ref_k) & (df["addends"] == "per-mm")]
    base = ref.set_index(["threads", "path"])["ns_per_update"]
    df["ratio_vs_k3"] = [
        r.ns_per_update / base.get((r.threads, r.path), float("nan")) for r in df.itertuples()
    ]
    return df


def bench_text(df: pd.DataFrame, info: dict | None = None) -> str:
    """The plain-text report of :func:`bench_atomics` (at most 72 columns)."""
    from .export import text_table, wrap

    head = ["User space on this machine (C -O2, pthreads), not the kernel."]
    if info:
        load = info.get("loadavg_1min")
        head.append(
            wrap(
                f"{info['cpu']} ({info['arch']}, {info['cores']} cores), {info['cc']} -O2"
                + (f"; load average {load:g} (1 min) when measured" if load is not None else "")
            )
        )
    today = set(df["encoding"]) == {REFERENCE_BENCH[0]} and set(df["addends"]) == {"per-mm"}
    if today:
        head.append(
            wrap(
                "ns per update (the slowest thread's CPU time): seqcount (2 RMW) + "
                "mapcount + K values; 'plain' is "
                "the exclusive-writer path (plain stores; with 2 threads it is a "
                "deliberate race that only shows cache-line bouncing)."
            )
        )
        index = ["values"]
    else:
        head.append(
            wrap(
                "ns per update (the slowest thread's CPU time): seqcount (2 RMW) + "
                "mapcount + one add of c * addend "
                "per value (K = values, B = id bits per slice); 'at' atomic RMW, "
                "'pl' the exclusive-writer path (plain stores; with 2 threads a "
                "deliberate race that only shows cache-line bouncing). Addends "
                "per-mm: loaded from the mm (computed once, as calc_rmap_subid for "
                "K <= 3); per-update: computed from the 24-bit id on every update "
                "(" + "; ".join(b.text for b in _specs().values() if b.text) + ")."
            )
        )
        schemes = [b for b in SCHEME_BENCH.values() if b.name in set(df["encoding"])]
        if schemes:
            head.append(
                wrap(
                    "; ".join(b.text for b in schemes)
                    + ". These have no rmap values (K = 0) and no exclusive-writer "
                    "path: 6.15 has no seqcount, every update takes the bit spinlock; "
                    "per-page mapcounts are always atomic. So they have 'at' rows only."
                )
            )
        index = ["encoding", "values", "bits", "addends"]

    def wide(col: str) -> pd.DataFrame:
        w = df.pivot_table(index=index, columns=["threads", "path"], values=col, sort=False)
        short = {"atomic": "at", "plain": "pl"} if not today else {}
        w.columns = [f"{t}t {short.get(p, p)}" for t, p in w.columns]
        w = w.reset_index()
        if not today:
            w = w.rename(columns={"encoding": "enc", "values": "K", "bits": "B"})
        return w

    def dash(table: str) -> str:
        # a path a design does not have (6.15, legacy: no plain path) is '-'
        return re.sub(r"(?<= )nan(?= |$)", "  -", table, flags=re.M)

    out = "\n".join(head) + "\n\n" + dash(text_table(wide("ns_per_update"), floatfmt=".1f"))
    if df["ratio_vs_k3"].notna().any():
        title = (
            "ratio against K = 3"
            if today
            else "ratio against digits K = 3, per-mm sub-IDs (the series' order 9)"
        )
        out += "\n\n" + title + "\n" + dash(text_table(wide("ratio_vs_k3"), floatfmt=".2f"))
    if "ns_per_check" in df and df["ns_per_check"].notna().any():
        w = wide("ns_per_check")
        w = w[[c for c in w.columns if not c.endswith(("pl", "plain"))]]
        w.columns = [c.replace(" at", "").replace(" atomic", "") for c in w.columns]
        out += (
            "\n\n"
            + wrap(
                "ns per check (the slowest thread's CPU time), asked for the mm that "
                f"alone maps {CHECK_PAGES} pages: seqcount reader + compare of all K "
                "words; 6.15 folio_maybe_mapped_shared (total, then the bit; no lock); "
                "legacy page 0's mapcount"
            )
            + "\n"
            + text_table(w, floatfmt=".1f")
        )
    multi = df[df["threads"] > 1]
    if len(multi):
        lo, hi = multi["cpu_share"].min(), multi["cpu_share"].max()
        out += "\n\n" + wrap(
            f"Runs with more than one thread: CPU share {lo:.2f}..{hi:.2f} (1 = every "
            "thread ran throughout, i.e. concurrently; lower = they took turns on a "
            "busy machine, which understates contention)."
        )
    if len(multi) and "concurrent_tries" in multi and multi["concurrent_tries"].any():
        m = multi.copy()
        m["cell"] = [
            f"{ns:.1f} {k}/{n}" if k else f"- 0/{n}"
            for ns, k, n in zip(
                m["concurrent_ns_per_update"],
                m["concurrent_runs"],
                m["concurrent_tries"],
                strict=True,
            )
        ]
        w = m.pivot_table(
            index=index, columns=["threads", "path"], values="cell", aggfunc="first", sort=False
        ).fillna("-")
        short = {"atomic": "at", "plain": "pl"}
        w.columns = [f"{t}t {short[p]}" for t, p in w.columns]
        w = w.reset_index()
        if not today:
            w = w.rename(columns={"encoding": "enc", "values": "K", "bits": "B"})
        out += (
            "\n\n"
            + wrap(
                f"Short runs ({CONCURRENT_ITERS} updates per thread) whose threads were "
                f"on 2 CPUs at once (CPU share >= {CONCURRENT_SHARE}): best ns per update, "
                "then concurrent runs / tries ('-': none was, contention not measured)."
            )
            + "\n"
            + text_table(w)
        )
    return out
