"""Bounded reader starvation: can writers that keep entering keep a reader retrying?

The seqcount's reader retries whenever the word changed under it, so a
stream of writers can starve it. This check makes every writer repeat its op
list forever (each writer must undo its own ops: map then unmap) and searches,
breadth first, for the shortest schedule in which the reader retries
``rounds`` times without returning. Spinning is not a step in the model (a
spin that sees the same condition is blocked), so only completed retry rounds
count: a reader that spins while writers overlap is not counted here.

Answer: ``found`` with the shortest schedule and its last round (the steps
from one retry to the next: a cycle the writers can repeat, since the state
after it differs from the one before only in the sequence: ``cycle``, checked
on the states), or not found
with ``complete`` True (no schedule retries that often: the state space was
exhausted) or False (the state budget ran out: undecided).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import ConfigError
from .codes import DEFAULT_MAX_STATES, R_BEGIN, R_RETRY, W_CAS
from .layout import Layout
from .model import Model
from .scenarios import Scenario

__all__ = ["StarvationResult", "starvation"]


@dataclass
class StarvationResult:
    scenario: str
    protocol: str
    rounds: int
    found: bool
    complete: bool
    states: int
    schedule: list[str] | None  # shortest schedule reaching `rounds` retries
    round_steps: list[str] | None  # its last round: retry to retry
    #: steps between two retries whose states are equal but for the word: the
    #: writers can repeat them forever (a livelock), not just ``rounds`` times
    cycle: list[str] | None = None

    def summary(self) -> dict:
        return {
            "scenario": self.scenario,
            "protocol": self.protocol,
            "rounds": self.rounds,
            "found": self.found,
            "complete": self.complete,
            "states": self.states,
            "schedule": self.schedule,
            "round_steps": self.round_steps,
            "cycle": self.cycle,
            "verdict": (
                "starvable"
                if self.found
                else ("not starvable" if self.complete else "undecided (budget)")
            ),
        }


def _key(state: tuple) -> tuple:
    """A state with the word left out, and every register holding a copy of it
    (a writer about to cmpxchg, the reader's begin value) replaced by whether
    it equals the word: all the protocol ever does with them."""
    seq, n, vals, ws, rd = state
    ws2 = tuple((op, st, pc, reg == seq if st == W_CAS else reg, x) for op, st, pc, reg, x in ws)
    return (n, vals, ws2, (*rd[:2], rd[2] == seq, *rd[3:]))


def starvation(
    scenario: Scenario | str,
    protocol: str = "seqcount",
    rounds: int = 3,
    layout: Layout | str | None = None,
    max_states: int = DEFAULT_MAX_STATES,
) -> StarvationResult:
    """Shortest schedule of looping writers that makes the reader retry
    ``rounds`` times (see the module docstring)."""
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= 50:
        raise ConfigError(f"rounds={rounds!r} is out of range: allowed 1..50")
    if isinstance(max_states, bool) or not isinstance(max_states, int) or max_states < 1:
        raise ConfigError(f"max_states={max_states!r} is out of range: allowed >= 1")
    model = Model(scenario, protocol, layout, loop=True)
    start = (model.initial(), 0)
    parent: dict = {start: None}
    frontier = [start]
    goal = None
    complete = True
    while frontier and goal is None and complete:
        nxt = []
        for node in frontier:
            s, k = node
            for cpu, t in model.successors(s):
                retried = cpu == len(model.cpus) - 1 and s[4][0] == R_RETRY and t[4][0] == R_BEGIN
                if Model.verdict(t) is not None:
                    continue  # the reader returned: not starved on this path
                child = (t, k + 1 if retried else k)
                if child in parent:
                    continue
                parent[child] = (node, cpu, retried)
                if child[1] >= rounds:
                    goal = child
                    break
                nxt.append(child)
                if len(parent) >= max_states:
                    complete = False
                    break
            if goal is not None or not complete:
                break
        frontier = nxt
    schedule = last_round = None
    cycle = None
    if goal is not None:
        steps: list[tuple[str, bool]] = []
        after: list[tuple] = []  # the state after each step
        node = goal
        while parent[node] is not None:
            after.append(node[0])
            node, cpu, retried = parent[node]
            steps.append((model.cpus[cpu], retried))
        steps.reverse()
        after.reverse()
        schedule = [c for c, _ in steps]
        ends = [i for i, (_, r) in enumerate(steps) if r]
        first = ends[-2] + 1 if len(ends) >= 2 else 0
        last_round = schedule[first : ends[-1] + 1]
        # the shortest stretch between two retries that returns to the same
        # state but for the word (mapcount, values, every CPU's registers)
        pairs = [(j - i, i, j) for j in range(len(ends)) for i in range(j)]
        for _n, i, j in sorted(pairs, key=lambda p: ends[p[2]] - ends[p[1]]):
            if _key(after[ends[i]]) == _key(after[ends[j]]):
                cycle = schedule[ends[i] + 1 : ends[j] + 1]
                break
    return StarvationResult(
        scenario=model.scenario.name,
        protocol=protocol,
        rounds=rounds,
        found=goal is not None,
        complete=complete or goal is not None,
        states=len(parent),
        schedule=schedule,
        round_steps=last_round,
        cycle=cycle,
    )
