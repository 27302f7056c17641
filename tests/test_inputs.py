"""Issue 10, "Inputs that hang, crash or lie": one test per row.

Each bad input exits 2 with a one-line error naming the parameter and the
allowed range, before any file is written; long work refuses with its budget
flag or stops at its budget with "undecided".
"""

import json
import re

import pytest

from rmaplab import Folio, RmapError, id_slices
from rmaplab.cli import main
from rmaplab.config import WIP_V1, ConfigError


def refused(capsys, argv, match):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert re.search(match, lines[0]), lines[0]
    return lines[0]


# -- hang -------------------------------------------------------------------------


def test_subids_bits_24_refuses_with_its_budget_flag(capsys):
    refused(
        capsys,
        ["subids", "--base-pages", "512", "--bits", "24"],
        r"--bits=24 asks for 16777216 entries: allowed --bits <= 16 under "
        r"--max-entries 65536; pass --max-entries 16777216",
    )


def test_verify_order_30_answers(capsys):
    argv = ["verify", "--id-bits", "24", "--word-bits", "64", "--max-order", "30"]
    assert main([*argv, "--order", "30", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["order"] == 30 and row["verdict"] in {"safe", "unsafe", "undecided"}
    custom = [*argv, "--values", "3", "--bits", "8", "--order", "30", "--json"]
    assert main(custom) == 0
    (row,) = json.loads(capsys.readouterr().out)
    # one group 0..30 with base 2**30 + 1: two mms whose slices differ by one bit collide
    assert row["verdict"] == "unsafe" and row["min_mappings"] >= 2


def test_verify_search_past_its_node_budget_is_undecided_and_names_the_flag(capsys):
    # one 24-bit value in base 9: the enumeration needs ~2e6 nodes (~90 s) to
    # find its counterexample; under a budget of 20000 it stops and says so
    argv = ["verify", "--id-bits", "24", "--word-bits", "64", "--values", "1", "--bits", "24"]
    assert main([*argv, "--max-order", "3", "--order", "3", "--node-limit", "2e4"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "UNDECIDED by lattice" in out and "stopped at 20000 nodes" in out
    assert "a larger --node-limit searches further" in out
    refused(
        capsys,
        [*argv, "--max-order", "3", "--order", "3", "--node-limit", "0"],
        r"--node-limit=0 is out of range: allowed \[1, 1000000000\]",
    )


def test_proof_explorer_order_30_answers():
    from rmaplab.widgets import proof_explorer

    box = proof_explorer(order=9, bits=8, word_bits=64, id_bits=24)
    box.controls["group_order"].value = 30
    box.controls["order"].value = 30
    text = box.wait(60)
    assert text.startswith("order 30: 1073741824 pages") and "verdict:" in text


def test_collide_huge_trials_stops_at_its_budget_undecided(capsys):
    argv = ["collide", "--encoding", "raw-id", "--word-bits", "16", "--id-bits", "12"]
    argv += ["--mms", "3", "--mappings", "8", "--trials", "1e12", "--workers", "1"]
    assert main([*argv, "--max-seconds", "0.5", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["verdict"] == "undecided" and 0 < r["trials"] < 10**12
    assert "budget of 0.5 s reached" in r["stopped"]
    assert r["ci_low"] <= r["probability"] <= r["ci_high"]


def test_bench_atomics_huge_iters_refused(capsys):
    refused(
        capsys,
        ["bench-atomics", "--values", "3", "--threads", "1", "--iters", "1e12"],
        r"--iters=1e12 is out of range: allowed \[1000, 100000000\]",
    )


# -- traceback --------------------------------------------------------------------


def test_report_out_existing_file(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    refused(capsys, ["report", "--out", str(f)], r"--out=.* is an existing file")
    assert f.read_text() == "x"


def test_report_out_unwritable(capsys):
    refused(capsys, ["report", "--out", "/proc/x"], r"--out=/proc/x: cannot create or write")


def test_verify_csv_unwritable(capsys):
    refused(capsys, ["verify", "--order", "9", "--csv", "/proc/x"], r"--csv=/proc/x: cannot write")


def test_verify_csv_folder(capsys, tmp_path):
    refused(capsys, ["verify", "--order", "9", "--csv", str(tmp_path)], r"--csv=.* is a folder")
    assert list(tmp_path.iterdir()) == []


def test_collide_negative_seed(capsys):
    refused(
        capsys,
        ["collide", "--encoding", "posted", "--seed", "-1"],
        r"--seed=-1 is out of range: allowed \[0, ",
    )


def test_collide_bogus_scheduler(capsys):
    pytest.importorskip("distributed")
    refused(
        capsys,
        ["collide", "--encoding", "raw-id", "--scheduler", "bogus:1"],
        r"--scheduler='bogus:1': no dask scheduler answered within 3 s",
    )


def test_replay_negative_n_folios():
    from rmaplab.replay import replay

    with pytest.raises(ConfigError, match=r"n_folios=-1 is out of range: allowed \[0, "):
        replay(WIP_V1, 9, [0], [1], [1], n_folios=-1)


# -- wrong ------------------------------------------------------------------------


def test_report_out_empty(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(capsys, ["report", "--out", ""], r"--out='' is empty: allowed a folder path")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["verify", "proof"])
def test_base_pages_zero(capsys, command):
    argv = [command, "--id-bits", "24", "--word-bits", "64", "--values", "3", "--bits", "8"]
    refused(
        capsys,
        [*argv, "--max-order", "9", "--order", "9", "--base-pages", "0"],
        r"--base-pages=0 is out of range: allowed >= 1",
    )


def test_report_negative_seed_writes_nothing(capsys, tmp_path):
    out = tmp_path / "r"
    refused(capsys, ["report", "--out", str(out), "--seed", "-1"], r"seed=-1 is out of range")
    assert not out.exists()


def test_collide_zero_workers(capsys):
    refused(
        capsys,
        ["collide", "--encoding", "posted", "--workers", "0"],
        r"--workers=0 is out of range: allowed \[1, 1024\]",
    )


def test_compare_empty_schemes(capsys):
    refused(
        capsys,
        ["compare", "--workload", "zygote", "--schemes", ""],
        r"--schemes='' names no scheme: allowed a comma-separated list of legacy, ",
    )


def test_collide_more_mappings_than_pages_is_shared_by_definition(capsys):
    argv = ["collide", "--encoding", "posted", "--mappings", "513", "--order", "9", "--json"]
    assert main(argv) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["probability"] == r["ci_high"] == 0.0 and r["method"] == "definition"
    assert "513 mappings > 512 pages" in r["evidence"]
    assert main(argv[:-1]) == 0
    assert "by definition" in capsys.readouterr().out


def test_id_slices_refuses_an_id_wider_than_its_slices():
    assert id_slices(2**24 - 1, 3, 8) == [255, 255, 255]
    with pytest.raises(
        ConfigError, match=r"mm id=16777216 is out of range: allowed \[0, 16777215\]"
    ):
        id_slices(2**24, 3, 8)


def test_check_of_an_mm_that_maps_nothing_refuses():
    f = Folio(WIP_V1, 9)
    with pytest.raises(RmapError, match=r"mm_id=5 maps no page of this folio"):
        f.check(5)
    f.map(5, 1)
    assert f.check(5).shared is False  # now it is a real, exclusive mapping
    f.map(6, 1)
    with pytest.raises(RmapError, match=r"mm_id=7 maps no page"):
        f.check(7)


@pytest.mark.parametrize("workload", ["fork", "remap", "munmap"])
def test_compare_workload_without_checks_says_why(capsys, workload):
    assert main(["compare", "--workload", workload, "--folios", "1", "--order", "4"]) == 0
    out = capsys.readouterr().out
    assert f"0 checks: workload {workload} has no write fault" in " ".join(out.split())
    assert max(len(line) for line in out.splitlines()) <= 72


def test_compare_list_fits_72_columns(capsys):
    assert main(["compare", "--list"]) == 0
    out = capsys.readouterr().out
    assert "counterexample" in out and max(len(line) for line in out.splitlines()) <= 72


# -- slow -------------------------------------------------------------------------


def test_cost_explorer_answers_and_caches_every_value():
    from rmaplab.widgets import cost_explorer

    box = cost_explorer(24, 64, 9)
    first = box.wait()
    assert "K = 4 of 6 bits" in first
    box.controls["order"].value = 10
    assert "order 10 (1024 pages)" in box.wait()
    box.controls["order"].value = 9  # back to a value seen: answered from the cache at once
    assert box.output.value == first
