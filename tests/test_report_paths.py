"""The report's assembly at tiny size, JIT or not: a build with three cheap
parts (the rest of the facts read from the stored quick facts), its manifest
checked with hashlib, a rerun byte for byte, a killed run, a killed run's
leftovers; and each part's facts from hand-made frames.

Expected values are hashlib's, the hand-made frames' own numbers picked by
the rule the docstrings state, or the encoding's addends summed here.
"""

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

import rmaplab.report as report
import rmaplab.report_ids as report_ids
from rmaplab.config import WIP_V1
from rmaplab.export import MANIFEST_FILE, MANIFEST_KEY, own_report
from rmaplab.views import Params

STORED = json.loads((Path(__file__).parent / "data" / "facts_quick.json").read_text())


@pytest.fixture
def tiny(monkeypatch):
    """build_report with the table, verify and cost-model parts only; the
    moments rule, race and allocator facts come from the stored quick run."""
    monkeypatch.setattr(
        report,
        "PARTS",
        [("table", ["table"]), ("verify", ["verify", "counterexample_steps"])],
    )
    monkeypatch.setattr(report, "_rule_evidence", lambda: STORED["rule_evidence"])
    monkeypatch.setattr(report, "_race_facts", lambda: STORED["race"])
    monkeypatch.setattr(report_ids, "ids_facts", lambda *a: STORED["ids_collide"])
    return monkeypatch


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_tiny_build_manifest_rerun_and_kill(tiny, tmp_path):
    out = tmp_path / "rep"
    facts = report.build_report(out, WIP_V1, quick=True, progress=True)
    files = _tree(out)
    manifest = facts[MANIFEST_KEY]
    # the manifest names every other file, each with its sha256 (hashlib here)
    assert set(files) == set(manifest) | {MANIFEST_FILE}
    for name, h in manifest.items():
        assert hashlib.sha256(files[name]).hexdigest() == h
    assert {"table.csv", "verify.csv", "post.txt", "moments_rule.txt", "collide_ids.txt"} <= set(
        files
    )
    assert all(
        len(ln) <= 72 for n in files if n.endswith(".txt") for ln in files[n].decode().splitlines()
    )
    # the verify part: the unsafe orders are verify.csv's, the replay is the largest
    v = pd.read_csv(out / "verify.csv")
    unsafe = sorted(int(o) for o in v[v["verdict"] == "unsafe"]["order"])
    assert facts["unsafe_orders"] == unsafe and unsafe
    assert facts["order"] == max(unsafe)
    assert facts["replay_command"] == f"rmaplab verify --order {max(unsafe)} --steps"
    # the counterexample fools the posted digits: every word's sum equals
    # n times the victim's addend mod 2^W (summed here from the addends)
    enc = WIP_V1.encoding(facts["order"])
    ce = facts["counterexample"]
    n = sum(c for _, c in ce["mappings"])
    assert n == facts["min_mappings"]
    mod = 1 << enc.word_bits
    for k in range(enc.nr_values):
        s = sum(c * enc.addends(i)[k] for i, c in ce["mappings"]) % mod
        assert s == n * enc.addends(ce["victim"])[k] % mod
    assert own_report(out)
    assert json.loads((out / MANIFEST_FILE).read_text())["command"] == (
        f"rmaplab report --out {out} --quick"
    )
    # a rerun over its own report: the same bytes (deterministic for a seed)
    report.build_report(out, WIP_V1, quick=True, progress=False)
    assert _tree(out) == files

    # a killed run (interrupt in the race part) leaves the previous report
    # and nothing beside it
    def killed():
        raise KeyboardInterrupt

    tiny.setattr(report, "_race_facts", killed)
    with pytest.raises(KeyboardInterrupt):
        report.build_report(out, WIP_V1, quick=True, progress=False)
    assert _tree(out) == files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


def test_leftovers_of_a_dead_run_are_swept_and_the_rename_fallback(tiny, tmp_path):
    import rmaplab.export as export

    out = tmp_path / "rep"
    report.build_report(out, WIP_V1, quick=True, progress=False, seed=3)
    # pid 2**22 + 1 is above Linux's PID_MAX_LIMIT: no such process
    dead = tmp_path / f".rep.rmaplab-partial-{2**22 + 1}-00000000"
    dead.mkdir()
    (dead / "x.txt").write_text("half")
    tiny.setattr(export, "_exchange", lambda a, b: False)  # no renameat2
    before = _tree(out)
    facts = report.build_report(out, WIP_V1, quick=True, progress=False, seed=3)
    assert not dead.exists()
    assert _tree(out) == before
    assert "--seed 3" in facts["command"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


def test_alive_answers_for_this_process_and_a_missing_one():
    import os

    from rmaplab.export import _alive

    assert _alive(os.getpid())
    assert not _alive(2**22 + 1)


# -- each part's facts from hand-made frames --------------------------------------


def test_verify_facts_pick_the_largest_unsafe_order():
    df = pd.DataFrame(
        {
            "order": [3, 5, 4, 6],
            "verdict": ["safe", "unsafe", "unsafe", "safe"],
            "min_mappings": [0, 9, 7, 0],
            "counterexample": [None, "ce5", "ce4", None],
        }
    )
    f = report._verify_facts(df)
    assert f["unsafe_orders"] == [5, 4]
    assert (f["order"], f["min_mappings"], f["counterexample"]) == (5, 9, "ce5")
    safe = report._verify_facts(df.assign(verdict="safe"))
    assert safe["unsafe_orders"] == [] and "order" not in safe


def _design_row(i, w, o, best, values, enc="moments"):
    return {
        "id_bits": i,
        "word_bits": w,
        "order": o,
        "best": best,
        "values": values,
        "encoding": enc,
        "detail": f"{enc} d",
        "bytes": values * 8,
        "atomics_per_update": values + 5,
        "table_lookups": 0,
        "proof_lines": 3,
        "method": "proof",
    }


def test_design_facts_take_the_best_row_per_width_and_order():
    rows = [
        _design_row(24, 64, 9, False, 3, "digits"),
        _design_row(24, 64, 9, True, 2),
        _design_row(24, 64, 13, False, 4, "digits"),  # tried, none best
        _design_row(31, 64, 9, True, 5, "digits"),
    ]
    df = pd.DataFrame(rows)
    f = report._design_facts(df, Params(WIP_V1, True, 0))
    d = f["design"]
    assert list(d) == ["24/64", "31/64"]
    assert d["24/64"][9] == {
        "values": 2,
        "family": "moments",
        "detail": "moments d",
        "bytes": 16,
        "atomics": 7,
        "table_lookups": 0,
        "proof_lines": 3,
        "method": "proof",
    }
    assert d["24/64"][13] == {"values": None}  # tried at 13, nothing safe
    assert d["31/64"][13] is None  # not tried
    assert d["31/64"][9]["values"] == 5
    assert f["design_scope"]["orders"] == "9, 13"


def test_measured_facts_derive_the_posted_ns_from_the_ratio():
    df = pd.DataFrame(
        {
            "threads": [1, 1, 4],
            "id_bits": [24, 24, 24],
            "word_bits": [64, 64, 64],
            "order": [9, 9, 9],
            "addends": ["table", "moments", "moments"],
            "ns_per_update": [30.0, 12.34, 99.0],
            "ratio_vs_posted": [1.5, 0.617, 9.0],
            "bench_case": ["t", "m", "m4"],
        }
    )
    f = report._measured_facts(df)
    assert f == {
        "24/64 order 9": {
            "table": (30.0, "t"),
            "moments": (12.3, "m"),
            "posted": (20.0, "digits K=3"),  # 12.34 / 0.617 = 20.0, as 30 / 1.5
        }
    }


def test_cost_and_collision_facts_read_their_frames():
    t = pd.DataFrame(
        {
            "order": [9, 13],
            "values": [3, 4],
            "bytes": [24, 32],
            "atomics_per_update": [8, 9],
            "verdict": ["unsafe", "safe"],
        }
    )
    cheap = pd.DataFrame({"order": [9, 13], "values": [4, 6]})
    f = report._cost_facts(t, cheap)
    assert f["tradeoff"][13] == {"values": 4, "bytes": 32, "atomics": 9, "verdict": "safe"}
    assert f["cheapest"] == {9: 4, 13: 6}
    p = Params(WIP_V1, True, 7)
    real = pd.DataFrame(
        {"encoding": ["posted"], "probability": [0.25], "ci_high": [0.5], "method": ["exact"]}
    )
    adv = pd.DataFrame({"encoding": ["posted", "moments"], "probability": [1.0, 0.0]})
    c = report._collision_facts(real, adv, p)
    assert c["collide"] == {"posted": (0.25, 0.5, "exact")}
    assert c["adversarial"] == {"posted": 1.0, "moments": 0.0}
    assert c["collide_scope"]["seed"] == 7
    assert "adversarial" not in report._collision_facts(real, pd.DataFrame(), p)


def test_schemes_facts_sum_over_workloads_and_replay_the_counterexample():
    p = Params(WIP_V1, True, 0)
    rows = []
    for wl, (c, fe, fs) in {"fork": (3, 0, 1), "exec": (4, 1, 0)}.items():
        rows.append(
            {
                "scheme": "s1",
                "workload": wl,
                "checks": c,
                "false_exclusive": fe,
                "false_shared": fs,
                "bytes_per_folio": 8,
                "atomics_per_update": 2,
            }
        )
    f = report._schemes_facts(pd.DataFrame(rows), p)
    assert f["schemes"] == {"s1": (7, 1, 1)}
    assert f["schemes_scope"]["workloads"] == ["fork", "exec"]
    assert f["schemes_scope"]["folios"] == 2  # quick
    ce = f["counterexample_false_exclusive"]
    # on the v1 counterexample only a scheme that reads the rmap sums alone
    # (no exact per-mm state) can say 'exclusive': the legacy mapcount and
    # 6.15's owners cannot be fooled by sums
    assert ce["legacy"] == 0 and ce["mm-owner"] == 0 and ce["rmap-moments"] == 0
    assert ce["rmap-id"] > 0


def test_facts_dispatch_each_part_to_its_frames():
    p = Params(WIP_V1, True, 0)
    t = pd.DataFrame(
        {"order": [9], "values": [3], "bytes": [24], "atomics_per_update": [8], "verdict": ["u"]}
    )
    cheap = pd.DataFrame({"order": [9], "values": [4]})
    assert report._facts("cost", {"tradeoff": t, "cheapest_safe": cheap}, p)["cheapest"] == {9: 4}
    real = pd.DataFrame(
        {"encoding": ["raw-id"], "probability": [0.0], "ci_high": [0.1], "method": ["mc"]}
    )
    c = report._facts("collisions", {"collide": real, "collide_adversarial": pd.DataFrame()}, p)
    assert c["collide"] == {"raw-id": (0.0, 0.1, "mc")}
    design = pd.DataFrame([_design_row(24, 64, 9, True, 2)])
    cost = pd.DataFrame(
        {
            **{"threads": [1], "id_bits": [24], "word_bits": [64], "order": [9]},
            **{"addends": ["m"], "ns_per_update": [4.0], "ratio_vs_posted": [0.5]},
            "bench_case": ["c"],
        }
    )
    d = report._facts("design", {"design": design, "design_cost": cost}, p)
    assert d[report.MEASURED_FACT]["24/64 order 9"]["posted"] == (8.0, "digits K=3")
    assert report._facts("id space", {}, p) == {}


def test_one_value_facts_read_the_shipped_table_and_the_frame():
    df = pd.DataFrame(
        {
            "word_bits": [64, 64, 64, 32],
            "order": [5, 7, 9, 12],
            "proven_id_bits": [30, 24, 20, 40],
        }
    )
    f = report._facts("one value", {"one_value": df}, Params(WIP_V1, True, 0))["one_value"]
    # the widest order reaching 24-bit ids in 64-bit words is 7 (order 9 gets 20)
    assert f["largest_order_24bit"] == 7
    assert (f["word_bits"], f["order"]) == (64, 9)
    # a bound from above is never below what a construction proves
    assert f["proven_id_bits"] <= f["upper_bound_id_bits"]
    none = report._one_value_facts(df[df["word_bits"] == 32])
    assert none["largest_order_24bit"] is None


def test_command_line_of_a_library_call():
    from rmaplab.config import WIP_V1_32BIT

    assert report._command("out dir", WIP_V1_32BIT, True, 5, True) == (
        "rmaplab report --out 'out dir' --config wip-v1-32bit --quick --seed 5 --force"
    )
    assert report._command("o", WIP_V1, False, 0, False) == "rmaplab report --out o"


def test_provenance_never_fails_without_git(monkeypatch):
    import subprocess

    def no_git(*a, **k):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    p = report.provenance("cmd")
    assert (p["git_commit"], p["git_dirty"], p["command"]) == (None, None, "cmd")
    assert p["rmaplab_version"] == __import__("rmaplab").__version__


def test_no_renameat2_and_a_bad_manifest(tmp_path, monkeypatch):
    import ctypes

    import rmaplab.export as export

    (tmp_path / MANIFEST_FILE).write_text(json.dumps({MANIFEST_KEY: ["x"]}))
    assert not own_report(tmp_path)  # the manifest is not a name -> sha256 map

    def no_libc(*a, **k):
        raise OSError("no C library")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert export._exchange(tmp_path / "a", tmp_path / "b") is False
