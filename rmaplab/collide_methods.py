"""The methods behind :func:`rmaplab.collide.collide`: exact, analytic and
Monte Carlo probabilities of a false "exclusive" for an
:class:`~rmaplab.encodings.Encoding` at one order and population, and the
verifier's verdict the ``proof`` method rests on. :mod:`rmaplab.collide`
chooses among them (its module docstring says what each computes);
:mod:`rmaplab.encodings.names` holds the command line's names and
:mod:`rmaplab.executors` where Monte Carlo tasks run.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import Executor
from fractions import Fraction
from functools import lru_cache

import numpy as np

from ._kernels.codes import POP_CODES, RULE_DIGITS, RULE_POWERS
from ._kernels.montecarlo import (
    MonteCarloInputs,
    false_exclusive_trials,
    false_exclusive_trials_python,
)
from .config import DEFAULT_CONFIG, ConfigError, RmapConfig, _check_int, require_config
from .encodings import Encoding
from .encodings.base import compositions as _compositions

__all__ = [
    "MAX_MAPPINGS",
    "MAX_TRIALS",
    "MC_BUDGET_SECONDS",
    "MMS_RANGE",
    "POPULATIONS",
    "PROOF_NODE_LIMIT",
    "SEED_RANGE",
    "TASK_TRIALS",
    "analytic_probability",
    "exact_probability",
    "mc_inputs",
    "monte_carlo",
    "monte_carlo_python",
    "wilson",
]

#: Trials per Monte Carlo task: fixed, so results do not depend on the split.
TASK_TRIALS = 100_000
#: Most trials one estimate may ask for (~2**40).
MAX_TRIALS = 1 << 40
#: mms of one population, and the most mappings they may hold.
MMS_RANGE = (2, 1 << 16)
MAX_MAPPINGS = 1 << 31
#: Monte Carlo seeds (splitmix64 takes any 64-bit word).
SEED_RANGE = (0, (1 << 64) - 1)
#: Default wall-clock budget of one Monte Carlo estimate; past it the run
#: stops with the trials done and says so ("undecided": fewer than asked).
MC_BUDGET_SECONDS = 600.0
#: Enumeration budget of the verifier when ``collide`` looks for a proof.
PROOF_NODE_LIMIT = 200_000

POPULATIONS = {
    "uniform": (
        "victim uniform over ids, others i.i.d. uniform over other ids, counts a uniform split"
    ),
    "lowest-free": "ids 1..m from a lowest-free allocator, victim uniform among them",
    "fork-tree": "parent and m-1 children, each keeps a uniform 0..P pages after partial unmaps",
    "adversarial": "the verifier's counterexample and its neighbours (counts +-1)",
}


def wilson(hits: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval (95% by default)."""
    if trials <= 0:
        return 0.0, 1.0
    if hits == 0:  # the centre-minus-half form leaves float noise above 0
        return 0.0, z * z / (trials + z * z)
    p = hits / trials
    den = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / den
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def _check_params(enc: Encoding, order: int, population: str, mms: int, mappings: int):
    if not isinstance(enc, Encoding):
        raise ConfigError(
            f"encoding={enc!r}: allowed an rmaplab.encodings.Encoding (resolve a name with "
            "resolve_encoding)"
        )
    _check_int("order", order, 0, min(30, enc.word_bits + enc.id_bits))
    if population not in POPULATIONS:
        raise ConfigError(f"population={population!r} is unknown: allowed {', '.join(POPULATIONS)}")
    _check_int("mms", mms, *MMS_RANGE)
    if population in ("uniform", "lowest-free"):
        _check_int("mappings", mappings, mms, MAX_MAPPINGS)
    if population == "lowest-free" and mms > enc.max_id:
        raise ConfigError(f"mms={mms} is out of range: allowed [2, {enc.max_id}] ids")
    if population == "uniform" and enc.max_id < 2:
        raise ConfigError(f"id_bits={enc.id_bits} leaves fewer than 2 ids")


def exact_probability(
    enc: Encoding,
    order: int,
    population: str,
    mms: int,
    mappings: int,
    limit: int = 2_000_000,
    config: RmapConfig = DEFAULT_CONFIG,
) -> Fraction | None:
    """Exact probability, or None when the state space exceeds ``limit``."""
    _check_params(enc, order, population, mms, mappings)
    P = 1 << order
    if population in ("uniform", "lowest-free") and mappings > P:
        return Fraction(0)  # n > folio_nr_pages: the check says shared
    mod = 1 << enc.word_bits
    K = enc.nr_values
    if population == "lowest-free":
        ncomp = math.comb(mappings - 1, mms - 1)
        if ncomp * mms * mms > limit:
            return None
        subs = {i: enc.addends(i) for i in range(1, mms + 1)}
        hits = 0
        for parts in _compositions(mappings, mms):
            for v in range(mms):  # victim index; others are ids != victim
                x = subs[v + 1]
                ok = True
                for k in range(K):
                    s = sum(parts[i] * (subs[i + 1][k] - x[k]) for i in range(mms) if i != v)
                    if s % mod:
                        ok = False
                        break
                hits += ok
        return Fraction(hits, ncomp * mms)
    if population == "uniform":
        R = mod**K
        N = enc.max_id
        ncomp = math.comb(mappings - 1, mms - 1)
        if N * ncomp * (mms - 1) * R * (N - 1) > limit * 50 or R > 1 << 20:
            return None
        subv = np.array([enc.addends(i) for i in range(1, N + 1)], dtype=object)
        total = Fraction(0)
        packed_w = [mod**k for k in range(K)]
        for xi in range(N):
            diffs = [(subv[y] - subv[xi]) for y in range(N) if y != xi]
            # the others' counts matter, the victim's does not: distinct count tuples
            for parts in _compositions(mappings, mms):
                dist = {0: 1}
                for c in parts[1:]:
                    new: dict[int, int] = {}
                    for r, w in dist.items():
                        rv = [(r // packed_w[k]) % mod for k in range(K)]
                        for d in diffs:
                            key = sum(
                                ((rv[k] + c * int(d[k])) % mod) * packed_w[k] for k in range(K)
                            )
                            new[key] = new.get(key, 0) + w
                    dist = new
                total += Fraction(dist.get(0, 0), (N - 1) ** (mms - 1) * ncomp)
        return total / N
    if population == "adversarial":
        return Fraction(*_adversarial(enc, order, config))
    return None


def _adversarial(enc: Encoding, order: int, config: RmapConfig = DEFAULT_CONFIG) -> tuple[int, int]:
    """(fooled, total) over the verifier's counterexample and its neighbours:
    each other mm's count changed by -1, 0 or +1 (counts stay >= 1; the
    victim keeps its own listed count).

    The population is the counterexample the verifier finds for ``config`` at
    ``order`` (the posted scheme's), or, failing that, the one
    :func:`~rmaplab.certify.verify_encoding` finds for ``enc`` itself,
    evaluated under this encoding."""
    from itertools import product

    from .verify import split_counterexample, verify

    ce = None
    cfg = require_config(config)
    if order in cfg.orders:
        ce = verify(cfg, order).counterexample
    if ce is None and (1 << order) > 1:
        ce = _verdict(enc, order).counterexample
    if ce is None:
        raise ConfigError(
            f"population='adversarial': the verifier finds no counterexample at order {order} "
            f"for {cfg.name} nor for encoding {enc.name!r}; `rmaplab verify --all` "
            "lists the unsafe orders"
        )
    victim, own, others = split_counterexample(ce)
    if max(m for m, _ in ce["mappings"]) > enc.max_id:
        raise ConfigError(f"id_bits={enc.id_bits} cannot hold the counterexample's ids")
    mod = 1 << enc.word_bits
    P = 1 << order
    x = enc.addends(victim)
    subs = {mm: enc.addends(mm) for mm, _ in others}
    fooled = total = 0
    for delta in product((-1, 0, 1), repeat=len(others)):
        counts = [c + d for (_, c), d in zip(others, delta, strict=False)]
        if min(counts) < 1:
            continue
        total += 1
        if own + sum(counts) > P:
            continue
        ok = all(
            sum(c * (subs[mm][k] - x[k]) for (mm, _), c in zip(others, counts, strict=False)) % mod
            == 0
            for k in range(enc.nr_values)
        )
        fooled += ok
    return fooled, total


def analytic_probability(
    enc: Encoding, order: int, population: str, mms: int, mappings: int
) -> float | None:
    """The family's closed form (``hash64``: random sub-IDs; see module
    docstring), else None."""
    return enc.fam.analytic(enc, order, population, mms, mappings)


def mc_inputs(
    enc: Encoding, order: int, population: str, mms: int, mappings: int
) -> MonteCarloInputs:
    """The Monte Carlo kernel's named inputs for ``enc`` at ``order`` and
    ``population``: the family's kernel plan (:meth:`Encoding.plan`: a rule
    of :mod:`rmaplab._kernels.codes`; tabulated families give the addend table
    ``uint64[K, 2**slice_bits]`` built from the encoding's Python addends."""
    plan = enc.plan()
    return MonteCarloInputs(
        encoding=plan.rule,
        nr_values=enc.nr_values,
        bits=plan.slice_bits,
        base_pages=plan.base - 1 if plan.rule == RULE_DIGITS else 0,
        word_bits=enc.word_bits,
        max_id=enc.max_id,
        population=POP_CODES[population],
        mms=mms,
        mappings=mappings,
        nr_pages=1 << order,
        word_slice=np.array(plan.word_slice, dtype=np.int64),
        tables=plan.tables,
        powers=None if plan.rule != RULE_POWERS else np.array(plan.powers, dtype=np.int64),
        pack_base=plan.pack_base,
    )


def _task(args):
    """One Monte Carlo task (top level, so executors can pickle it)."""
    inp, trials, seed = args
    return false_exclusive_trials(inp, trials, seed)


def _task_seed(seed: int, index: int) -> int:
    """Seed of task ``index``: child ``index`` of ``SeedSequence(seed)``, made
    directly (``spawn`` would build every child up front)."""
    child = np.random.SeedSequence(seed, spawn_key=(index,))
    return int(child.generate_state(1, dtype=np.uint64)[0])


def monte_carlo(
    enc: Encoding,
    order: int,
    population: str,
    mms: int,
    mappings: int,
    trials: int = 1_000_000,
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = False,
    budget_seconds: float | None = None,
) -> tuple[int, int]:
    """(hits, trials done) from ``ceil(trials / TASK_TRIALS)`` seeded tasks.

    Tasks go out in batches; once ``budget_seconds`` (default
    :data:`MC_BUDGET_SECONDS`) have passed, no new batch starts and the trials
    done so far are returned (fewer than asked: the caller says so).
    """
    import time
    from itertools import islice

    _check_params(enc, order, population, mms, mappings)
    if population == "adversarial":
        raise ConfigError("population='adversarial' is enumerated exactly, not sampled")
    trials = _check_int("trials", trials, 1, MAX_TRIALS)
    seed = _check_int("seed", seed, 0, (1 << 64) - 1)
    budget = MC_BUDGET_SECONDS if budget_seconds is None else float(budget_seconds)
    if not budget > 0:
        raise ConfigError(f"budget_seconds={budget_seconds} is out of range: allowed > 0")
    n_tasks = -(-trials // TASK_TRIALS)
    inp = mc_inputs(enc, order, population, mms, mappings)
    jobs = (
        (inp, min(TASK_TRIALS, trials - i * TASK_TRIALS), _task_seed(seed, i))
        for i in range(n_tasks)
    )
    batch = 1 if executor is None else 4 * (os.cpu_count() or 1)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_tasks, desc="monte carlo", unit="task")
    start = time.monotonic()
    hits = total = 0
    try:
        while chunk := list(islice(jobs, batch)):
            results = executor.map(_task, chunk) if executor is not None else map(_task, chunk)
            for h, t in results:
                hits += h
                total += t
                if bar is not None:
                    bar.update(1)
            if time.monotonic() - start > budget:
                break
    finally:
        if bar is not None:
            bar.close()
    return hits, total


def monte_carlo_python(
    enc: Encoding,
    order: int,
    population: str,
    mms: int,
    mappings: int,
    trials: int = 1000,
    seed: int = 0,
) -> tuple[int, int]:
    """:func:`monte_carlo` on Python ints: the same tasks, seeds and draws, so
    the same ``(hits, trials)`` (slow: the reference tests compare against)."""
    _check_params(enc, order, population, mms, mappings)
    if population == "adversarial":
        raise ConfigError("population='adversarial' is enumerated exactly, not sampled")
    trials = _check_int("trials", trials, 1, MAX_TRIALS)
    inp = mc_inputs(enc, order, population, mms, mappings)
    hits = total = 0
    for i in range(-(-trials // TASK_TRIALS)):
        n = min(TASK_TRIALS, trials - i * TASK_TRIALS)
        h, t = false_exclusive_trials_python(inp, n, _task_seed(seed, i))
        hits += h
        total += t
    return hits, total


@lru_cache(maxsize=256)
def _verdict(enc: Encoding, order: int):
    """The verifier's verdict (cached: sweeps and widgets ask again and again)."""
    from .certify import verify_encoding

    return verify_encoding(enc, order, node_limit=PROOF_NODE_LIMIT)
