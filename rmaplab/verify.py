"""Can the rmap check be fooled? A proof certificate or a replayable counterexample.

The question, for a configuration and a folio order ``o`` (``P = 2**o``
pages): are there a victim mm X mapping at least one page and other mms
(distinct, valid ids) with total mapcount ``n <= P`` such that
``__folio_large_mapped_shared`` answers "exclusive" for X?

Reduction (every step exact). The check passes iff for every value k
``sum_m c_m * (subid_k(m) - subid_k(X)) == 0 (mod 2**W)``; X's own terms
vanish. Write ``subid_k(m) = sum_j bit_kj(m) * w_j`` with ``w_j = b**j mod
2**W`` and ``b = P_g + 1``, and let ``D_kj = sum_m c_m (bit_kj(m) -
bit_kj(X))``. Then the check passes iff ``sum_j D_kj w_j == 0 (mod 2**W)``
for each k: ``D_k`` lies in the lattice of :mod:`rmaplab.lattice`.

* If X and the others differ only in slice k, the other values hold exactly
  ``n * subid(X)``; conversely any fooling population, projected on a value k
  where some other mm differs from X, gives a nonzero ``D_k`` with
  ``||D_k||_inf <= n - c_X``. So only one value matters at a time.
* A nonzero ``D`` is realizable by ``C = ||D||_inf`` other mappings: X's bit j
  is 1 where ``D_j < 0``; unit mapping ``i < C`` flips the bits j with
  ``|D_j| > i`` (nonempty since ``i < C``). Fewer than ``||D||_inf`` mappings
  cannot produce ``|D_j|`` flips of bit j.

Hence the fewest mappings that fool the check is ``1 + lambda`` where
``lambda`` is the shortest nonzero L-infinity norm in any value's lattice,
and order ``o`` is unsafe iff ``1 + lambda <= 2**o``.

* **safe, carry-free**: if ``P - 1 < b`` and ``(P - 1) * maxsub_k < 2**W``
  for every k, no wrap can happen: ``|sum_j D_kj b**j| <= (n - c_X) *
  maxsub_k < 2**W`` forces the integer sum to be 0, and digits ``|D_kj| <=
  P - 1 < b`` force every ``D_kj = 0`` (lowest nonzero digit would be a
  nonzero multiple of b), i.e. every mapping comes from X.
* **lattice**: LLL (python-flint) plus an exact enumeration find every
  shortest vector up to the bound; a completed enumeration proves the minimum.
* **frontier**: with B bits per value and W-bit words, no sub-ID *linear in
  the slice's bits* (``sum_j bit_j * w_j``, any weights ``w_j``) is safe once
  ``P >= 1 + iroot(2**W, B)``: the ``(T+1)**B > 2**W`` vectors in
  ``{0..T}**B`` (``T = iroot(2**W, B)``) cannot all have distinct weighted
  sums modulo ``2**W`` (pigeonhole), and the difference of two that collide
  is a nonzero ``D`` with ``||D||_inf <= T``. It does not cover a table
  ``w[s]`` indexed by the whole slice value, whose other mappings add
  ``c_s * (w[s] - w[x])`` with ``c_s >= 0`` only (see
  :func:`rmaplab.proof.quadratic_table` for one that beats it).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import pairwise
from os import PathLike
from typing import TYPE_CHECKING

from ._data import data_text
from .config import WIP_V1, ConfigError, Group, RmapConfig, require_config
from .lattice import iroot, lattice_basis, lll, shortest_linf

if TYPE_CHECKING:
    import pandas as pd

    from .folio import CheckResult

__all__ = [
    "JSON_FIELDS",
    "Verdict",
    "carry_free_certificate",
    "difference_vectors",
    "exhaustive_counterexample",
    "exhaustive_min_mappings",
    "frontier_pages",
    "replay_counterexample",
    "save_table",
    "series_notes",
    "split_counterexample",
    "verify",
    "verify_all",
]

JSON_FIELDS = (
    "order",
    "values",
    "bits",
    "base_pages",
    "word_bits",
    "verdict",
    "method",
    "min_mappings",
    "proven_minimal",
    "counterexample",
)

#: Node budget of one exact enumeration; beyond it the verdict says "undecided".
NODE_LIMIT = 2_000_000

#: Progress callback of the enumeration under way (set by ``verify(progress=True)``);
#: a context variable, so it stays out of ``_search``'s cache key.
_ON_NODES: ContextVar = ContextVar("rmaplab_verify_on_nodes", default=None)


@dataclass
class Verdict:
    config: str
    order: int
    pages: int
    nr_values: int
    bits: int
    base_pages: int
    word_bits: int
    id_bits: int
    verdict: str  # "safe" | "unsafe" | "undecided"
    method: str  # "carry-free" | "lattice"
    min_mappings: int | None  # fewest total mappings n <= pages that fool the check
    proven_minimal: bool
    # {"victim": X, "mappings": [[X, c_X], [id, count], ...]}: the victim's own
    # entry first, so it replays with no other input; the counts sum to min_mappings
    counterexample: dict | None
    evidence: str  # the certificate or the search, in words
    headroom_bits: int  # W - bit_length((P - 1) * max sub-ID)
    shortest_norm: int | None = None  # lambda: shortest ||D||_inf found
    searched_bound: int | None = None  # every D with ||D||_inf <= this was searched
    frontier_pages: int = 0  # no linear sub-ID weights are safe from this page count on
    replayed: bool | None = None  # counterexample replayed through Folio: wrong "exclusive"
    note: str = ""  # where the series' comments disagree with its code
    certificate: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """Fields as the ``--json`` interface names them (K is ``values`` there)."""
        d = asdict(self)
        d = {("values" if k == "nr_values" else k): v for k, v in d.items()}
        return {k: d[k] for k in JSON_FIELDS} | {k: d[k] for k in d if k not in JSON_FIELDS}


def _slice_bits(cfg: RmapConfig, g: Group) -> list[int]:
    return [min(g.bits, cfg.id_bits - k * g.bits) for k in range(g.nr_values)]


def _maxsub(base: int, bits: int) -> int:
    return sum(base**j for j in range(bits))


def frontier_pages(bits: int, word_bits: int) -> int:
    """Page count from which no sub-ID linear in the slice's bits can be safe
    (any weights ``w_j``; tables ``w[s]`` are not covered).

    ``1 + iroot(2**word_bits, bits)`` (pigeonhole; see module docstring).
    """
    return 1 + iroot(1 << word_bits, bits)


def carry_free_certificate(cfg: RmapConfig, order: int) -> dict:
    """Exact quantities of the carry-free argument for ``order`` (Python ints)."""
    g = cfg.group_for(order)
    pages = 1 << order
    worst = max((pages - 1) * _maxsub(g.base, b) for b in _slice_bits(cfg, g))
    limit = 1 << cfg.word_bits
    return {
        "digit_bound": pages - 1,
        "base": g.base,
        "digits_below_base": pages - 1 < g.base,
        "max_difference": worst,  # (P - 1) * max sub-ID, over values
        "word_limit": limit,
        "headroom": limit - worst,
        "headroom_bits": cfg.word_bits - worst.bit_length(),
        "holds": pages - 1 < g.base and worst < limit,
    }


def _assign(amp: list[int], units: int, nested: bool = True) -> dict[int, int]:
    """Flip masks of ``units`` unit mappings, bit j flipped in ``amp[j]`` of them,
    as ``{mask: number of units with that mask}``.

    ``nested`` (needs ``units == max(amp)``): unit i flips the bits with
    ``amp[j] > i`` (fewest distinct mms). Otherwise flips are dealt
    round-robin, bit after bit, so a bit never lands twice on one unit
    (``amp[j] <= units``) and unit sizes differ by at most one.

    Units can number ~2**order, so neither form walks them one by one: a mask
    only changes at an amplitude (nested) or at the end of a bit's run of
    units (round-robin), and the units between share it.
    """
    out: dict[int, int] = {}
    if nested:
        prev = 0
        for t in sorted({a for a in amp if a > 0}):
            if t > units:
                break
            out[sum(1 << j for j, a in enumerate(amp) if a >= t)] = t - prev
            prev = t
        return out
    if units < 1:
        return out
    # bit j goes to the cyclic run of units [start_j, start_j + amp[j]) mod units
    runs = []
    cuts = {0, units}
    f = 0
    for j, a in enumerate(amp):
        if a:
            start = f % units
            runs.append((j, start, a))
            cuts.add(start)
            cuts.add((start + a) % units)
        f += a
    edges = sorted(cuts)
    for lo, hi in pairwise(edges):
        mk = 0
        for j, start, a in runs:
            if (lo - start) % units < a:
                mk |= 1 << j
        out[mk] = out.get(mk, 0) + hi - lo
    return out


def _mixed_assign(amp: list[int], neg: int, c: int) -> dict[int, int] | None:
    """``c = max(amp)`` unit masks, none empty and none equal to ``neg``.

    Rows that hold a positive bit (not in ``neg``) differ from ``neg``; the
    others need some bit of ``neg`` absent. Positive flips go to distinct rows
    first, then each negative bit takes its ``c - amp[j]`` absences in the
    rows still uncovered. Returns None when that cannot cover every row (then
    more than ``c`` units are needed).
    """
    rows = [0] * c
    f = 0
    for j, a in enumerate(amp):
        if not (neg >> j) & 1:
            for _ in range(a):
                rows[f % c] |= 1 << j
                f += 1
    uncovered = list(range(min(f, c), c))
    ptr = 0
    for j, a in enumerate(amp):
        if (neg >> j) & 1:
            absent = set()
            for _ in range(min(c - a, len(uncovered))):
                absent.add(uncovered[ptr % len(uncovered)])
                ptr += 1
            covered = (r for r in range(c) if r not in uncovered)
            while len(absent) < c - a:
                absent.add(next(covered))
            for r in range(c):
                if r not in absent:
                    rows[r] |= 1 << j
    if any(r == 0 or r == neg for r in rows):
        return None
    if any(sum((r >> j) & 1 for r in rows) != a for j, a in enumerate(amp)):
        return None
    out: dict[int, int] = {}
    for mk in rows:
        out[mk] = out.get(mk, 0) + 1
    return out


def _construct(
    cfg: RmapConfig, g: Group, k: int, D, inexact: set | None = None
) -> tuple[int, list[list[int]]] | None:
    """Fewest other mappings realizing ``D`` in value ``k``, with small ids.

    Returns ``(victim, [[id, count], ...])``; the counts add up to the cost
    of ``D``: ``||D||_inf``, except for one-value groups (the slice is the
    whole id, which must not be 0) where a same-sign full-support ``D`` needs
    the victim to be all ones and ``max(||D||_inf, ceil(sum|D_j| / (d-1)))``
    units, each flipping a proper subset of its bits.
    """
    d = len(D)
    shift = k * g.bits
    best = None
    if inexact is None:
        inexact = set()
    for sign in (1, -1):
        dv = [sign * a for a in D]
        amp = [abs(a) for a in dv]
        c = max(amp)
        x = sum(1 << j for j, a in enumerate(dv) if a < 0)
        units = c
        filler = 0
        masks = _assign(amp, units)
        if x == 0 or any(x ^ mk == 0 for mk in masks):  # an id would be 0
            free = [j for j, a in enumerate(dv) if a == 0]
            if free:
                x |= 1 << free[0]
            elif g.nr_values > 1:
                filler = 1 << ((1 if k == 0 else 0) * g.bits)
            elif x == 0 or d < 2:
                continue  # all D_j > 0 forces victim slice 0: not realizable
            elif x == (1 << d) - 1:
                # all D_j < 0: each unit flips a proper subset; this count is exact
                units = max(c, -(-sum(amp) // (d - 1)))
                masks = _assign(amp, units, nested=False)
            elif (mixed := _mixed_assign(amp, x, c)) is not None:
                # mixed signs, every bit used, ||D||_inf units suffice: exact
                masks = mixed
            else:
                # more units needed: search upward; not proven minimal
                inexact.add(tuple(D))
                for units in range(c + 1, c + 2 * d + 1):
                    masks = _assign(amp, units, nested=False)
                    if all(x ^ mk for mk in masks):
                        break
                else:
                    continue
        victim = (x << shift) | filler
        others = sorted([((x ^ mk) << shift) | filler, n] for mk, n in masks.items())
        ids = [victim] + [i for i, _ in others]
        if min(ids) < 1 or max(ids) > cfg.max_id or len(set(ids)) != len(ids):
            continue
        cand = (units, max(ids), victim, [list(o) for o in others])
        if best is None or cand[:2] < best[:2]:
            best = cand
    if best is None:
        return None
    return best[2], best[3]


def _cost(cfg: RmapConfig, g: Group, k: int, D, inexact: set) -> int | None:
    c = _construct(cfg, g, k, D, inexact)
    return None if c is None else sum(n for _, n in c[1])


@lru_cache(maxsize=256)
def _search(cfg: RmapConfig, gi: int, k: int, bound: int, node_limit: int = NODE_LIMIT):
    g = cfg.groups[gi]
    d = _slice_bits(cfg, g)[k]
    mod = 1 << cfg.word_bits
    weights = [pow(g.base, j, mod) for j in range(d)]
    basis = lll(lattice_basis(weights, cfg.word_bits))

    inexact: set = set()

    def cost(v):
        return _cost(cfg, g, k, v, inexact)

    # only rows within the bound can matter (cost >= norm); costing a row of
    # norm ~2**W would deal 2**W unit mappings
    seeds = [
        c
        for c in (cost(tuple(row)) for row in basis if max(map(abs, row)) <= bound)
        if c is not None
    ]
    start = min([bound, *seeds])
    res = shortest_linf(basis, start, cost=cost, node_limit=node_limit, on_nodes=_ON_NODES.get())
    # a heuristic cost at or below the final bound leaves the minimum unproven
    res.exact = not any(max(abs(a) for a in v) <= (res.norm or start) for v in inexact)
    return res


def split_counterexample(ce: dict) -> tuple[int, int, list[list[int]]]:
    """``(victim, victim's count, the other [id, count] entries)`` of a
    counterexample ``{"victim": X, "mappings": [[id, count], ...]}``.

    The mappings must list the victim exactly once with a count >= 1: the
    claim is about an mm that maps part of the folio, and a counterexample
    replays with no other input.
    """
    x = ce["victim"]
    own = [c for mm, c in ce["mappings"] if mm == x]
    if len(own) != 1 or own[0] < 1:
        raise ValueError(
            f"counterexample must list the victim {x} once with a count >= 1 in its "
            f"mappings, got {own or 'no entry'}"
        )
    return x, own[0], [[mm, c] for mm, c in ce["mappings"] if mm != x]


def replay_counterexample(cfg: RmapConfig, order: int, ce: dict) -> CheckResult:
    """Replay ``{"victim": X, "mappings": [[id, count], ...]}`` through the
    folio model: every listed entry (the victim's own included) maps its
    count, in the listed order, then the check runs for the victim. Returns
    the :class:`~rmaplab.folio.CheckResult`."""
    from .folio import Folio

    split_counterexample(ce)  # the victim's entry is there, once
    f = Folio(cfg, order)
    for mm, count in ce["mappings"]:
        f.map(mm, count)
    return f.check(ce["victim"])


def difference_vectors(config: RmapConfig, order: int, ce: dict) -> dict[int, list[int]]:
    """``{k: D_k}`` for every value k where ``D_k`` is nonzero, with the sign
    of the written proof's step 1: ``D_kj = sum_m c_m * (bit_kj(m) -
    bit_kj(X))`` over the listed mappings (the victim's own add 0)."""
    from .subid import id_slices

    g = config.group_for(order)
    x = id_slices(ce["victim"], g.nr_values, g.bits)
    out = {}
    for k, width in enumerate(_slice_bits(config, g)):
        d = [0] * width
        for mm, c in ce["mappings"]:
            s = id_slices(mm, g.nr_values, g.bits)[k]
            for j in range(width):
                d[j] += c * (((s >> j) & 1) - ((x[k] >> j) & 1))
        if any(d):
            out[k] = d
    return out


@lru_cache(maxsize=1)
def _notes() -> list[dict]:
    text = data_text("series_comments.csv")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def series_notes(cfg: RmapConfig, order: int) -> str:
    """Where the series' statements disagree with the configuration's code.

    For every configuration: the stated design rule "P_g times the largest
    sub-ID fits in the word", checked exactly. For ``wip-v1`` also the
    comment/code mismatches listed in ``rmaplab/data/series_comments.csv`` (they
    describe that posting, so they apply to its configuration only).
    """
    out = []
    if not cfg.fits(order):
        g = cfg.group_for(order)
        out.append(
            f"stated rule 'P_g * max sub-ID fits in {cfg.word_bits} bits' fails: "
            f"{g.base}^{g.bits} - 1 needs {g.largest_digit_sum().bit_length()} bits"
        )
    if cfg == WIP_V1:
        for row in _notes():
            if int(row["min_order"]) <= order <= int(row["max_order"]):
                out.append(f"{row['comment_says']}; {row['code_does']}")
    return "; ".join(out)


def verify(
    config: RmapConfig, order: int, node_limit: int = NODE_LIMIT, progress: bool = False
) -> Verdict:
    """Verdict with evidence for one order (see module docstring).

    ``node_limit`` bounds each exact enumeration; past it the verdict is
    "undecided" (or "unsafe" without proven minimality) and says so. With
    ``progress``, a search that lasts over a second shows a bar of nodes
    against that budget (``node_limit`` per rmap value).
    """
    config = require_config(config)
    if not progress:
        return _verify(config, order, node_limit)
    from tqdm.auto import tqdm

    g = config.group_for(order)
    with tqdm(
        total=node_limit * g.nr_values,
        desc=f"verify order {order} (budget {node_limit} nodes per value)",
        unit="node",
        unit_scale=True,
        delay=1.0,
    ) as bar:
        token = _ON_NODES.set(bar.update)
        try:
            return _verify(config, order, node_limit)
        finally:
            _ON_NODES.reset(token)


def _verify(config: RmapConfig, order: int, node_limit: int) -> Verdict:
    config = require_config(config)
    cfg = config
    g = cfg.group_for(order)
    gi = cfg.groups.index(g)
    pages = 1 << order
    cert = carry_free_certificate(cfg, order)
    base = dict(
        config=cfg.name,
        order=order,
        pages=pages,
        nr_values=g.nr_values,
        bits=g.bits,
        base_pages=g.base_pages,
        word_bits=cfg.word_bits,
        id_bits=cfg.id_bits,
        headroom_bits=cert["headroom_bits"],
        frontier_pages=frontier_pages(g.bits, cfg.word_bits),
        note=series_notes(cfg, order),
    )
    if cert["holds"]:
        return Verdict(
            **base,
            verdict="safe",
            method="carry-free",
            min_mappings=None,
            proven_minimal=True,
            counterexample=None,
            certificate=cert,
            evidence=(
                f"(P-1) * max sub-ID = {cert['max_difference']} < 2^{cfg.word_bits} "
                f"(headroom {cert['headroom']}, {cert['headroom_bits']} bits) and "
                f"digits |D_j| <= {pages - 1} < base {g.base}: no sum wraps, "
                "so equal values force every mapping to be the victim's"
            ),
        )

    if pages < 2:
        return Verdict(
            **base,
            verdict="safe",
            method="pages",
            min_mappings=None,
            proven_minimal=True,
            counterexample=None,
            certificate=cert,
            evidence="a 1-page folio cannot be mapped by two mms with n <= 1",
        )
    bound = pages - 1
    best = None  # (norm, k, vector)
    complete = True
    searched = []
    for k in range(g.nr_values):
        res = _search(cfg, gi, k, (1 << g.max_order) - 1, node_limit)
        complete &= res.complete and res.exact
        searched.append((k, res))
        if res.norm is not None and (best is None or res.norm < best[0]):
            best = (res.norm, k, res.vectors[0])
    lam = best[0] if best else None
    # bound actually covered by every value's search (the enumeration shrinks to its best)
    covered = (
        min((r.norm if r.norm is not None else r.bound) for _, r in searched) if complete else None
    )

    if lam is not None and lam <= bound:
        # among all shortest vectors of all values, the counterexample with the smallest ids
        cands = []
        for kk, r in searched:
            if r.norm == lam:
                for v in r.vectors:
                    c = _construct(cfg, g, kk, v)
                    if c:
                        cands.append((max([c[0]] + [i for i, _ in c[1]]), kk, v, c))
        cands.sort(key=lambda t: (t[0], t[1]))
        _, k, _vec, (victim, others) = cands[0]
        ce = {"victim": victim, "mappings": [[victim, 1], *others]}
        # D as the written proof's step 1 defines it (others' bits minus X's),
        # recomputed from the mappings: the search's vector may have either sign
        vec = difference_vectors(cfg, order, ce)[k]
        chk = replay_counterexample(cfg, order, ce)
        replayed = chk.false_exclusive
        if not replayed:  # would be a bug in the reduction; never report it as evidence
            raise AssertionError(f"counterexample does not replay: {ce} -> {chk}")
        return Verdict(
            **base,
            verdict="unsafe",
            method="lattice",
            min_mappings=1 + lam,
            proven_minimal=complete,
            counterexample=ce,
            certificate=cert,
            shortest_norm=lam,
            searched_bound=covered,
            replayed=replayed,
            evidence=(
                f"D = {vec} in value {k} (the others' bits minus X's): "
                f"sum D_j * {g.base}^j == 0 mod "
                f"2^{cfg.word_bits}; victim maps 1 page, others {lam}: n = {1 + lam} "
                f"<= {pages} pages"
                + (
                    "; LLL + complete enumeration: no shorter D"
                    if complete
                    else "; enumeration stopped at its node limit: minimality not proven"
                )
            ),
        )
    if complete:
        return Verdict(
            **base,
            verdict="safe",
            method="lattice",
            min_mappings=None,
            proven_minimal=True,
            counterexample=None,
            certificate=cert,
            shortest_norm=lam,
            searched_bound=covered,
            evidence=(
                f"carry-free bound fails (headroom {cert['headroom_bits']} bits), but a "
                f"complete enumeration finds no nonzero D with ||D||_inf <= {bound} in "
                f"any value's lattice"
                + (f" (shortest: {lam}, needs n = {1 + lam} > {pages})" if lam is not None else "")
            ),
        )
    return Verdict(
        **base,
        verdict="undecided",
        method="lattice",
        min_mappings=None,
        proven_minimal=False,
        counterexample=None,
        certificate=cert,
        shortest_norm=lam,
        evidence=(
            f"no D with ||D||_inf <= {bound} found, but the enumeration stopped at "
            f"{node_limit} nodes in value(s) "
            f"{[k for k, r in searched if not r.complete]}: undecided"
        ),
    )


def verify_all(
    config: RmapConfig, progress: bool = False, node_limit: int = NODE_LIMIT
) -> pd.DataFrame:
    """Verdicts for every order of a configuration, as a tidy DataFrame."""
    import pandas as pd

    cfg = require_config(config)
    orders = cfg.orders
    if progress:
        from tqdm.auto import tqdm

        orders = tqdm(orders, desc=f"verify {cfg.name}", unit="order")
    rows = [verify(cfg, o, node_limit, progress=progress) for o in orders]
    return pd.DataFrame([r.to_json() for r in rows])


def _exhaustive_inputs(config: RmapConfig, order: int):
    """Sub-ID rows of every id ``1..max_id`` for the brute force, after its size checks."""
    import numpy as np

    from ._kernels.exhaustive import ExhaustiveInputs
    from .subid import subids_array

    cfg = config
    g = cfg.group_for(order)
    if g.nr_values * cfg.word_bits > 26:
        raise ConfigError(
            f"values*word_bits = {g.nr_values * cfg.word_bits} is too large for the "
            "exhaustive search: allowed <= 26"
        )
    if cfg.id_bits > 12:
        raise ConfigError(
            f"id_bits={cfg.id_bits} is too large for the exhaustive search: allowed <= 12"
        )
    ids = np.arange(1, cfg.max_id + 1, dtype=np.uint64)
    s = subids_array(cfg, order, ids)
    return ExhaustiveInputs(s, cfg.word_bits, (1 << order) - 1)


def exhaustive_min_mappings(config: RmapConfig, order: int) -> int | None:
    """Brute force over every victim and every mm id (numba kernel): the
    fewest total mappings ``n <= 2**order`` that fool the check (the
    victim's one page included), or None.

    Only for small configurations: ``values * word_bits <= 26`` and
    ``id_bits <= 12``.
    """
    from ._kernels.exhaustive import shortest_returns

    inp = _exhaustive_inputs(config, order)
    if order == 0:
        return None
    t = shortest_returns(inp)
    t = t[t > 0]
    return int(t.min()) + 1 if t.size else None


def exhaustive_counterexample(config: RmapConfig, order: int) -> dict | None:
    """The brute force's own counterexample, independent of the lattice
    argument: ``{"victim": X, "mappings": [[X, 1], [id, count], ...]}`` with
    the fewest mappings (their counts sum to :func:`exhaustive_min_mappings`),
    the victim the smallest id that needs that few; None where nothing fools
    the check. Same size limits as :func:`exhaustive_min_mappings`.
    """
    import numpy as np

    from ._kernels.encoding import MAX_STATE_BITS, min_fooling, min_fooling_python
    from ._kernels.exhaustive import shortest_returns

    inp = _exhaustive_inputs(config, order)
    if order == 0:
        return None
    t = shortest_returns(inp)
    hit = np.flatnonzero(t > 0)
    if not hit.size:
        return None
    xi = int(hit[np.argmin(t[hit])])
    rows = inp.subids
    mask = np.uint64((1 << config.word_bits) - 1)
    others = [m for m in range(rows.shape[0]) if m != xi]
    gens = (rows[others] - rows[xi]) & mask
    # the packed-state kernel holds fewer state bits than the count-only one
    search = min_fooling if gens.shape[1] * config.word_bits <= MAX_STATE_BITS else None
    path = (search or min_fooling_python)(gens, config.word_bits, int(t[xi]))
    if path is None or len(path) != int(t[xi]):
        raise AssertionError(f"the two brute-force searches disagree at victim {xi + 1}")
    counts: dict[int, int] = {}
    for gi in path:
        mm = others[gi] + 1  # row j holds id j + 1
        counts[mm] = counts.get(mm, 0) + 1
    victim = xi + 1
    return {"victim": victim, "mappings": [[victim, 1], *sorted(map(list, counts.items()))]}


def save_table(
    config: RmapConfig,
    path: str | PathLike[str],
    df: pd.DataFrame | None = None,
    argv: Sequence[str] | None = None,
) -> None:
    """Write the verdict table as CSV, headed by the command that regenerates it."""
    import json

    cfg = config
    if df is None:
        df = verify_all(cfg)
    out = df.copy()
    out["counterexample"] = [json.dumps(c) if c else "" for c in out["counterexample"]]
    out = out.drop(columns=["certificate"])
    cmd = (
        "rmaplab " + " ".join(argv)
        if argv
        else f"rmaplab verify --config {cfg.name} --all --csv {path}"
    )
    with open(path, "w") as fh:
        fh.write(f"# regenerate: {cmd}\n")
        out.to_csv(fh, index=False)
