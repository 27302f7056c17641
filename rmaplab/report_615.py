"""The report's "versus 6.15" and concurrency parts: views and facts.

* ``versus_615``: a small deterministic shape sweep
  (:func:`rmaplab.shape_sweep.sweep_shapes` with :data:`REPORT_SWEEP`) as
  :func:`~rmaplab.shape_sweep.shape_cost_table` (CSV, 72-column text) and
  :func:`~rmaplab.plotting.shape_cost_chart` (PNG/SVG); its raw rows are
  ``versus_615_sweep.csv``.
* ``race_615``: 6.15's protocol (``mm-owner``) in the race explorer, every
  listed scenario.
* ``litmus``: the LKMM litmus tests of the seqcount's barriers with their
  expected verdicts and why; herd7's verdicts only when herd7 is found
  (``RMAPLAB_HERD7``, ``herd7`` on PATH): the report never needs it. Then
  the word layouts' bounds (:func:`rmaplab.race.layout_note`).

:func:`versus_facts` and :func:`litmus_facts` read the frames; the post's
sentences are :func:`comparison_615` (post.txt's [7] paragraph).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from .mailtext import nb

if TYPE_CHECKING:
    from .views import Params

__all__ = [
    "REPORT_SWEEP",
    "comparison_615",
    "litmus_facts",
    "litmus_frame",
    "litmus_text",
    "race_615_frame",
    "race_615_text",
    "versus_chart",
    "versus_facts",
    "versus_frame",
    "versus_sweep_frame",
    "versus_text",
]

#: The report's sweep: every shape workload at an mTHP order (4) and the PMD
#: order (9, mapped by the PMD and by PTEs), 2 and 4 processes, depth 2 (the
#: classic double fork) and 3, one folio, seed 0. Small on purpose: seconds.
REPORT_SWEEP: dict[str, Any] = {
    "orders": (4, 9),
    "procs": (2, 4),
    "depth": (2, 3),
    "fanout": (2,),
    "lifetime": (4,),
    "pte": (0, 1),
    "seeds": (0,),
    "folios": 1,
    "schemes": ("mm-owner", "rmap-moments"),
}
#: the command that reruns one shape (named in the text and the post)
REPLAY_615 = (
    "rmaplab compare --workload double-fork \\\n"
    "      --schemes mm-owner,rmap-moments --order 9 --pte 1"
)


@lru_cache(maxsize=4)
def _sweep(params: Params) -> pd.DataFrame:
    from .shape_sweep import sweep_shapes

    return sweep_shapes(config=params.config, **REPORT_SWEEP)


def versus_sweep_frame(params: Params) -> pd.DataFrame:
    """The sweep's rows (one per run and scheme), as saved."""
    return _sweep(params).copy()


def versus_frame(params: Params) -> pd.DataFrame:
    """Per workload shape: needless copies per GiB written, 6.15 against exact."""
    from .shape_sweep import shape_cost_table

    return shape_cost_table(_sweep(params))


def _scope() -> str:
    s = REPORT_SWEEP
    return (
        f"orders {', '.join(map(str, s['orders']))} (9 mapped by the PMD and by PTEs), "
        f"procs {', '.join(map(str, s['procs']))}, depth {', '.join(map(str, s['depth']))}, "
        f"{s['folios']} folio, seed {', '.join(map(str, s['seeds']))}"
    )


def versus_text(table: pd.DataFrame, params: Params) -> str:
    from .export import text_table, wrap

    t = table.copy()
    cols = {
        "needless/GiB mm-owner": "6.15/GiB",
        "needless/GiB rmap-moments": "exact/GiB",
        "6.15 copied MiB": "6.15 MiB",
        "6.15 broken folios": "broken",
    }
    t = t[["workload", "order", "mapped", *cols]]
    head = wrap(
        "Needless 4 KiB copies per GiB written (the workload's 4 KiB writes) "
        "when each design's answers drive the write faults: 6.15's MM-owner "
        "tracking (folio_maybe_mapped_shared) against the exact moments design "
        "(rmap-moments). Summed over "
        + _scope()
        + ". 6.15 MiB: copied by 6.15 in all; broken: large folios no longer "
        "mapped whole by any mm because of needless copies. A PMD-mapped THP "
        "written by its last mm is reused by do_huge_pmd_wp_page (refcount 1) "
        "whatever a design says. User-space model, not the kernel."
    )
    body = text_table(
        t,
        headers=["workload", "order", "mapped", *cols.values()],
        floatfmt=("", "", "", ".0f", ".0f", ".1f", ""),
    )
    return head + "\n\n" + body + "\n\n" + wrap("Replay one shape:") + "\n  " + REPLAY_615


def versus_chart(table: pd.DataFrame, params: Params) -> Any:
    from .plotting import shape_cost_chart

    return shape_cost_chart(table)


def versus_facts(table: pd.DataFrame, sweep: pd.DataFrame) -> dict:
    """What the post states, read from the table and the sweep's rows."""
    from .compare import PMD_ORDER

    six, ex = "needless/GiB mm-owner", "needless/GiB rmap-moments"
    mo = sweep[sweep["scheme"] == "mm-owner"]
    mapped = [
        "PMD" if o == PMD_ORDER and not p else "PTE"
        for o, p in zip(mo["order"], mo["pte"], strict=True)
    ]
    splits = mo.assign(mapped=mapped).groupby(["workload", "order", "mapped"])["pmd_splits"].sum()
    per_shape = [
        {
            "workload": r["workload"],
            "order": int(r["order"]),
            "mapped": r["mapped"],
            "mm_owner_per_gib": round(float(r[six]), 1),
            "exact_per_gib": round(float(r[ex]), 1),
            "pmd_splits": int(splits.get((r["workload"], r["order"], r["mapped"]), 0)),
        }
        for _, r in table.iterrows()
    ]
    tot = sweep.groupby("scheme", sort=False)[
        ["false_exclusive", "corruptions", "needless_copies", "writes_4k"]
    ].sum()
    return {
        "scope": _scope(),
        "runs": int(len(sweep) // max(1, sweep["scheme"].nunique())),
        "shapes": per_shape,
        "totals": {s: {k: int(v) for k, v in r.items()} for s, r in tot.iterrows()},
        "replay": REPLAY_615,
    }


# -- 6.15 under concurrency ---------------------------------------------------


def race_615_frame(params: Params) -> pd.DataFrame:
    """Every listed race scenario under 6.15's protocol (``mm-owner``)."""
    from .race import explore_all

    return explore_all(protocols=["mm-owner"])


def race_615_text(df: pd.DataFrame, params: Params) -> str:
    from .export import text_table, wrap

    head = wrap(
        "6.15's protocol in the race explorer (mm-owner): writers update the "
        "slots, the bit and the total under the folio's bit spinlock; "
        "folio_maybe_mapped_shared reads the total and the bit without it, as "
        f"merged. Every interleaving of the {len(df)} listed scenarios "
        "(64-bit layout):"
    )
    body = text_table(
        df,
        columns=["scenario", "states", "complete", "false_exclusive", "false_shared"],
        headers=["scenario", "states", "complete", "false excl.", "false shared"],
    )
    return head + "\n\n" + body + "\n\n" + "Replay: rmaplab race --scenario S --protocol mm-owner"


def race_615_facts(df: pd.DataFrame) -> dict:
    return {
        "scenarios": len(df),
        "complete": bool(df["complete"].all()),
        "false_exclusive": int(df["false_exclusive"].sum()),
        "false_shared": int(df["false_shared"].sum()),
        "stuck_states": int(df["stuck_states"].sum()),
    }


# -- the seqcount's barriers under the LKMM ------------------------------------


def litmus_frame(params: Params) -> pd.DataFrame:
    """One row per generated litmus test: name, expected, why; ``herd7`` and
    ``agree`` are filled only when herd7 is found (else None)."""
    import tempfile
    from pathlib import Path

    from .race.herd import find_herd7, find_lkmm, run_tests

    herd7 = find_herd7()
    if herd7 is not None and find_lkmm(herd7) is None:
        herd7 = None  # no LKMM files beside it: the expected column alone
    with tempfile.TemporaryDirectory() as d:
        df = run_tests(Path(d), herd7)
    df["test"] = [n.removeprefix("rmap-seqcount-").removeprefix("rmap-") for n in df["name"]]
    return df[["test", "name", "expected", "herd7", "agree", "why"]]


LITMUS_CMD = (
    "  rmaplab race --litmus DIR --herd7 PATH\n"
    "  cd $LKMM && herd7 -conf linux-kernel.cfg DIR/NAME.litmus"
)


def litmus_text(df: pd.DataFrame, params: Params) -> str:
    from .export import text_table, wrap
    from .race import layout_note

    ran = df["herd7"].notna().any()
    lines = [
        wrap(
            "Which barriers the seqcount needs, as LKMM litmus tests (generated "
            "from the step model's programs). Each asks whether a reader can "
            "accept a torn snapshot: Never = the protocol holds, Sometimes = "
            "it can. "
            + (
                "herd7: the verdict herd7 gave on this machine."
                if ran
                else "herd7 was not found here (RMAPLAB_HERD7): expected verdicts only."
            )
        ),
        "",
    ]
    t = df.assign(agree=["yes" if a else "NO" for a in df["agree"]])
    cols = ["test", "expected", *(["herd7", "agree"] if ran else [])]
    lines.append(text_table(t, columns=cols))
    lines += ["", "Why:"]
    lines += [wrap(f"- {r.test}: {r.why}") for r in df.itertuples()]
    lines += [
        "",
        wrap("Check them yourself (writes each test and NAME.expected, runs herd7):"),
        LITMUS_CMD,
        "",
        wrap(
            "Word layouts (rmaplab race --layout 64|32; narrow test layouts with "
            "--seq-bits N --writer-bits N show the wrap and the overflow):"
        ),
        wrap(layout_note()),
    ]
    return "\n".join(lines)


def litmus_facts(df: pd.DataFrame) -> dict:
    ran = bool(df["herd7"].notna().any())
    return {
        "tests": {r.test: r.expected for r in df.itertuples()},
        "herd7_ran": ran,
        "herd7_agree": int(df["agree"].fillna(False).astype(bool).sum()) if ran else None,
    }


# -- the post's sentences ----------------------------------------------------------


def comparison_615(facts: dict) -> list[str]:
    """Three sentences comparing with Linux 6.15's MM-owner tracking
    (``folio_maybe_mapped_shared``), built only from ``facts`` the report
    computed (its ``versus 6.15`` part: the shape sweep and 6.15's race
    protocol). Empty without that part: the post then says the comparison
    is not in it, and invents nothing."""
    v = facts.get("versus_615")
    if not v or not v.get("shapes"):
        return []
    shapes = v["shapes"]
    worst: dict[str, float] = {}
    for r in shapes:
        worst[r["workload"]] = max(worst.get(r["workload"], 0.0), r["mm_owner_per_gib"])
    pay = [w for w, x in worst.items() if x > 0]
    free = [w for w, x in worst.items() if x == 0]
    exact = max(r["exact_per_gib"] for r in shapes)
    tot = v.get("totals", {})
    fe = {s: t.get("false_exclusive", 0) for s, t in tot.items()}
    if not pay:
        first = (
            "Versus 6.15 [7] (folio_maybe_mapped_shared; "
            f"{len(worst)} fork shapes, {v['runs']} runs): no needless copy in any shape."
        )
        return [first, ""]
    lo, hi = min(worst[w] for w in pay), max(worst[w] for w in pay)
    first = (
        "Versus 6.15 [7]: once both slot owners have left and a third mm writes "
        f"({', '.join(pay)}" + (f"; not {', '.join(free)}" if free else "") + "), its "
        f"false 'shared' costs {nb(f'{_k(lo)} to {_k(hi)}' if _k(lo) != _k(hi) else _k(hi))} "
        "needless 4 KiB copies per "
        f"GiB written, by shape (exact: {_k(exact)})."
    )
    pte = sorted({r["order"] for r in shapes if r["mapped"] == "PTE" and r["mm_owner_per_gib"]})
    pmd = [r for r in shapes if r["mapped"] == "PMD"]
    pmd_pay = [r for r in pmd if r["mm_owner_per_gib"] > 0]
    pmd_free = [r["workload"] for r in pmd if r["mm_owner_per_gib"] == 0 and r["workload"] in pay]
    # "split first" only where the sweep counted 6.15's PMD splits there
    split = all(r["pmd_splits"] > 0 for r in pmd_pay)
    third = (
        f"{'Only ' if split else ''}PTE-mapped folios pay (order {', '.join(map(str, pte))}"
        if pte
        else ""
    )
    if pte and pmd_pay:
        third += (
            "; a THP after a shared write split its PMD"
            if split
            else f"; and PMD-mapped: {', '.join(r['workload'] for r in pmd_pay)}"
        )
    third += ")" if pte else ""
    if pte and pmd_free:
        third += f"; do_huge_pmd_wp_page reuses a THP still PMD-mapped ({', '.join(pmd_free)}: 0)"
    third += "." if third else ""
    race = facts.get("race_615")
    fe_text = "Neither is falsely 'exclusive' here"
    if race and not race["false_exclusive"]:
        fe_text += f", nor is 6.15's locking ({race['scenarios']} race scenarios" + (
            ")" if race["complete"] else ", INCOMPLETE)"
        )
    elif race:
        fe_text += (
            f"; 6.15's locking is, in {race['false_exclusive']} race states "
            "(race_615.txt: a finding about merged code, to re-check by hand)"
        )
    fe_text += "."
    if any(fe.values()):
        fe_text = "False 'exclusive': " + ", ".join(f"{s} {x}" for s, x in fe.items()) + "."
    return [" ".join(x for x in (first, third, fe_text) if x), ""]


def _k(x: float) -> str:
    """A per-GiB rate as the post prints it: thousands, no false digits."""
    return f"{x / 1000:.0f}k" if x >= 1000 else f"{x:.0f}"
