"""``rmaplab bench-atomics``: the update path per encoding, measured here.

Compiles ``csrc/atomics.c`` with the system C compiler (``cc -O2``) at run
time, then times, for each case and thread count, the atomic path (seqcount
+ mapcount + one atomic add of ``c * addend`` per value) and the
exclusive-writer path (plain stores). Results are ns per update and ratios
against ``digits`` K = 3 with per-mm sub-IDs (the series' order-9 path).

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

import ctypes
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ._data import c_source
from ._kernels.codes import GOLDEN
from .config import ConfigError
from .encodings import LiveMapping, splitmix64
from .encodings.names import REFERENCE_BENCH
from .encodings.table import quadratic_table
from .subid import calc_rmap_subid

__all__ = [
    "ADDENDS",
    "ENCODINGS",
    "ID_BITS",
    "NR_MMS",
    "PATHS",
    "BenchCase",
    "addends_python",
    "bench_atomics",
    "bench_cases",
    "bench_text",
    "compiler",
    "machine_info",
    "mm_ids",
    "parse_list",
    "parse_range",
    "quadratic_shift",
    "update_words",
    "update_words_python",
]

SOURCE = "atomics.c"  # in rmaplab/csrc/, read through importlib.resources
#: Updates per thread per run: below, timer noise dominates; above, one
#: uninterruptible C call runs for seconds.
MIN_ITERS = 1000
MAX_ITERS = 100_000_000
MAX_REPEAT = 50
#: Short multi-thread runs whose threads shared the CPUs at least this much
#: count as concurrent (see bench_case() in csrc/atomics.c).
CONCURRENT_SHARE = 0.9
CONCURRENT_ITERS = 20_000
CONCURRENT_WANTED = 3
MAX_CONCURRENT_TRIES = 10_000

# Named constants shared with csrc/atomics.c (checked against its
# kernel_name() when the library is loaded).
ID_BITS = 24
NR_MMS = 64
MAX_VALUES = 8
MAX_THREADS = 8
# C addend rules: the loop takes a rule, not a function per family.
KERNEL_TABLE = 0  # a[v] = table[slice_v(x)]
KERNEL_POWERS = 1  # a[v] = x^(v+1): the whole id's powers 1..K
KERNEL_QUADRATIC = 2  # a[v] = s + (s*s << shift), s = slice_v(x)
KERNEL_CALC = 3  # a[v] = calc_rmap_subid(P_g, slice_v(x)); per mm only
_KERNEL_NAMES = {
    KERNEL_TABLE: "table",
    KERNEL_POWERS: "powers",
    KERNEL_QUADRATIC: "quadratic",
    KERNEL_CALC: "calc_rmap_subid",
}
_KERNEL_IDS = {v: k for k, v in _KERNEL_NAMES.items()}


def _specs() -> dict:
    from .encodings.base import iter_bench_specs

    return {b.name: b for b in iter_bench_specs()}


#: bench case (an encoding's C case, offered by its family) -> (C rule per
#: update, C rule filling the per-mm cache); live from the registry.
ENCODINGS = LiveMapping(
    lambda: {n: (_KERNEL_IDS[b.kernel], _KERNEL_IDS[b.cache_kernel]) for n, b in _specs().items()}
)
#: K measured per bench case when none is asked for (digits: --values).
DEFAULT_VALUES = LiveMapping(lambda: {n: b.default_values for n, b in _specs().items()})
#: Where the addends come from: loaded from the mm, or computed from its id.
ADDENDS = ("per-mm", "per-update")
PATHS = ("atomic", "plain")
_WORD_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class BenchCase:
    """One encoding at one K, resolved: what the C loop needs."""

    encoding: str  # the bench case's name (an encoding's C case)
    nr_values: int
    bits: int  # B = ceil(24 / K): slice width (KERNEL_POWERS: 24, the whole id)
    kernel: int  # per-update C kernel
    cache_kernel: int  # C kernel filling the per-mm cache
    table: tuple[int, ...] | None = None  # 2**bits words (KERNEL_TABLE)
    shift: int = 0  # KERNEL_QUADRATIC: w[s] = s + (s*s << shift)
    base_pages: int = 1  # KERNEL_CALC: P_g of calc_rmap_subid(P_g, s)


def compiler() -> str:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise ConfigError(
            "no C compiler found (looked for $CC, cc, gcc, clang): bench-atomics compiles "
            "its C loop at run time; install one, e.g. apt-get install gcc"
        )
    return cc


@lru_cache(maxsize=1)
def _lib():
    cc = compiler()
    out = Path(tempfile.mkdtemp(prefix="rmaplab-atomics-")) / "atomics.so"
    with c_source(SOURCE) as src:
        proc = subprocess.run(
            [cc, "-O2", "-shared", "-fPIC", "-pthread", "-o", str(out), str(src)],
            capture_output=True,
            text=True,
        )
    if proc.returncode:
        raise ConfigError(f"compiling {SOURCE} with {cc} failed:\n{proc.stderr}")
    lib = ctypes.CDLL(str(out))
    lib.kernel_name.argtypes = [ctypes.c_int]
    lib.kernel_name.restype = ctypes.c_char_p
    got = {i: (lib.kernel_name(i) or b"").decode() for i in range(len(_KERNEL_NAMES) + 1)}
    if got != {**_KERNEL_NAMES, len(_KERNEL_NAMES): ""}:
        raise RuntimeError(f"{SOURCE} kernel ids {got} differ from atomics.py {_KERNEL_NAMES}")
    u64p = ctypes.POINTER(ctypes.c_uint64)
    lib.bench_case.argtypes = [
        ctypes.c_int,  # kernel
        ctypes.c_int,  # cache_kernel
        ctypes.c_int,  # k
        ctypes.c_int,  # cached
        ctypes.c_int,  # plain
        ctypes.c_int,  # threads
        ctypes.c_int64,  # iters
        ctypes.POINTER(ctypes.c_uint32),  # ids
        u64p,  # table
        ctypes.c_int,  # shift
        ctypes.c_uint64,  # base_pages
        u64p,  # out_values
        ctypes.POINTER(ctypes.c_int32),  # out_seq_mapcount
        ctypes.POINTER(ctypes.c_double),  # out_cpu_share
        ctypes.POINTER(ctypes.c_double),  # out_wall_ns
    ]
    lib.bench_case.restype = ctypes.c_double
    return lib


def machine_info() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cc = compiler()
    ver = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return {
        "cpu": model or platform.processor(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "cc": ver[0] if ver else cc,
        "loadavg_1min": round(load, 2),
    }


def parse_range(text: str, name: str, lo: int, hi: int) -> list[int]:
    """'1-8' or '1,2,4' -> list of ints, each checked to lie in [lo, hi]
    (as bounds, before a range is expanded: :func:`rmaplab.validate.parse_int_list`)."""
    from .validate import parse_int_list

    return parse_int_list(text, name, lo, hi)


def parse_list(text: str, name: str, allowed: Iterable[str]) -> list[str]:
    """'a,b' -> ['a', 'b'], each one of ``allowed``, duplicates dropped
    (:func:`rmaplab.validate.check_names`)."""
    from .validate import check_names

    return check_names(name, text, allowed)


# -- encodings -----------------------------------------------------------------


def _splitmix64(x: int) -> int:
    """The generator step of splitmix64 (golden increment, then the output
    function): the lab's one splitmix64, :mod:`rmaplab._kernels.mix`."""
    return splitmix64(x + GOLDEN)


def mm_ids(threads: int) -> list[list[int]]:
    """The rmap IDs each thread's :data:`NR_MMS` mms use: fixed, spread over
    ``[1, 2**24 - 1]`` so every slice varies."""
    return [
        [1 + _splitmix64(t * NR_MMS + m) % ((1 << ID_BITS) - 1) for m in range(NR_MMS)]
        for t in range(threads)
    ]


def quadratic_shift(bits: int, word_bits: int = 64) -> int:
    """``k`` of ``w[s] = s + s**2 * 2**k`` that maximises the folio size the
    convex-position certificate proves (:func:`rmaplab.proof.quadratic_table`,
    whose docstring states the certificate); it only sets the shift amount of
    the bench's table, which costs the same for every k."""
    return quadratic_table(bits, word_bits)[1]


def _case(encoding: str, k: int) -> BenchCase:
    spec = _specs()[encoding]
    return BenchCase(
        encoding,
        k,
        kernel=_KERNEL_IDS[spec.kernel],
        cache_kernel=_KERNEL_IDS[spec.cache_kernel],
        **spec.make(k, ID_BITS),
    )


def bench_cases(
    encodings: Iterable[str] = (REFERENCE_BENCH[0],), digits_values: Iterable[int] | None = None
) -> list[BenchCase]:
    """Resolve encoding names (and digits' K) into :class:`BenchCase` s.

    ``digits_values`` defaults to K = 3, 4, 6; the other families have fixed
    K (:data:`DEFAULT_VALUES`).
    """
    out = []
    for name in encodings:
        if name not in ENCODINGS:
            raise ConfigError(f"encodings={name!r} is unknown: allowed {','.join(ENCODINGS)}")
        ks = list(DEFAULT_VALUES[name])
        if name == REFERENCE_BENCH[0] and digits_values is not None:
            ks = [int(v) for v in digits_values]
            for v in ks:
                if not 1 <= v <= MAX_VALUES:
                    raise ConfigError(f"values={v} is out of range: allowed 1..{MAX_VALUES}")
        out += [_case(name, k) for k in ks]
    return out


def addends_python(case: BenchCase, mm_id: int) -> list[int]:
    """The K addends of the mm with rmap ID ``mm_id``, on Python ints (mod
    2**64), by the case's per-mm rule (the C loop's ``fill_cache``)."""
    mask = (1 << case.bits) - 1
    slices = [(mm_id >> (v * case.bits)) & mask for v in range(case.nr_values)]
    rule = case.cache_kernel
    if rule == KERNEL_CALC:
        return [calc_rmap_subid(case.base_pages, s) for s in slices]
    if rule == KERNEL_POWERS:
        return [mm_id ** (v + 1) & _WORD_MASK for v in range(case.nr_values)]
    if rule == KERNEL_QUADRATIC:
        return [(s + (s * s << case.shift)) & _WORD_MASK for s in slices]
    assert case.table is not None
    return [case.table[s] for s in slices]


def _ops(iters: int):
    """The op sequence of csrc/atomics.c: (mm index, signed page count)."""
    for i in range(iters):
        nr = 1 + ((i >> 1) & 7)
        yield (i + (i >> 6)) & (NR_MMS - 1), -nr if i & 1 else nr


def update_words_python(case: BenchCase, threads: int, iters: int) -> dict:
    """The folio after ``iters`` updates per thread (any interleaving, as the
    adds commute): ``rmap_vals`` (K words), ``seq`` and ``mapcount``."""
    vals = [0] * case.nr_values
    mapcount = 0
    coef = [0] * NR_MMS
    for m, c in _ops(iters):
        coef[m] += c
        mapcount += c
    for ids in mm_ids(threads):
        for m, mm_id in enumerate(ids):
            for v, a in enumerate(addends_python(case, mm_id)):
                vals[v] += coef[m] * a
    return {
        "rmap_vals": [v & _WORD_MASK for v in vals],
        "seq": 2 * iters * threads,
        "mapcount": mapcount * threads,
    }


@lru_cache(maxsize=64)
def _c_inputs(case: BenchCase, threads: int):
    """The mm ids and the table as C arrays, built once (short runs repeat)."""
    flat = [i for ids in mm_ids(threads) for i in ids]
    ids = (ctypes.c_uint32 * len(flat))(*flat)
    table = (ctypes.c_uint64 * len(case.table))(*case.table) if case.table else None
    return ids, table


def update_words(
    case: BenchCase, threads: int, iters: int, path: str = "atomic", addends: str = "per-mm"
) -> dict:
    """Run the C loop once: ``ns_per_update`` and the folio's final
    ``rmap_vals``, ``seq`` and ``mapcount`` (with 2 threads, the plain path
    races on purpose, so only its time means anything), and ``cpu_share``:
    the estimated fraction of the run during which all threads were on a
    CPU at once (well below 1 with 2 threads: they took turns)."""
    if path not in PATHS:
        raise ConfigError(f"path={path!r} is not allowed: allowed {','.join(PATHS)}")
    if addends not in ADDENDS:
        raise ConfigError(f"addends={addends!r} is not allowed: allowed {','.join(ADDENDS)}")
    if not 1 <= threads <= MAX_THREADS:
        raise ConfigError(f"threads={threads} is out of range: allowed 1..{MAX_THREADS}")
    cached = addends == "per-mm"
    if case.kernel == KERNEL_TABLE and not cached and case.table is None:
        raise ConfigError(
            f"values={case.nr_values} with addends per-update: {case.encoding} would need a "
            f"2^{case.bits}-entry table; allowed 2..{MAX_VALUES} (or addends per-mm)"
        )
    lib = _lib()
    ids, table = _c_inputs(case, threads)
    out_vals = (ctypes.c_uint64 * MAX_VALUES)()
    out_sm = (ctypes.c_int32 * 2)()
    share = ctypes.c_double()
    wall = ctypes.c_double()
    ns = lib.bench_case(
        case.kernel,
        case.cache_kernel,
        case.nr_values,
        int(cached),
        int(path == "plain"),
        threads,
        iters,
        ids,
        table,
        case.shift,
        case.base_pages,
        out_vals,
        out_sm,
        ctypes.byref(share),
        ctypes.byref(wall),
    )
    if ns < 0:
        raise RuntimeError(f"{SOURCE}: bench_case refused {case} (threads={threads})")
    return {
        "ns_per_update": ns,
        "wall_ns_per_update": wall.value,
        "cpu_share": share.value,
        "rmap_vals": list(out_vals)[: case.nr_values],
        "seq": out_sm[0],
        "mapcount": out_sm[1],
    }


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
    jobs = [(c, a, t, p) for t in threads for p in PATHS for c in cases for a in addends]
    if not MIN_ITERS <= iters <= MAX_ITERS:
        # one C call runs iters updates and cannot be interrupted: bound it up front
        raise ConfigError(
            f"iters={iters} is out of range: allowed [{MIN_ITERS}, {MAX_ITERS}] "
            f"(1e8 updates take about 1-5 s per case, {len(jobs)} "
            f"cases x {repeat} runs here)"
        )
    multi = [j for j, job in enumerate(jobs) if job[2] > 1]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        total = repeat * len(jobs) + concurrent_tries * len(multi)
        bar = tqdm(total=total, desc="bench-atomics", unit="run")
    best = [(float("inf"), 0.0, 0.0)] * len(jobs)
    for _ in range(repeat):
        for j, (c, a, t, p) in enumerate(jobs):
            r = update_words(c, t, iters, p, a)
            best[j] = min(best[j], (r["ns_per_update"], r["wall_ns_per_update"], r["cpu_share"]))
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

    head = []
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
        index = ["encoding", "values", "bits", "addends"]

    def wide(col: str) -> pd.DataFrame:
        w = df.pivot_table(index=index, columns=["threads", "path"], values=col, sort=False)
        short = {"atomic": "at", "plain": "pl"} if not today else {}
        w.columns = [f"{t}t {short.get(p, p)}" for t, p in w.columns]
        w = w.reset_index()
        if not today:
            w = w.rename(columns={"encoding": "enc", "values": "K", "bits": "B"})
        return w

    out = "\n".join(head) + "\n\n" + text_table(wide("ns_per_update"), floatfmt=".1f")
    if df["ratio_vs_k3"].notna().any():
        title = (
            "ratio against K = 3"
            if today
            else "ratio against digits K = 3, per-mm sub-IDs (the series' order 9)"
        )
        out += "\n\n" + title + "\n" + text_table(wide("ratio_vs_k3"), floatfmt=".2f")
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
        )
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
