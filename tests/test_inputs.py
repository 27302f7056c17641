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


# -- traceback --------------------------------------------------------------------


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


# -- issues 10 and 18: every bad input exits 2, one line, nothing written -------

ENC = ["--encoding", "digits", "--id-bits", "8", "--word-bits", "16", "--max-order", "3"]
CUSTOM24 = ["--id-bits", "24", "--word-bits", "64", "--values", "3", "--bits", "8"]
W8 = ["--id-bits", "8", "--word-bits", "16", "--order", "3"]
#: Issue 10's refusals and issue 18's list: every bad input exits 2 with one
#: line naming the parameter and its range, and writes nothing. The test runs
#: in an empty folder holding ``afile`` (text "x") and an empty ``adir``.
BAD_INPUTS = [
    # issue 10, hang: refused with the budget flag that would allow it
    (
        ["subids", "--base-pages", "512", "--bits", "24"],
        r"--bits=24 asks for 16777216 entries: allowed --bits <= 16 under "
        r"--max-entries 65536; pass --max-entries 16777216",
    ),
    (
        ["bench-atomics", "--values", "3", "--threads", "1", "--iters", "1e12"],
        r"--iters=1e12 is out of range: allowed \[1000, 100000000\]",
    ),
    # issue 10, traceback
    (["report", "--out", "afile"], r"--out=afile is an existing file"),
    (["report", "--out", "/proc/x"], r"--out=/proc/x: cannot create or write"),
    (["verify", "--order", "9", "--csv", "/proc/x"], r"--csv=/proc/x: cannot write"),
    (["verify", "--order", "9", "--csv", "adir"], r"--csv=adir is a folder"),
    (
        ["collide", "--encoding", "posted", "--seed", "-1"],
        r"--seed=-1 is out of range: allowed \[0, ",
    ),
    # issue 10, wrong
    (["report", "--out", ""], r"--out='' is empty: allowed a folder path"),
    *[
        (
            [cmd, *CUSTOM24, "--max-order", "9", "--order", "9", "--base-pages", "0"],
            r"--base-pages=0 is out of range: allowed \[1, 4611686018427387904\]",
        )
        for cmd in ("verify", "proof")
    ],
    (["report", "--out", "r", "--seed", "-1"], r"seed=-1 is out of range"),
    (
        ["collide", "--encoding", "posted", "--workers", "0"],
        r"--workers=0 is out of range: allowed \[1, 1024\]",
    ),
    (
        ["compare", "--workload", "zygote", "--schemes", ""],
        r"--schemes='' names no scheme: allowed a comma-separated list of legacy, ",
    ),
    # issue 18
    # tracebacks: counts written 1e400
    (
        ["subids", "--base-pages", "4", "--bits", "2", "--max-entries", "1e400"],
        r"--max-entries=1e400 is out of range: allowed \[1, 16777216\]",
    ),
    (
        ["verify", "--order", "9", "--node-limit", "1e400"],
        r"--node-limit=1e400 is out of range: allowed \[1, 1000000000\]",
    ),
    (
        ["collide", "--encoding", "posted", "--trials", "1e400"],
        r"--trials=1e400 is out of range: allowed \[1, 1099511627776\]",
    ),
    (
        ["bench-atomics", "--iters", "1e400"],
        r"--iters=1e400 is out of range: allowed \[1000, 100000000\]",
    ),
    # tracebacks: ranges checked as bounds, never expanded
    (
        ["bench-atomics", "--threads", "1-99999999999"],
        r"--threads='1-99999999999' is out of range: allowed integers in \[1, 8\]",
    ),
    (
        ["bench-atomics", "--values", "1-99999999999"],
        r"--values='1-99999999999' is out of range: allowed integers in \[1, 8\]",
    ),
    (["race-stress", "--values", "1-99999999999"], r"--values='1-99999999999' is not an integer"),
    (
        ["table-frontier", "--slice-bits", "2-999999999999"],
        r"--slice-bits='2-999999999999' is out of range: allowed integers in \[2, 4\]",
    ),
    (
        ["table-frontier", "--word-bits", "8-99999999999"],
        r"--word-bits='8-99999999999' is out of range: allowed integers in \[4, 16\]",
    ),
    # tracebacks: output paths checked before the work
    (["race", "--litmus", "afile"], r"--litmus=afile is an existing file: allowed a folder"),
    (["race", "--litmus", "/proc/x"], r"--litmus=/proc/x: cannot write there"),
    (["race", "--litmus", "afile/sub"], r"--litmus=afile/sub: cannot write there \(afile is a"),
    (
        ["design", "--id-bits", "8", "--word-bits", "16", "--max-order", "3", "--csv", "adir"],
        r"--csv=adir is a folder: allowed a file path",
    ),
    (
        ["design", "--id-bits", "8", "--word-bits", "16", "--max-order", "3", "--csv", "/proc/x"],
        r"--csv=/proc/x: cannot write there",
    ),
    (["table-frontier", "--csv", "adir"], r"--csv=adir is a folder"),
    (["table-frontier", "--csv", "/proc/x"], r"--csv=/proc/x: cannot write there"),
    # tracebacks: numbers that are not numbers
    (
        ["table-frontier", "--seconds", "abc"],
        r"--seconds='abc' is not a number: allowed \(0, 600\]",
    ),
    (
        ["table-frontier", "--search-seconds", "abc"],
        r"--search-seconds='abc' is not a number: allowed \[0, 600\]",
    ),
    (["table-frontier", "--seed", "-1"], r"--seed=-1 is out of range: allowed \[0, "),
    (["race-stress", "--protocols", ""], r"--protocols='': '' is not allowed: allowed a comma"),
    (["race-stress", "--protocols", ","], r"--protocols=',': '', '' is not allowed"),
    # silently wrong: --base 0 was the default base
    (["verify", *ENC, "--order", "3", "--base", "0"], r"--base=0 is out of range: allowed \[2, "),
    (["proof", *ENC, "--order", "3", "--base", "0"], r"--base=0 is out of range: allowed \[2, "),
    (["collide", "--encoding", "digits", "--base", "0"], r"--base=0 is out of range"),
    # silently wrong: --csv '' wrote nothing
    (["verify", "--order", "9", "--csv", ""], r"--csv='' is empty: allowed a file path"),
    (
        ["design", "--id-bits", "8", "--word-bits", "16", "--max-order", "3", "--csv", ""],
        r"--csv='' is empty",
    ),
    (["table-frontier", "--csv", ""], r"--csv='' is empty"),
    # silently wrong: verify --encoding ignored these
    (["verify", *ENC, "--order", "3", "--csv", "out.csv"], r"--csv does not apply to --encoding"),
    (["verify", *ENC, "--order", "3", "--steps"], r"--steps does not apply to --encoding"),
    (["verify", *ENC, "--order", "3", "--node-limit", "0"], r"--node-limit=0 is out of range"),
    (["verify", *ENC, "--order", "3", "--config", "bogus"], r"--config does not apply to --enc"),
    (["verify", *ENC, "--order", "3", "--packed"], r"--packed does not apply to --encoding dig"),
    # silently wrong: names
    (
        ["compare", "--workload", "zygote", "--schemes", "truth"],
        r"--schemes='truth': 'truth' is not allowed: allowed a comma-separated list of legacy",
    ),
    (["race", "--list", "--scenario", "bogus"], r"--scenario='bogus' is unknown: allowed tiny"),
    (["race", "--litmus", "lit", "--scenario", "bogus"], r"--scenario='bogus' is unknown"),
    (["race", "--protocol", "", "--scenario", "tiny"], r"--protocol='' is unknown: allowed none"),
    (
        ["collide", "--encoding", "table", "--table", "[0,1,2,3]", "--slice-bits", "8"],
        r"--slice-bits=8 does not match --table's 4 entries: allowed 2",
    ),
    # wrong ranges in messages
    (
        ["table-frontier", "--word-bits", "128"],
        r"--word-bits='128' is out of range: allowed integers in \[4, 16\]",
    ),
    (
        ["subids", "--base-pages", "4", "--bits", "2", "--max-entries", "-5"],
        r"--max-entries=-5 is out of range: allowed \[1, 16777216\]",
    ),
    # found beyond the list
    (["race", "--list", "--scenario", "tiny"], r"--scenario does not apply to --list"),
    (["race", "--litmus", "lit", "--layout", "32"], r"--layout does not apply to --litmus"),
    (["race", "--scenario", "tiny", "--herd7", "x"], r"--herd7 does not apply to no --litmus"),
    (
        ["verify", "--order", "9", "--slice-bits", "4"],
        r"--slice-bits does not apply to a configuration \(without --encoding\)",
    ),
    # --progress now applies to one order too (a bar of nodes; issue 18 item 3)
    (["verify", "--order", "9", "--max-seconds", "0"], r"--max-seconds=0 is out of range"),
    (
        ["table", "--config", "wip-v1", "--id-bits", "24", "--word-bits", "64", "--max-order", "9"],
        r"--config=wip-v1 does not apply to a derived configuration",
    ),
    (["verify", *ENC, "--order", "3", "--values", "2"], r"--values does not apply to --encoding"),
    (
        ["verify", "--encoding", "raw-id", *W8, "--slice-bits", "4"],
        r"--slice-bits does not apply to --encoding raw-id",
    ),
    (
        ["verify", "--encoding", "moments", *W8, "--base", "9"],
        r"--base=9 does not apply to --encoding moments without --packed",
    ),
    (
        ["verify", "--encoding", "table", *W8, "--base", "6"],
        r"--base=6 is not a power of 2",
    ),
    (
        ["collide", "--encoding", "table", "--table", "[0,1,2,3]", "--base", "4"],
        r"--base=4 does not apply to an explicit --table",
    ),
    (["collide", "--encoding", "table", "--table", "[1.5, 2]"], r"--table='\[1.5, 2\]' is not a"),
    (["collide", "--list", "--encoding", "posted"], r"--encoding does not apply to --list"),
    (
        ["collide", "--encoding", "posted", "--population", "bogus"],
        r"--population='bogus' is unknown: allowed uniform",
    ),
    (["compare", "--list", "--workload", "zygote"], r"--workload does not apply to --list"),
    (["compare", "--list", "--order", "3"], r"--order does not apply to --list"),
    (["collide", "--list", "--trials", "5"], r"--trials does not apply to --list"),
    (["race", "--list", "--max-states", "5"], r"--max-states does not apply to --list"),
    (["compare", "--workload", "bogus"], r"--workload='bogus' is unknown: allowed"),
    (
        ["compare", "--workload", "cow", "--procs", "1e400"],
        r"--procs=1e400 is out of range: allowed \[1, 4096\]",
    ),
    (
        ["compare", "--workload", "cow", "--order", "25"],
        r"--order=25 is out of range: allowed \[0, 21\]",
    ),
    (["subids", "--base-pages", "1e400", "--bits", "2"], r"--base-pages=1e400 is out of range"),
    (
        ["design", "--id-bits", "8", "--word-bits", "16", "--max-order", "3", "--min-order", "4"],
        r"--min-order=4 is out of range: allowed \[0, 3\]",
    ),
    (
        ["race", "--scenario", "tiny", "--max-states", "1e400"],
        r"--max-states=1e400 is out of range: allowed \[1, 1000000000\]",
    ),
    (["race-stress", "--seconds", "nan"], r"--seconds='nan' is not a number"),
    (["collide", "--encoding", "posted", "--max-seconds", "inf"], r"--max-seconds='inf' is not"),
    (["bench-atomics", "--values", "3-2"], r"--values='3-2': the range 3-2 is empty"),
    (["report", "--out", "r", "--seed", "1e400"], r"--seed=1e400 is out of range"),
    (["table", "--id-bits", "2.5"], r"--id-bits='2.5' is not an integer: allowed \[1, 32\]"),
]


@pytest.mark.parametrize(("argv", "match"), BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_exits_2_with_its_range_and_writes_nothing(
    capsys, tmp_path, monkeypatch, argv, match
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    line = refused(capsys, argv, match)
    assert line.startswith(f"rmaplab {argv[0]}: error: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "afile"]
    assert list((tmp_path / "adir").iterdir()) == []
    assert (tmp_path / "afile").read_text() == "x"


def test_compare_caption_states_its_own_parameters(capsys):
    argv = ["compare", "--workload", "counterexample", "--order", "8", "--procs", "3"]
    assert main([*argv, "--seed", "7", "--folios", "2"]) == 0
    out = capsys.readouterr().out
    head = " ".join(out.split("\n\n")[0].split())
    assert head.startswith(
        "workload counterexample (wip-v1): order 8, 3 processes, 2 folios, seed 7."
    )
    # the report's caption (order 9, 8 processes, every workload) is not borrowed
    assert "Order 9" not in out and "8 processes" not in out and "not the counterex" not in out


def test_verify_encoding_takes_its_node_limit(capsys):
    # --node-limit was ignored with --encoding; now the search stops at it
    argv = ["verify", "--encoding", "digits", "--id-bits", "8", "--word-bits", "16"]
    argv += ["--max-order", "6", "--order", "6", "--slice-bits", "8", "--base", "3", "--json"]
    assert main([*argv, "--node-limit", "1"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["verdict"] == "undecided" and "stopped at 1 nodes" in row["evidence"]
    assert main(argv) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["verdict"] == "unsafe" and row["counterexample"]


def test_verify_order_csv_holds_the_order_asked_for(tmp_path, capsys):
    # it saved every order of the configuration (and searched them all) before
    out = tmp_path / "v.csv"
    assert main(["verify", "--order", "9", "--csv", str(out), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("# regenerate: rmaplab verify --order 9 --csv")
    assert len(lines) == 3 and lines[2].startswith(f"9,{row['values']},{row['bits']},")
