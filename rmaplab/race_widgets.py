"""Notebook control for :mod:`rmaplab.race`: walk the shortest bad interleaving.

The text is a plain function of the control values (:func:`walk_text`), so
tests drive the widget by setting ``.value``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .config import ConfigError

__all__ = ["interleaving_walker", "walk_text"]

#: State budget for the live widget; past it the text says "incomplete".
WIDGET_MAX_STATES = 60_000

#: (scenario, protocol) pairs already explored (kept by the lru_cache below).
_seen: set[tuple[str, str]] = set()


@lru_cache(maxsize=64)
def _explored(scenario: str, protocol: str):
    from .race import explore, replay

    r = explore(scenario, protocol, max_states=WIDGET_MAX_STATES)
    steps = replay(scenario, protocol, r.example) if r.example else None
    _seen.add((scenario, protocol))
    return r, steps


def walk_text(scenario: str, protocol: str, step: int) -> tuple[str, int]:
    """Text for step ``step`` of the shortest bad interleaving, and the number
    of steps in it (0 when there is none)."""
    try:
        r, steps = _explored(scenario, protocol)
    except ConfigError as e:
        return f"invalid: {e}", 0
    head = (
        f"{scenario} / {protocol}: {r.states} states, "
        f"{'complete' if r.complete else 'INCOMPLETE (budget hit)'}; "
        f"false exclusive {r.false_exclusive}, false shared {r.false_shared}"
    )
    if steps is None:
        tail = (
            "no wrong answer in any interleaving"
            if r.complete
            else "no wrong answer before the budget: no claim about the rest"
        )
        return f"{head}\n{tail}", 0
    n = len(steps) - 1
    step = max(0, min(int(step), n))
    row = steps.iloc[step]
    k = sum(1 for c in steps.columns if c.startswith("value"))
    cpus = [c for c in steps.columns if c.startswith("W")]
    kind = "false exclusive" if r.false_exclusive else "false shared"
    lines = [
        head,
        f"shortest {kind}: {' '.join(r.example)}",
        "",
        f"step {step} of {n}: {row['cpu'] or '-'}  {row['action']}",
    ]
    if protocol == "mm-owner":
        from .race.mmowner import LOCK, SHARED_BIT

        word = int(row["word"])
        lines.append(
            f"_mm_ids: bit lock {'held' if word & LOCK else 'free'}, "
            f"maybe-shared bit {1 if word & SHARED_BIT else 0}"
        )
        lines.append(f"total mapcount {row['mapcount']}")
        lines += [
            f"slot {j}: "
            + (
                f"mm{row[f'value{2 * j}']} count {row[f'value{2 * j + 1}']}"
                if row[f"value{2 * j}"]
                else "free"
            )
            for j in range(2)
        ]
    else:
        lines += [
            f"seq word: sequence {row['seq']}, shared writers {row['writers']}, "
            f"exclusive {'yes' if row['excl'] else 'no'}",
            f"mapcount {row['mapcount']}",
        ]
        lines += [f"value{j} {row[f'value{j}']:#x}" for j in range(k)]
    lines += [f"{c}: {row[c]}" for c in cpus]
    mms = [c for c in steps.columns if c.startswith("mm")]
    lines.append("pages mapped: " + ", ".join(f"{c} {row[c]}" for c in mms))
    nxt = steps.iloc[step + 1] if step < n else None
    lines.append(f"R: {row['verdict']}" + (f"; next {nxt['cpu']} runs" if nxt is not None else ""))
    lines.append(
        f"truth: another mm surely maps {row['other_mm_surely_maps']}, "
        f"possibly maps {row['other_mm_possibly_maps']}"
    )
    return "\n".join(lines), n


def interleaving_walker(
    scenario: str = "3mm-1w", protocol: str = "none", background: bool = True
) -> Any:
    """Dropdowns for scenario and protocol, a slider over the steps of the
    shortest bad interleaving, and a read-only text of the state after it.

    A scenario/protocol pair not explored yet is explored in a background
    thread (the kernel stays responsive; the text says "exploring" meanwhile)
    unless ``background`` is False. ``box.wait()`` joins the running thread.
    """
    import threading

    import ipywidgets as w

    from .race import PROTOCOLS, scenario_names

    controls = {
        "scenario": w.Dropdown(options=scenario_names(), value=scenario, description="scenario"),
        "protocol": w.Dropdown(options=list(PROTOCOLS), value=protocol, description="protocol"),
        "step": w.IntSlider(value=0, min=0, max=0, description="step"),
    }
    out = w.Textarea(layout=w.Layout(width="95%", height="20em"), disabled=True)
    worker: list[threading.Thread] = []

    def show():
        text, n = walk_text(
            controls["scenario"].value, controls["protocol"].value, controls["step"].value
        )
        s = controls["step"]
        if s.max != n:
            s.max = n  # clamps s.value, which calls update again
        out.value = text

    def explore_then_show(sc, pr):
        try:
            _explored(sc, pr)
        except ConfigError:
            pass  # show() puts the one-line error in the text
        if (controls["scenario"].value, controls["protocol"].value) == (sc, pr):
            show()

    def update(_=None):
        sc, pr = controls["scenario"].value, controls["protocol"].value
        if (sc, pr) in _seen or not background:
            show()
            return
        out.value = (
            f"{sc} / {pr}: exploring every interleaving (at most {WIDGET_MAX_STATES} states)..."
        )
        t = threading.Thread(target=explore_then_show, args=(sc, pr), daemon=True)
        worker[:] = [t]
        t.start()

    def wait(timeout=None):
        for t in list(worker):
            t.join(timeout)

    for c in controls.values():
        c.observe(update, names="value")
    update()
    box = w.VBox([w.HBox([controls["scenario"], controls["protocol"]]), controls["step"], out])
    box.controls = controls
    box.output = out
    box.wait = wait
    return box
