"""The cases ``bench-atomics`` measures and the C loop that runs one of them.

A case is one design's update path at one K, resolved for the C loop of
``csrc/atomics.c`` (compiled after ``csrc/designs.c`` as one unit, through
:func:`rmaplab.cbuild.build`):

* the rmap-value encodings, offered by their families
  (:meth:`~rmaplab.encodings.Family.bench_specs`): seqcount + mapcount + one
  add of ``c * addend`` per value; a case names a C addend rule
  (``KERNEL_*``), so a new family adds a case without touching the C loop;
* the other designs, which are schemes rather than encodings
  (:data:`SCHEME_BENCH`, looked up by name like the families' cases):
  Linux 6.15's MM-owner tracking (bit spinlock, slot compare/update, the
  "maybe mapped shared" bit, the total mapcount) and the legacy per-page
  mapcounts (one atomic add per page).

Each thread cycles over :data:`NR_MMS` mms (deterministic ids from
:func:`mm_ids`), mapping ``nr`` pages and unmapping ``nr`` pages of the next
mm, so the final words are not zero and nothing is loop-invariant. The C
loop returns the folio's final words; :func:`update_words_python` computes
them on Python ints from the same op sequence (the 6.15 slots through the
lab's :class:`rmaplab.schemes.MMOwner` model), and the tests compare.
:func:`check_words` times each design's question on a folio one mm maps.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ._kernels.codes import GOLDEN
from .cbuild import build, compiler
from .config import ConfigError
from .encodings import LiveMapping, splitmix64
from .encodings.names import REFERENCE_BENCH
from .encodings.table import quadratic_table
from .subid import calc_rmap_subid

__all__ = [
    "ADDENDS",
    "CASES",
    "DESIGN_LEGACY",
    "DESIGN_MM_OWNER",
    "DESIGN_VALUES",
    "ENCODINGS",
    "ID_BITS",
    "NR_MMS",
    "PATHS",
    "SCHEME_BENCH",
    "BenchCase",
    "SchemeBench",
    "addends_python",
    "bench_cases",
    "check_words",
    "compiler",
    "mm_ids",
    "parse_list",
    "parse_range",
    "quadratic_shift",
    "update_words",
    "update_words_python",
]

#: Sources of the bench library, one translation unit in this order.
SOURCES = ("designs.c", "atomics.c", "microbench.c")
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
# The designs of csrc/designs.c (DESIGN_*): what one update does.
DESIGN_VALUES = 0  # seqcount + mapcount + K rmap values
DESIGN_MM_OWNER = 1  # 6.15: bit spinlock, two slots, the bit, total mapcount
DESIGN_LEGACY = 2  # per-page mapcounts only
#: The folio the check loop asks about: one mm maps this many pages.
CHECK_PAGES = 8
FOLIO_PAGES = 512  # csrc/designs.c: the folio of the state words (order 9)


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


@dataclass(frozen=True)
class SchemeBench:
    """A design measured by ``bench-atomics`` that is a scheme, not an
    encoding: no rmap values, a C update path of its own (``design``)."""

    name: str
    design: int
    text: str
    #: the K column of its rows (it has no rmap values)
    values: int = 0


#: The schemes' bench cases (next to the families' cases, by name).
SCHEME_BENCH = {
    s.name: s
    for s in (
        SchemeBench(
            "mm-owner",
            DESIGN_MM_OWNER,
            "mm-owner: Linux 6.15, bit spinlock (test-and-set, release store), "
            "slot compare/update, maybe-shared bit, total mapcount",
        ),
        SchemeBench("legacy", DESIGN_LEGACY, "legacy: one atomic add per page's mapcount"),
    )
}
#: Every bench case: the families' encodings, then the schemes.
CASES = LiveMapping(lambda: {**dict(ENCODINGS), **SCHEME_BENCH})
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
    design: int = DESIGN_VALUES  # the C update path (DESIGN_*)


@lru_cache(maxsize=1)
def _lib():
    lib = build(SOURCES, "atomics")
    lib.kernel_name.argtypes = [ctypes.c_int]
    lib.kernel_name.restype = ctypes.c_char_p
    got = {i: (lib.kernel_name(i) or b"").decode() for i in range(len(_KERNEL_NAMES) + 1)}
    if got != {**_KERNEL_NAMES, len(_KERNEL_NAMES): ""}:
        raise RuntimeError(f"{SOURCE} kernel ids {got} differ from atomics.py {_KERNEL_NAMES}")
    u64p = ctypes.POINTER(ctypes.c_uint64)
    i64p = ctypes.POINTER(ctypes.c_int64)
    lib.bench_case.argtypes = [
        ctypes.c_int,  # design
        ctypes.c_int,  # check
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
        i64p,  # out_state
        i64p,  # out_shared
    ]
    lib.bench_case.restype = ctypes.c_double
    lib.state_words.restype = ctypes.c_int
    lib.mix_run.argtypes = [
        ctypes.c_int,  # design
        ctypes.c_int,  # k
        ctypes.c_int,  # plain
        u64p,  # ids
        u64p,  # addends
        ctypes.POINTER(ctypes.c_int32),  # ops
        ctypes.c_int64,  # n_setup
        ctypes.c_int64,  # n_ops
        ctypes.c_int64,  # reps
        ctypes.POINTER(ctypes.c_int8),  # answers
        ctypes.POINTER(ctypes.c_double),  # out_ns
        i64p,  # out_state
    ]
    lib.mix_run.restype = ctypes.c_int
    return lib


def state_from_words(words) -> dict:
    """The C folio's counters (``folio_state`` in csrc/designs.c) by name."""
    w = [int(x) for x in words]
    ids = w[10] & ((1 << 64) - 1)
    return {
        "seq": w[0],
        "mapcount": w[1],
        "rmap_vals": [v & ((1 << 64) - 1) for v in w[2:10]],
        "slots": [(ids & 0x7FFFFFFF, w[11]), ((ids >> 32) & 0x7FFFFFFF, w[12])],
        "maybe_shared": bool(ids >> 31 & 1),
        "locked": bool(ids >> 63),
        "large_mapcount": w[13],
        "entire_mapcount": w[14],
        "page_mapcounts": w[15 : 15 + FOLIO_PAGES],
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


# -- cases ---------------------------------------------------------------------


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
    scheme = SCHEME_BENCH.get(encoding)
    if scheme is not None:
        # no rmap values: K = 1 only sizes the unused per-mm cache
        return BenchCase(encoding, 0, ID_BITS, KERNEL_POWERS, KERNEL_POWERS, design=scheme.design)
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
    """Resolve case names (:data:`CASES`: encodings, with digits' K, and the
    schemes of :data:`SCHEME_BENCH`) into :class:`BenchCase` s.

    ``digits_values`` defaults to K = 3, 4, 6; the other families have fixed
    K (:data:`DEFAULT_VALUES`), the schemes none (their ``nr_values`` is 0).
    """
    out = []
    for name in encodings:
        if name not in CASES:
            raise ConfigError(f"encodings={name!r} is unknown: allowed {','.join(CASES)}")
        if name in SCHEME_BENCH:
            out.append(_case(name, 0))
            continue
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


def _mm_owner_python(threads: int, iters: int) -> dict:
    """The 6.15 counters after the op sequence, from the lab's model of the
    merged functions (:class:`rmaplab.schemes.MMOwner`); one thread only
    (with more, which mm takes a slot depends on the interleaving)."""
    from .schemes import MMOwner

    total = 0
    s = MMOwner(9)
    ids = mm_ids(threads)
    for t in range(threads):
        for m, c in _ops(iters):
            total += c
            if threads == 1:
                (s.map if c > 0 else s.unmap)(ids[t][m], 0, abs(c))
    out: dict = {"large_mapcount": total}
    if threads == 1:
        out |= {"slots": list(zip(s.ids, s.counts, strict=True)), "maybe_shared": s.maybe_shared}
    return out


def _legacy_python(threads: int, iters: int) -> dict:
    """Per-page mapcounts: each op adds its sign to pages 0..nr-1."""
    pages = [0] * FOLIO_PAGES
    for _m, c in _ops(iters):
        for p in range(abs(c)):
            pages[p] += threads if c > 0 else -threads
    return {"page_mapcounts": pages}


def update_words_python(case: BenchCase, threads: int, iters: int) -> dict:
    """The folio after ``iters`` updates per thread (any interleaving, as the
    adds commute): for the rmap values ``rmap_vals`` (K words), ``seq`` and
    ``mapcount``; for 6.15 the total (and, with one thread, the slots and
    the bit); for legacy the per-page mapcounts."""
    if case.design == DESIGN_MM_OWNER:
        return _mm_owner_python(threads, iters)
    if case.design == DESIGN_LEGACY:
        return _legacy_python(threads, iters)
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


def _run(case: BenchCase, threads: int, iters: int, path: str, addends: str, check: bool):
    if path not in PATHS:
        raise ConfigError(f"path={path!r} is not allowed: allowed {','.join(PATHS)}")
    if addends not in ADDENDS:
        raise ConfigError(f"addends={addends!r} is not allowed: allowed {','.join(ADDENDS)}")
    if not 1 <= threads <= MAX_THREADS:
        raise ConfigError(f"threads={threads} is out of range: allowed 1..{MAX_THREADS}")
    if path == "plain" and case.design != DESIGN_VALUES:
        raise ConfigError(
            f"path=plain with {case.encoding}: it has no exclusive-writer path; allowed atomic"
        )
    cached = addends == "per-mm" or case.design != DESIGN_VALUES
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
    state = (ctypes.c_int64 * lib.state_words())()
    shared = ctypes.c_int64()
    ns = lib.bench_case(
        case.design,
        int(check),
        case.kernel,
        case.cache_kernel,
        max(case.nr_values, 1),
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
        state,
        ctypes.byref(shared),
    )
    if ns < 0:
        raise RuntimeError(f"{SOURCE}: bench_case refused {case} (threads={threads})")
    return ns, wall.value, share.value, out_vals, out_sm, state, shared.value


def update_words(
    case: BenchCase, threads: int, iters: int, path: str = "atomic", addends: str = "per-mm"
) -> dict:
    """Run the C loop once: ``ns_per_update`` and the folio's final
    ``rmap_vals``, ``seq`` and ``mapcount`` (with 2 threads, the plain path
    races on purpose, so only its time means anything), ``state`` (all the
    folio's counters, :func:`state_from_words`), and ``cpu_share``: the
    estimated fraction of the run during which all threads were on a CPU at
    once (well below 1 with 2 threads: they took turns). The schemes have
    only the atomic path, and ignore ``addends``."""
    ns, wall, share, vals, sm, state, _ = _run(case, threads, iters, path, addends, False)
    return {
        "ns_per_update": ns,
        "wall_ns_per_update": wall,
        "cpu_share": share,
        "rmap_vals": list(vals)[: case.nr_values],
        "seq": sm[0],
        "mapcount": sm[1],
        "state": state_from_words(state),
    }


def check_words(case: BenchCase, threads: int, iters: int, addends: str = "per-mm") -> dict:
    """Run the check loop once: every thread asks ``iters`` times whether
    the folio is shared, for mm 0 of thread 0, which alone maps
    :data:`CHECK_PAGES` pages (the answer must be "exclusive": ``shared`` is
    the number of "shared" answers, 0 when the C check is right). The rmap
    values read under the seqcount and compare all K words; 6.15 reads the
    total and the bit (no lock); legacy page 0's mapcount."""
    ns, wall, share, *_, shared = _run(case, threads, iters, "atomic", addends, True)
    return {
        "ns_per_check": ns,
        "wall_ns_per_check": wall,
        "cpu_share": share,
        "shared": shared,
        "checks": iters * threads,
    }
