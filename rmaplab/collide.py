"""How likely is a multiply-mapped folio reported "mapped exclusively"?

For an :class:`~rmaplab.encodings.Encoding` of mm ids into per-mapping
addends (any family: ``digits``, ``table``, ``moments``, ``raw-id``,
``hash64``, ``bit-counters``) and a *population* of mappings on one folio of
a given order, the probability that the check answers "exclusive" for a
mapping mm while at least two mms map the folio. The command line's names
(``posted``, ``digits-k2``, ``moments``, ...; :data:`ENCODINGS`) are
shorthands that :func:`resolve_encoding` turns into an ``Encoding`` once, at
the entry point. Four methods, agreeing where they overlap (tests check it):

* ``proof``: the verifier (:func:`rmaplab.certify.verify_encoding`)
  proves the encoding safe at this order, so the probability is exactly 0,
  whatever the population; the row carries the verifier's evidence;
* ``exact``: enumeration (lowest-free ids) or convolution of the residue
  distributions modulo ``2**W`` (uniform ids), as exact fractions, on the
  encoding's Python-int addends; for small words and id spaces;
* ``monte-carlo``: the numba kernel
  :func:`rmaplab._kernels.montecarlo.false_exclusive_trials`, split
  into tasks of fixed size, each seeded from (seed, task index), so the
  result does not depend on how tasks are spread over workers; Wilson 95%
  interval;
* ``analytic``: random 64-bit sub-IDs: given the victim's hash, each other
  mm's term ``c_i (h(Y_i) - h(X))`` is uniform on multiples of ``2**v2(c_i)``,
  so the sum is uniform on multiples of ``2**min v2(c_i)``:
  ``P = E[2**(-K (W - min_i v2(c_i)))]`` over the count split (ignoring
  repeated ids among the others).

Which applies to which family is :data:`FAMILY_PATHS`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from concurrent.futures import Executor
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._kernels.codes import POP_CODES, RULE_DIGITS, RULE_POWERS
from ._kernels.montecarlo import (
    MonteCarloInputs,
    false_exclusive_trials,
    false_exclusive_trials_python,
)
from .config import DEFAULT_CONFIG, ConfigError, RmapConfig, _check_int, require_config
from .encodings import Encoding
from .encodings.base import compositions as _compositions
from .encodings.names import ENCODING_FAMILIES, ENCODINGS, FAMILY_PATHS, resolve_encoding
from .executors import DASK_CONNECT_SECONDS, dask_executor, default_executor

__all__ = [
    "DASK_CONNECT_SECONDS",
    "ENCODINGS",
    "ENCODING_FAMILIES",
    "FAMILY_PATHS",
    "POPULATIONS",
    "TASK_TRIALS",
    "analytic_probability",
    "collide",
    "dask_executor",
    "default_executor",
    "exact_probability",
    "mc_inputs",
    "monte_carlo",
    "monte_carlo_python",
    "resolve_encoding",
    "sweep",
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


def _task_seeds(seed: int, n_tasks: int) -> list[int]:
    return [_task_seed(seed, i) for i in range(n_tasks)]


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


def collide(
    encoding: str | Encoding,
    order: int = 9,
    mms: int = 2,
    mappings: int = 2,
    trials: int = 1_000_000,
    seed: int = 0,
    population: str = "uniform",
    config: RmapConfig = DEFAULT_CONFIG,
    word_bits: int | None = None,
    id_bits: int | None = None,
    method: str = "auto",
    executor: Executor | Literal["auto"] | None = "auto",
    progress: bool = False,
    budget_seconds: float | None = None,
) -> dict:
    """Probability of a false "exclusive", with its interval and method.

    ``encoding``: an :class:`~rmaplab.encodings.Encoding`, or a command-line
    name (:data:`ENCODINGS`) resolved here, once, by :func:`resolve_encoding`
    with ``config``, ``word_bits`` and ``id_bits`` (an ``Encoding`` carries
    its widths: overrides that differ are refused). ``method``: ``auto`` (proof if the
    verifier proves the encoding safe at ``order``, else exact if small
    enough, else Monte Carlo; :data:`FAMILY_PATHS`), or one of ``proof``,
    ``exact``, ``monte-carlo``, ``analytic``. ``executor``: any
    ``concurrent.futures`` executor for the Monte Carlo tasks; ``"auto"``
    uses a thread per core (or the dask cluster in
    ``DASK_SCHEDULER_ADDRESS``) from 4 tasks on, None runs them here.
    ``budget_seconds`` bounds a Monte Carlo run (default
    :data:`MC_BUDGET_SECONDS`); a run stopped by it has ``"stopped"`` set and
    ``"verdict": "undecided"``, with the interval of the trials done.
    """
    seed = _check_int("seed", seed, *SEED_RANGE)
    trials = _check_int("trials", trials, 1, MAX_TRIALS)
    if method not in ("auto", "proof", "exact", "monte-carlo", "analytic"):
        raise ConfigError(
            f"method={method!r} is unknown: allowed auto, proof, exact, monte-carlo, analytic"
        )
    if isinstance(encoding, Encoding):
        enc = encoding
        require_config(config).group_for(order)  # the same orders as a name
        for what, given, has in (
            ("word_bits", word_bits, enc.word_bits),
            ("id_bits", id_bits, enc.id_bits),
        ):
            if given is not None and given != has:
                raise ConfigError(
                    f"{what}={given} contradicts encoding {enc.name!r} ({what}={has}): an "
                    "Encoding carries its widths; leave the override out"
                )
    else:
        enc = resolve_encoding(encoding, order, config, word_bits, id_bits)
    _check_params(enc, order, population, mms, mappings)
    row = {
        "encoding": enc.name,
        "population": population,
        "order": order,
        "mms": mms,
        "mappings": mappings,
        "word_bits": enc.word_bits,
        "id_bits": enc.id_bits,
        "values": enc.nr_values,
        "family": enc.family,
        "detail": enc.describe(),
    }
    pages = 1 << order
    if population in ("uniform", "lowest-free") and mappings > pages:
        # folio_mapped_shared answers "shared" from the mapcount alone: no sum is read
        return row | {
            "probability": 0.0,
            "ci_low": 0.0,
            "ci_high": 0.0,
            "method": "definition",
            "trials": 0,
            "evidence": (
                f"n = {mappings} mappings > {pages} pages (folio_nr_pages): the check "
                "answers 'shared' by its mapcount test, whatever the rmap values"
            ),
        }
    if method in ("auto", "proof"):
        v = _verdict(enc, order)
        if v.verdict == "safe":
            return row | {
                "probability": 0.0,
                "ci_low": 0.0,
                "ci_high": 0.0,
                "method": "proof",
                "trials": 0,
                "evidence": v.evidence,
                "proof_method": v.method,
            }
        if method == "proof":
            raise ConfigError(
                f"method='proof': the verifier finds encoding {enc.name!r} {v.verdict} at "
                f"order {order} ({v.method}); use auto, exact or monte-carlo"
            )
    if method == "analytic":
        p = analytic_probability(enc, order, population, mms, mappings)
        if p is None:
            raise ConfigError(
                f"method='analytic' has no closed form for encoding={enc.name!r}, "
                f"population={population!r}: allowed for hash64 with uniform"
            )
        return row | {
            "probability": p,
            "ci_low": p,
            "ci_high": p,
            "method": "analytic",
            "trials": 0,
        }
    if method in ("auto", "exact") and (
        population == "adversarial" or method == "exact" or _small(enc, population, mms, mappings)
    ):
        frac = exact_probability(enc, order, population, mms, mappings, config=config)
        if frac is not None:
            extra = {}
            if population == "adversarial":
                fooled, cases = _adversarial(enc, order, config)
                extra = {"fooled": fooled, "cases": cases}
            return (
                row
                | {
                    "probability": float(frac),
                    "ci_low": float(frac),
                    "ci_high": float(frac),
                    "method": "exact",
                    "trials": 0,
                    "exact": f"{frac.numerator}/{frac.denominator}",
                }
                | extra
            )
        if method == "exact":
            raise ConfigError("method='exact': the state space is too large; use monte-carlo")
    own = None
    if executor == "auto":
        executor = None
        if -(-trials // TASK_TRIALS) >= 4 and (os.cpu_count() or 1) > 1:
            executor = own = default_executor()
    try:
        hits, total = monte_carlo(
            enc,
            order,
            population,
            mms,
            mappings,
            trials,
            seed,
            executor,
            progress,
            budget_seconds,
        )
    finally:
        if own is not None:
            own.shutdown()
    lo, hi = wilson(hits, total)
    out = row | {
        "probability": hits / total,
        "ci_low": lo,
        "ci_high": hi,
        "method": "monte-carlo",
        "trials": total,
        "hits": hits,
    }
    if total < trials:
        budget = MC_BUDGET_SECONDS if budget_seconds is None else budget_seconds
        out["verdict"] = "undecided"
        out["stopped"] = (
            f"budget of {budget:g} s reached after {total} of {trials} trials; the "
            "interval covers the trials done"
        )
    a = analytic_probability(enc, order, population, mms, mappings)
    if a is not None:
        out["analytic"] = a
    return out


@lru_cache(maxsize=256)
def _verdict(enc: Encoding, order: int):
    """The verifier's verdict (cached: sweeps and widgets ask again and again)."""
    from .certify import verify_encoding

    return verify_encoding(enc, order, node_limit=PROOF_NODE_LIMIT)


def _small(enc: Encoding, population: str, mms: int, mappings: int) -> bool:
    if population == "lowest-free":
        return math.comb(mappings - 1, mms - 1) * mms * mms <= 200_000
    if population == "uniform":
        return (
            enc.max_id <= 64
            and enc.word_bits * enc.nr_values <= 12
            and math.comb(mappings - 1, mms - 1) <= 200
        )
    return False


def sweep(
    param: str,
    points: Iterable[Any],
    base: dict,
    executor: Executor | Literal["auto"] | None = "auto",
    progress: bool = False,
) -> pd.DataFrame:
    """:func:`collide` over one parameter (tidy rows), Monte Carlo tasks on ``executor``."""
    rows = []
    it = points
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(list(points), desc=f"sweep {param}", unit="point")
    # one pool for every point of the sweep, not one per point
    own = default_executor() if executor == "auto" and (os.cpu_count() or 1) > 1 else None
    try:
        for v in it:
            kw = dict(base)
            kw[param] = v
            rows.append(collide(executor=own or executor, **kw))
    finally:
        if own is not None:
            own.shutdown()
    return pd.DataFrame(rows)
