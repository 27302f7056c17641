"""Breadth-first exploration of every interleaving, replay, and a naive twin for tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import ConfigError
from .codes import DEFAULT_MAX_STATES, PROTOCOLS, W_BODY, W_DONE, W_SPIN
from .layout import LAYOUTS, Layout
from .model import Model, _cpu_index
from .scenarios import SCENARIOS, Scenario, _check_protocol, get_scenario

if TYPE_CHECKING:  # pandas loads where a frame is built: `race --list` needs none
    import pandas as pd

__all__ = [
    "ExploreResult",
    "explore",
    "explore_all",
    "naive_enumerate",
    "race_outcomes",
    "replay",
    "scenario_rows",
    "scenario_table",
]


@dataclass
class ExploreResult:
    scenario: str
    protocol: str
    states: int
    complete: bool
    max_states: int
    false_exclusive: int
    false_shared: int
    correct: int
    wrong: pd.DataFrame  # one row per wrong-answer state, shortest schedule
    example: list[str] | None  # CPU names of the shortest bad interleaving
    layout: Layout = LAYOUTS["64"]
    #: states in which no CPU can move although the reader has not returned
    stuck_states: int = 0
    stuck_example: list[str] | None = None  # shortest schedule into one
    #: mm-owner: "exclusive" while the reader's own mm may map nothing
    outside_contract: int = 0

    def summary(self) -> dict:
        return {
            "scenario": self.scenario,
            "protocol": self.protocol,
            "states": self.states,
            "complete": self.complete,
            "false_exclusive": self.false_exclusive,
            "false_shared": self.false_shared,
            "example": self.example,
            "stuck_states": self.stuck_states,
        }


def _path(parent: dict, state, cpus: list[str]) -> list[str]:
    out = []
    while True:
        p = parent[state]
        if p is None:
            break
        state, cpu = p
        out.append(cpus[cpu])
    return out[::-1]


ENGINES = ("auto", "kernel", "python")


@dataclass
class _Search:
    """What one breadth-first search found, whichever engine ran it."""

    states: int
    complete: bool
    counts: dict[str, int]
    wrong: list[tuple[str, list[str], int]]  # kind, shortest schedule, mapcount read
    stuck: int
    stuck_example: list[str] | None


def _search_python(model: Model, max_states: int, bar) -> _Search:
    """The tuple explorer: the kernel's plain-Python twin."""
    start = model.initial()
    parent: dict = {start: None}
    stuck: list = []
    frontier = [start]
    found: dict[str, list] = {
        "false_exclusive": [],
        "false_shared": [],
        "correct": [],
        "outside_contract": [],
    }
    complete = True
    while frontier and complete:
        nxt = []
        for s in frontier:
            succ = list(model.successors(s))
            if not succ:
                stuck.append(s)
            for cpu, t in succ:
                if t in parent:
                    continue
                parent[t] = (s, cpu)
                v = Model.verdict(t)
                if v is None:
                    nxt.append(t)
                else:
                    found[v].append(t)
                if len(parent) >= max_states:
                    complete = False
                    break
            if not complete:
                break
        if bar is not None:
            bar.update(len(parent) - bar.n)
        frontier = nxt
    wrong = [
        (kind, _path(parent, t, model.cpus), t[4][3])
        for kind in ("false_exclusive", "false_shared")
        for t in found[kind]
    ]
    return _Search(
        states=len(parent),
        complete=complete,
        counts={k: len(v) for k, v in found.items()},
        wrong=wrong,
        stuck=len(stuck),
        stuck_example=_path(parent, stuck[0], model.cpus) if stuck else None,
    )


def _search_kernel(model: Model, max_states: int) -> _Search:
    """The same search on packed states in the numba kernel."""
    from .._kernels import race as kr
    from .packed import packed_inputs

    rows, parent, pcpu, verd, stuck, complete = kr.explore_packed(packed_inputs(model, max_states))

    def path(i: int) -> list[str]:
        out = []
        while parent[i] >= 0:
            out.append(model.cpus[pcpu[i]])
            i = int(parent[i])
        return out[::-1]

    kinds = {
        kr.V_CORRECT: "correct",
        kr.V_FALSE_EXCL: "false_exclusive",
        kr.V_FALSE_SHARED: "false_shared",
        kr.V_OUTSIDE: "outside_contract",
    }
    codes = np.bincount(verd[verd >= 0], minlength=len(kinds))
    rn_shift, rn_bias = kr.RN_SHIFT, kr.RN_BIAS
    wrong = []
    for code in (kr.V_FALSE_EXCL, kr.V_FALSE_SHARED):
        for i in np.flatnonzero(verd == code):
            rn = (int(rows[i, -1]) >> rn_shift & 0xFFFF) - rn_bias
            wrong.append((kinds[code], path(int(i)), rn))
    return _Search(
        states=len(rows),
        complete=complete,
        counts={kinds[c]: int(codes[c]) for c in kinds},
        wrong=wrong,
        stuck=len(stuck),
        stuck_example=path(int(stuck[0])) if len(stuck) else None,
    )


def explore(
    scenario: Scenario | str,
    protocol: str = "seqcount",
    max_states: int = DEFAULT_MAX_STATES,
    progress: bool = False,
    layout: Layout | str | None = None,
    engine: str = "auto",
) -> ExploreResult:
    """Every interleaving of ``scenario`` under ``protocol``, breadth first.

    Stops at ``max_states`` distinct states with ``complete=False`` (what was
    found so far is still reported; absence of wrong answers then proves
    nothing). Wrong answers are counted as distinct states in which the
    reader has just returned a wrong answer. A state from which no CPU can
    move while the reader has not returned is **stuck** (a deadlock: every
    CPU finished or spinning on a condition nobody can change); stuck states
    are counted, with the shortest schedule into the first one.

    ``engine``: ``kernel`` searches packed states in numba
    (:mod:`rmaplab._kernels.race`), ``python`` the tuples of
    :class:`~.model.Model` (its twin); ``auto`` takes the kernel when numba
    compiles and every field fits the packed widths. Both give the same
    result, field for field.
    """
    import pandas as pd

    if isinstance(max_states, bool) or not isinstance(max_states, int) or max_states < 1:
        raise ConfigError(f"max_states={max_states!r} is out of range: allowed >= 1")
    if engine not in ENGINES:
        raise ConfigError(f"engine={engine!r} is unknown: allowed {', '.join(ENGINES)}")
    model = Model(scenario, protocol, layout)
    if engine == "auto":
        from .._kernels._jit import jit_enabled
        from .packed import fits

        engine = "kernel" if jit_enabled() and fits(model) else "python"
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc=f"race {model.scenario.name}/{protocol}", unit="state")
    if engine == "kernel":
        try:
            res = _search_kernel(model, max_states)
        except ValueError as e:
            raise ConfigError(f"engine=kernel: {e}") from None
        if bar is not None:
            bar.update(res.states)
    else:
        res = _search_python(model, max_states, bar)
    if bar is not None:
        bar.close()
    rows = [
        {
            "scenario": model.scenario.name,
            "protocol": protocol,
            "kind": kind,
            "length": len(sched),
            "mapcount_read": rn,
            "schedule": " ".join(sched),
        }
        for kind, sched, rn in res.wrong
    ]
    wrong = pd.DataFrame(
        rows,
        columns=["scenario", "protocol", "kind", "length", "mapcount_read", "schedule"],
    )
    if len(wrong):
        wrong = wrong.sort_values(["kind", "length", "schedule"], kind="stable")
        wrong = wrong.reset_index(drop=True)
    example = None
    for kind in ("false_exclusive", "false_shared"):
        sub = wrong[wrong["kind"] == kind]
        if len(sub):
            example = sub.iloc[0]["schedule"].split()
            break
    return ExploreResult(
        scenario=model.scenario.name,
        protocol=protocol,
        states=res.states,
        complete=res.complete,
        max_states=max_states,
        false_exclusive=res.counts["false_exclusive"],
        false_shared=res.counts["false_shared"],
        correct=res.counts["correct"],
        wrong=wrong,
        example=example,
        layout=model.layout,
        stuck_states=res.stuck,
        outside_contract=res.counts["outside_contract"],
        stuck_example=res.stuck_example,
    )


def explore_all(
    scenarios: Iterable[Scenario | str] | None = None,
    protocols: Iterable[str] | None = None,
    max_states: int = DEFAULT_MAX_STATES,
    progress: bool = False,
    layout: Layout | str | None = None,
) -> pd.DataFrame:
    """One row per scenario and protocol: states, complete, wrong answers, example."""
    import pandas as pd

    scs = [get_scenario(s) for s in (scenarios if scenarios is not None else SCENARIOS)]
    prs = [_check_protocol(p) for p in (protocols if protocols is not None else PROTOCOLS)]
    jobs = [(s, p) for s in scs for p in prs]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="race", unit="case")
    rows = []
    for s, p in jobs:
        r = explore(s, p, max_states=max_states, layout=layout)
        row = r.summary()
        row["example"] = " ".join(r.example) if r.example else ""
        row["max_states"] = max_states
        row["layout"] = r.layout.label
        rows.append(row)
    return pd.DataFrame(rows)


def race_outcomes(results: pd.DataFrame) -> pd.DataFrame:
    """:func:`explore_all` results with the two columns the heat map draws:
    ``outcome`` (none wrong / wrong answers / incomplete) and ``label``
    (false exclusives, ``/false shared`` when any, ``?`` when incomplete)."""
    return results.assign(
        outcome=[
            "incomplete" if not c else ("wrong answers" if fe or fs else "none wrong")
            for c, fe, fs in zip(
                results["complete"],
                results["false_exclusive"],
                results["false_shared"],
                strict=True,
            )
        ],
        label=[
            f"{fe}" + (f"/{fs}" if fs else "") + ("" if c else "?")
            for c, fe, fs in zip(
                results["complete"],
                results["false_exclusive"],
                results["false_shared"],
                strict=True,
            )
        ],
    )


def scenario_rows() -> list[dict[str, Any]]:
    """The scenarios, one dict each (:func:`scenario_table`'s rows, without pandas)."""
    rows = []
    for s in SCENARIOS:
        m = Model(s, "seqcount")
        rows.append(
            {
                "scenario": s.name,
                "pages": s.pages,
                "values": m.k,
                "mms": len(s.mms),
                "writers": len(s.writers),
                "reader": s.reader,
                "describe": s.describe(),
                "note": s.note,
            }
        )
    return rows


def scenario_table() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(scenario_rows())


def replay(
    scenario: Scenario | str,
    protocol: str,
    steps: Sequence[str | dict],
    layout: Layout | str | None = None,
) -> pd.DataFrame:
    """Replay ``steps`` (CPU names such as ``"W0"`` and ``"R"``, or dicts with
    a ``cpu`` key) from the initial state; one row per state: the step that led
    to it, the sequence word, mapcount, every value, every CPU's next step
    and the reader's verdict. Row 0 is the initial state. A step of a CPU that
    has finished or is spinning is an error (it could not change the state).
    """
    import pandas as pd

    model = Model(scenario, protocol, layout)
    s = model.initial()
    rows = [_row(model, 0, "", "initial state", s)]
    for i, cpu in enumerate(steps, 1):
        c = _cpu_index(model, cpu)
        r = model.step(s, c)
        if r is None or r[0] == s:
            raise ConfigError(
                f"step {i} ({model.cpus[c]}) cannot run: that CPU has finished or is spinning"
            )
        s, text = r
        rows.append(_row(model, i, model.cpus[c], text, s))
    return pd.DataFrame(rows)


def _row(model: Model, i: int, cpu: str, text: str, s: tuple) -> dict:
    seq, n, vals, ws, rd = s
    sure, maybe = model.truth(ws)
    row = {
        "step": i,
        "cpu": cpu,
        "action": text,
        "seq": seq >> (model.layout.writer_bits + 1),
        "writers": seq & (model.excl - 1),
        "excl": bool(seq & model.excl),
        "word": seq,
        "mapcount": n,
    }
    for j, v in enumerate(vals):
        row[f"value{j}"] = v
    for w, (op, stage, pc, _r, excl) in enumerate(ws):
        ops = model.scenario.writers[w]
        if stage == W_DONE:
            row[f"W{w}"] = "done"
            continue
        mm, c = ops[op]
        what = f"op {op} ({'map' if c > 0 else 'unmap'} {abs(c)} mm{mm})"
        if stage == model.init_stage and not pc:
            row[f"W{w}"] = f"before {what}"
        else:
            path = "exclusive" if excl else "shared" if stage in (W_BODY, W_SPIN) else "begin"
            if model.mm_owner:
                path = "holds the bit lock" if stage == W_BODY else "waits for the bit lock"
            row[f"W{w}"] = f"in {what}, {path}"
    for m, (lo, hi) in model.counts(ws).items():
        row[f"mm{m}"] = str(lo) if lo == hi else f"{lo}..{hi}"
    row["other_mm_surely_maps"] = sure
    row["other_mm_possibly_maps"] = maybe
    row["verdict"] = Model.verdict(s) or ("reading" if rd[5] else "not started")
    return row


def naive_enumerate(
    scenario: Scenario | str,
    protocol: str,
    max_schedules: int = 2_000_000,
    layout: Layout | str | None = None,
    stuck: set | None = None,
) -> tuple[set, dict[str, set], dict[str, int], int]:
    """Plain DFS over every schedule, no state hashing (for tests).

    Returns ``(states, wrong, shortest, schedules)``: the set of every state
    reached, the set of wrong-answer states by kind, the shortest schedule
    length per kind, and the number of maximal schedules enumerated. States
    with no successor before the reader returns are added to ``stuck``.
    """
    model = Model(scenario, protocol, layout)
    states: set = set()
    wrong: dict[str, set] = {
        "false_exclusive": set(),
        "false_shared": set(),
        "outside_contract": set(),
    }
    shortest: dict[str, int] = {}
    count = 0
    stack = [(model.initial(), 0)]
    while stack:
        s, depth = stack.pop()
        states.add(s)
        v = Model.verdict(s)
        if v is not None:
            count += 1
            if v != "correct":
                wrong[v].add(s)
                shortest[v] = min(shortest.get(v, depth), depth)
            continue
        succ = list(model.successors(s))
        if not succ:
            count += 1
            if stuck is not None:
                stuck.add(s)
            continue
        for _cpu, t in succ:
            stack.append((t, depth + 1))
        if count > max_schedules:
            raise ConfigError(f"max_schedules={max_schedules} exceeded")
    return states, wrong, shortest, count
