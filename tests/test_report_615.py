"""The report's "versus 6.15" and concurrency parts, and the post's 6.15
paragraph.

Expected values come from :func:`rmaplab.compare.compare` run here on one
shape, from the race explorer and from the litmus tests' own list (and
herd7 when it is installed); never from the report's own numbers.
"""

import json
import os
from pathlib import Path

import pytest

from rmaplab.config import WIP_V1
from rmaplab.mailtext import tokens

HERD7 = Path(os.environ.get("RMAPLAB_HERD7") or "~/.cache/herdtools7-7.57/bin/herd7").expanduser()
PARTS_615 = [
    ("verify", ["verify", "proof", "counterexample_steps"]),
    ("versus 6.15", ["versus_615", "versus_615_sweep", "race_615"]),
    ("concurrency", ["litmus"]),
]


def _build(out, monkeypatch, herd7: str | None):
    import rmaplab.report as report

    # herd7 only where the test says so: RMAPLAB_HERD7 and PATH decide
    monkeypatch.setenv("RMAPLAB_HERD7", herd7 or "/nonexistent/herd7")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("RMAPLAB_LKMM", raising=False)
    monkeypatch.setattr(report, "PARTS", PARTS_615)
    return report.build_report(out, quick=True, progress=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    try:
        out = tmp_path_factory.mktemp("r615") / "r"
        facts = _build(out, mp, None)
    finally:
        mp.undo()
    return out, facts


def test_the_part_writes_table_text_chart_and_sweep(built):
    out, _ = built
    for name in (
        "versus_615.csv",
        "versus_615.txt",
        "versus_615.png",
        "versus_615.svg",
        "versus_615_sweep.csv",
        "race_615.csv",
        "race_615.txt",
        "litmus.csv",
        "litmus.txt",
    ):
        assert (out / name).is_file(), name
    for p in out.glob("*.txt"):
        assert all(len(ln) <= 72 for ln in p.read_text().splitlines()), p.name
    svg = (out / "versus_615.svg").read_text()
    for part in ("6.15 MM-owner vs. exact", "procs 2,4", "depth 2,3", "seed 0", "1 folio"):
        assert part in svg, part


def test_one_shape_agrees_with_compare_run_here(built):
    """double-fork at order 9 by PTEs, summed over the sweep's procs and
    depth, recomputed from compare() directly."""
    import pandas as pd

    from rmaplab.compare import compare
    from rmaplab.report_615 import REPORT_SWEEP

    out, _ = built
    table = pd.read_csv(out / "versus_615.csv")
    needless = {"mm-owner": 0, "rmap-moments": 0}
    writes = 0
    for procs in REPORT_SWEEP["procs"]:
        for depth in REPORT_SWEEP["depth"]:
            df = compare(
                "double-fork",
                ["mm-owner", "rmap-moments"],
                WIP_V1.encoding(9),
                9,
                procs,
                0,
                REPORT_SWEEP["folios"],
                shape={"depth": depth, "fanout": 2, "lifetime": 4, "pte": 1},
            ).set_index("scheme")
            for s in needless:
                needless[s] += int(df.loc[s, "needless_copies"])
            writes += int(df.loc["mm-owner", "writes"])
    gib = writes * 4096 / 2**30
    row = table[
        (table["workload"] == "double-fork") & (table["order"] == 9) & (table["mapped"] == "PTE")
    ].iloc[0]
    assert needless["mm-owner"] > 0 and needless["rmap-moments"] == 0
    assert row["needless/GiB mm-owner"] == pytest.approx(needless["mm-owner"] / gib)
    assert row["needless/GiB rmap-moments"] == 0


def test_the_first_screen_carries_the_615_answer(built):
    """In the full report's post (no QUICK banner) the three sentences end
    within the first 45 lines; the numbers are the table's."""
    import pandas as pd

    import rmaplab.report_post as post

    out, facts = built
    table = pd.read_csv(out / "versus_615.csv")
    text = post.post_text(facts, WIP_V1, quick=False)
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Versus 6.15"))
    end = lines.index("", start)
    assert end <= 45, end
    head = " ".join(" ".join(lines[:45]).split())
    worst = table.groupby("workload")["needless/GiB mm-owner"].max()
    pay = worst[worst > 0]
    lo, hi = round(pay.min() / 1000), round(pay.max() / 1000)
    assert f"costs {lo}k to {hi}k needless 4 KiB copies per GiB written" in head
    assert "(exact: 0)" in head
    for w in pay.index:
        assert w in head
    assert "not bgsave" in head  # two mms: the control
    assert "Only PTE-mapped folios pay (order 4, 9" in head
    assert "do_huge_pmd_wp_page reuses a THP still PMD-mapped (double-fork, fork-tree: 0)" in head
    assert "Neither is falsely 'exclusive' here, nor is 6.15's locking (15 race scenarios)" in head
    assert "not compared in this report yet" not in text
    assert text.split() == tokens(post.post_blocks(facts, WIP_V1))
    # the quick post carries the same paragraph (after its banner)
    quick = " ".join((out / "post.txt").read_text().split())
    assert f"costs {lo}k to {hi}k needless" in quick


def test_race_615_is_every_scenario_explored_completely(built):
    from rmaplab.race import explore, scenario_names

    _, facts = built
    r = facts["race_615"]
    names = scenario_names()
    assert r["scenarios"] == len(names) and r["complete"]
    got = [explore(s, "mm-owner") for s in names]
    assert all(g.complete for g in got)
    assert r["false_exclusive"] == sum(g.false_exclusive for g in got) == 0
    assert r["false_shared"] == sum(g.false_shared for g in got)


def test_the_post_wording_follows_the_facts():
    """Hand-made facts: a PMD row that pays without a PMD split, a false
    exclusive, an incomplete race, no shape that pays."""
    import rmaplab.report_post as post

    def shape(w, o, m, six, splits=0):
        return {
            "workload": w,
            "order": o,
            "mapped": m,
            "mm_owner_per_gib": six,
            "exact_per_gib": 0.0,
            "pmd_splits": splits,
        }

    base = {
        "runs": 2,
        "totals": {"mm-owner": {"false_exclusive": 0}, "rmap-moments": {"false_exclusive": 0}},
    }
    f = {
        "versus_615": {
            **base,
            "shapes": [shape("a", 4, "PTE", 1500.0), shape("a", 9, "PMD", 2500.0, splits=0)],
        },
        "race_615": {"scenarios": 3, "complete": False, "false_exclusive": 0},
    }
    text = " ".join(post.comparison_615(f)).replace("\xa0", " ")
    assert "Only" not in text and "and PMD-mapped: a" in text
    assert "costs 2k needless 4 KiB copies per GiB written" in text
    assert "(3 race scenarios, INCOMPLETE)" in text
    f["versus_615"]["totals"]["mm-owner"]["false_exclusive"] = 4
    assert "False 'exclusive': mm-owner 4, rmap-moments 0." in " ".join(post.comparison_615(f))
    f["versus_615"]["shapes"] = [shape("b", 4, "PTE", 0.0)]
    assert "no needless copy in any shape" in " ".join(post.comparison_615(f))
    assert post.comparison_615({}) == []


def test_litmus_table_without_herd7_has_expected_verdicts_only(built):
    import pandas as pd

    from rmaplab.race.litmus import all_tests

    out, facts = built
    t = pd.read_csv(out / "litmus.csv")
    want = {x.name.removeprefix("rmap-seqcount-").removeprefix("rmap-"): x for x in all_tests()}
    assert dict(zip(t["test"], t["expected"], strict=True)) == {
        k: x.expected for k, x in want.items()
    }
    assert t["herd7"].isna().all()
    text = (out / "litmus.txt").read_text()
    flat = " ".join(text.split())
    assert "herd7 was not found here (RMAPLAB_HERD7): expected verdicts only." in flat
    assert "agree" not in text.split("Why:")[0]
    assert "rmaplab race --litmus DIR --herd7 PATH" in text
    assert "herd7 -conf linux-kernel.cfg DIR/NAME.litmus" in text
    for k, x in want.items():
        assert f"- {k}: {' '.join(x.why.split())}" in flat
    assert "2^24 = 16,777,216 write sections" in flat  # the 32-bit layout's bound
    assert facts["litmus"]["herd7_ran"] is False
    post = " ".join((out / "post.txt").read_text().split())
    assert "LKMM: all 5 barriers and a fully ordered exclusive cmpxchg are needed" in post
    assert "(11 litmus tests; herd7 in CI)" in post


@pytest.mark.skipif(not HERD7.is_file(), reason="herd7 not built (../shared/tools/build-herd7.sh)")
def test_litmus_table_with_herd7_adds_its_column(tmp_path, monkeypatch):
    out = tmp_path / "r"
    facts = _build(out, monkeypatch, str(HERD7))
    text = (out / "litmus.txt").read_text()
    head = text.split("Why:")[0]
    assert "herd7" in head.splitlines()[5] and "agree" in head  # the header row
    assert "NO" not in head and "DISAGREES" not in text
    assert facts["litmus"]["herd7_ran"] is True
    n = len(facts["litmus"]["tests"])
    assert facts["litmus"]["herd7_agree"] == n
    post = " ".join((out / "post.txt").read_text().split())
    assert f"herd7 here agrees on {n} of {n}" in post
    saved = json.loads((out / "facts.json").read_text())
    assert saved["litmus"]["herd7_ran"] is True
