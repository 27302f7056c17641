"""Generated bad input for every option of every subcommand (issue 18).

Hypothesis walks the argparse spec of ``rmaplab``: for each option it draws a
value that option must refuse (by its declared range for integers and
numbers; by its kind for names, ranges, paths and JSON) and adds it to a
cheap valid command line. Each run must exit 2 with exactly one line on
stderr, print nothing on stdout, raise nothing, write nothing, and answer
in under 5 s. ``main`` runs in-process to keep this fast.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmaplab.cli import build_parser, main
from rmaplab.validate import fmt_range

# A cheap valid command line per subcommand: the bad option is the only fault.
BASE = {
    "table": [],
    "subids": ["--base-pages", "4", "--bits", "2"],
    "cost": [],
    "verify": ["--order", "9"],
    "proof": ["--order", "9"],
    "table-frontier": ["--slice-bits", "2", "--word-bits", "6", "--precomputed"],
    "design": ["--id-bits", "8", "--word-bits", "16", "--max-order", "3"],
    "one-value": ["--word-bits", "32", "--order", "9"],
    "id-space": [],
    "bench-atomics": ["--values", "1", "--threads", "1"],
    "bench-microbench": ["--reps", "10", "--repeat", "1"],
    "compare": ["--workload", "zygote", "--order", "4", "--folios", "1"],
    "collide": ["--encoding", "posted", "--workers", "1"],
    "report": ["--out", "r"],
    "race": ["--scenario", "tiny"],
    "race-stress": ["--protocols", "seqcount", "--seconds", "0.01"],
}

# What each text option holds (an option missing here fails the spec test:
# classify a new option so that its bad values are generated too).
NAME, INT_LIST, OUT_FILE, OUT_DIR, JSON_LIST, ONE_INT, SKIP = (
    "name",
    "int-list",
    "out-file",
    "out-dir",
    "json-list",
    "one-int",
    "skip",
)
TEXT_KINDS = {
    "--config": NAME,
    "--encoding": NAME,
    "--workload": NAME,
    "--schemes": NAME,
    "--population": NAME,
    "--ids": NAME,
    "--scenario": NAME,
    "--protocol": NAME,
    "--protocols": NAME,
    "--encodings": NAME,
    "--addends": NAME,
    "--method": NAME,
    "--slice-bits": INT_LIST,  # table-frontier's (an int option elsewhere)
    "--word-bits": INT_LIST,
    "--threads": INT_LIST,
    "--values": INT_LIST,  # bench-atomics'; race-stress' is ONE_INT (below)
    "--csv": OUT_FILE,
    "--out": OUT_DIR,
    "--litmus": OUT_DIR,
    "--table": JSON_LIST,
    # a scheduler address is checked by connecting (3 s): tests/test_inputs.py
    "--scheduler": SKIP,
    "--layout": NAME,
    "--pin": NAME,
    # an executable and a folder that are read, not written: tests/test_race_litmus.py
    "--herd7": SKIP,
    "--lkmm": SKIP,
}
TEXT_KIND_OVERRIDES = {("race-stress", "--values"): ONE_INT}


def _spec():
    parser = build_parser()
    subs = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    out = []
    for cmd, sub in subs.items():
        for a in sub._actions:
            # flags take no value (--progress/--no-progress included)
            flag = (argparse._HelpAction, argparse._StoreTrueAction)
            if isinstance(a, (*flag, argparse.BooleanOptionalAction)):
                continue
            out.append((cmd, a))
    return out


SPEC = _spec()
# a file and a folder the bad paths point at, made in each run's empty folder
FIXTURES = ("adir", "afile")  # sorted


def _kind(cmd: str, action: argparse.Action) -> str:
    if action.choices is not None:
        return NAME
    if getattr(action.type, "bounds", None) is not None:
        return "bounded"
    flag = action.option_strings[0]
    return TEXT_KIND_OVERRIDES.get((cmd, flag)) or TEXT_KINDS[flag]


def _out_of(lo, hi, integer: bool) -> st.SearchStrategy[str]:
    """Text for a number outside [lo, hi] or not a number of the kind at all."""
    bad = [
        st.sampled_from(["", " ", "abc", "nan", "inf", "-inf", "1e400", "-1e400", "0x10"]),
    ]
    if integer:
        bad.append(st.sampled_from(["2.5", "1e-1", "1.0000001"]))
        if lo is not None:
            bad.append(st.integers(max_value=lo - 1).map(str))
            bad.append(st.integers(1, 400).map(lambda e: f"-1e{e}"))
        if hi is not None:
            bad.append(st.integers(min_value=hi + 1).map(str))
            bad.append(st.integers(len(str(hi)), 500).map(lambda e: f"1e{e}"))
    else:
        if lo is not None:
            bad.append(
                st.floats(max_value=lo, exclude_max=True, allow_nan=False).map(repr)
                | st.just(repr(float(lo)) if lo == 0 else "-1")
            )
        if hi is not None:
            bad.append(st.floats(min_value=hi, exclude_min=True, allow_infinity=False).map(repr))
    return st.one_of(*bad)


def _bad_values(cmd: str, action: argparse.Action) -> st.SearchStrategy[str]:
    kind = _kind(cmd, action)
    if kind == "bounded":
        lo, hi = action.type.bounds  # type: ignore[union-attr]
        integer = action.type.__name__ == "integer"  # type: ignore[union-attr]
        strat = _out_of(lo, hi, integer)
        if not integer and lo is not None:
            # an open lower bound refuses lo itself; a closed one does not
            strat = strat.filter(lambda t: not _accepted_float(action, t))
        return strat
    if kind == NAME:
        return st.one_of(
            st.sampled_from(["", ",", " ", "bogus", "truth", "none,bogus", "Digits"]),
            st.text(alphabet="abcxyz-_", min_size=1, max_size=8).map(lambda t: f"zz{t}"),
        ).filter(lambda t: not _accepted_name(cmd, action, t))
    if kind == INT_LIST:
        return st.one_of(
            st.sampled_from(["", ",", "1,,2", "-5", "a-b", "3-2", "1e400", "1.5", "0-0"]),
            st.integers(10**9, 10**30).map(lambda n: f"1-{n}"),
            st.integers(65, 10**6).map(str),
        )
    if kind == ONE_INT:
        return st.sampled_from(["", "0", "4", "1-3", "1,2", "1e400", "2.5", "abc"])
    if kind == OUT_FILE:
        return st.sampled_from(["", " ", ".", "adir", "/proc/x", "afile/sub", "nodir/x.csv"])
    if kind == OUT_DIR:
        return st.sampled_from(["", " ", "afile", "/proc/x", "afile/sub", "/sys/x"])
    if kind == JSON_LIST:
        return st.sampled_from(["", "[", "[]", "{}", "[1.5]", '["a"]', "[true]", "1"])
    raise AssertionError(kind)


def _accepted_float(action: argparse.Action, text: str) -> bool:
    try:
        action.type(text)  # type: ignore[misc]
    except argparse.ArgumentTypeError:
        return False
    return True


def _accepted_name(cmd: str, action: argparse.Action, text: str) -> bool:
    # generated names are bogus by construction; a choices list is checked here
    return action.choices is not None and text in action.choices


def _cases():
    for cmd, action in SPEC:
        kind = _kind(cmd, action)
        if kind == SKIP:
            continue
        yield pytest.param(cmd, action.option_strings[0], id=f"{cmd} {action.option_strings[0]}")


def test_every_option_is_classified():
    # a new text option must say what it holds (see TEXT_KINDS)
    for cmd, action in SPEC:
        _kind(cmd, action)
    assert {cmd for cmd, _ in SPEC} >= set(BASE)


def run(argv: list[str]) -> tuple[int, str, str, list[str], float]:
    """main(argv) in a fresh folder holding only FIXTURES; what it printed,
    and what the folder holds after."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        Path(d, "afile").write_text("x")
        Path(d, "adir").mkdir()
        os.chdir(d)
        try:
            t = time.perf_counter()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
            secs = time.perf_counter() - t
        finally:
            os.chdir(here)
        left = sorted(str(p.relative_to(d)) for p in Path(d).rglob("*"))
        assert Path(d, "afile").read_text() == "x"
    return code, out.getvalue(), err.getvalue(), left, secs


@pytest.mark.parametrize("cmd, flag", list(_cases()))
def test_bad_value_exits_2_with_one_line_and_writes_nothing(cmd, flag):
    action = next(a for c, a in SPEC if c == cmd and a.option_strings[0] == flag)
    bounds = getattr(action.type, "bounds", None)
    integer = getattr(action.type, "__name__", "") == "integer"

    @settings(
        # RMAPLAB_FUZZ_EXAMPLES=200 for a longer hunt (random, not derandomized)
        max_examples=int(os.environ.get("RMAPLAB_FUZZ_EXAMPLES", 6)),
        deadline=None,
        derandomize="RMAPLAB_FUZZ_EXAMPLES" not in os.environ,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(_bad_values(cmd, action))
    def check(value):
        argv = [cmd, *BASE[cmd], flag, value]
        code, out, err, left, secs = run(argv)
        lines = err.strip().splitlines()
        assert code == 2, (argv, code, out[:200], err)
        assert out == "", (argv, out[:200])
        assert len(lines) == 1 and lines[0].startswith(f"rmaplab {cmd}: error: "), (argv, err)
        assert "Traceback" not in err
        # the message names the option, and a bounded one states its declared range
        name = flag.lstrip("-")
        assert name in lines[0] or name.replace("-", "_") in lines[0], (argv, err)
        if bounds is not None and integer:
            assert flag in lines[0] and f"allowed {fmt_range(*bounds)}" in lines[0], err
        assert left == list(FIXTURES), (argv, left)
        assert secs < 5, (argv, secs)

    check()


# -- budgets (issue 18 item 3): memory refused up front, --max-seconds a safety stop


def test_huge_compare_is_refused_up_front_with_its_estimate():
    # cow at order 21 with 256 folios: every page of every folio is written once,
    # 256 * 2^21 = 536,870,912 COW ops (+ 256 maps + 1 fork). At >= 286 bytes per op
    # (the smallest measured) that is over 140 GiB, more than any limit a test
    # machine has (the limit is half its RAM, and this box has far less than 280 GiB)
    argv = ["compare", "--workload", "cow", "--order", "21", "--folios", "256"]
    code, out, err, left, secs = run([*argv, "--procs", "4096"])
    assert code == 2 and out == "" and left == list(FIXTURES), (code, out, err)
    line = err.strip()
    assert len(line.splitlines()) == 1 and line.startswith("rmaplab compare: error: ")
    m = re.search(r"needs about ([\d.]+) GiB \(536,871,169 operations", line)
    assert m and float(m.group(1)) > 140, line
    lim = re.search(r"over the limit of ([\d.]+) GiB \(50% of this machine's ([\d.]+) GiB", line)
    assert lim and abs(float(lim.group(1)) - float(lim.group(2)) / 2) < 0.1, line
    assert "--max-memory" in line
    assert secs < 5


def test_compare_max_memory_raises_or_lowers_the_limit():
    # the default cow run (order 9, 4 folios: 4 * 512 + 5 ops) needs well under 1 GiB;
    # a 0.01 GiB limit refuses it, naming the limit as set by the option
    code, _, err, left, _ = run(["compare", "--workload", "cow", "--max-memory", "0.01"])
    assert code == 2 and "limit of 0.0 GiB (set by --max-memory)" in err, err
    assert left == list(FIXTURES)


def test_estimate_bounds_every_workload_it_generates():
    # the estimate is an upper bound on what make_workload builds, and not a loose one
    from rmaplab.budget import workload_size
    from rmaplab.workloads import SHAPES, WORKLOADS, make_workload

    for name in WORKLOADS:
        if name == "counterexample":
            continue
        for order, procs, folios in [(0, 1, 1), (3, 5, 3), (5, 9, 2)]:
            shapes = [{}]
            if name in SHAPES:
                shapes.append({"pte": 1, "lifetime": 3, "writes": 1, "depth": 3, "fanout": 3})
            for sh in shapes:
                ops = make_workload(name, order, procs, 7, folios, **sh)
                mms = {o[2] for o in ops} | {o[3] for o in ops if o[0] == "fork"}
                n_ops, n_mms = workload_size(name, order, procs, folios, sh)
                assert len(ops) <= n_ops <= 3 * len(ops) + 8, (name, order, procs, sh)
                assert len(mms) <= n_mms, (name, order, procs, sh)


@pytest.mark.parametrize(
    "argv, unit",
    [
        (["verify", "--order", "9"], "nodes"),
        (["design", "--id-bits", "31", "--word-bits", "64", "--max-order", "20"], "of 21 orders"),
        (["table-frontier", "--csv", "t.csv"], "of 15 cases"),
        # 64 folios of 2^14 pages: a million ops to generate, far past 1 ms
        (["compare", "--workload", "cow", "--order", "14", "--folios", "64"], "seconds"),
    ],
)
def test_max_seconds_stops_a_search_undecided(argv, unit):
    import rmaplab.cost
    import rmaplab.design
    import rmaplab.frontier_tables
    import rmaplab.verify

    rmaplab.verify._search.cache_clear()  # an earlier test's search would answer at once
    code, out, err, left, _ = run([*argv, "--max-seconds", "0.001"])
    assert code == 3, (code, out, err)
    assert out.startswith("undecided: stopped by the time limit after "), out
    assert unit in out.splitlines()[0] and len(out.splitlines()) == 1
    assert left == list(FIXTURES)  # no CSV: nothing decided is published


def test_max_seconds_json_says_undecided_in_a_field():
    code, out, _, _, _ = run(["verify", "--order", "9", "--json", "--max-seconds", "0.001"])
    doc = json.loads(out)
    assert code == 3 and doc["verdict"] == "undecided" and doc["unit"] == "nodes"
    assert doc["stopped"].startswith("undecided: stopped by the time limit after")
    assert doc["max_seconds"] == 0.001 and "min_mappings" not in doc


def test_progress_is_forced_on_stderr_never_on_json_stdout():
    small = ["design", "--id-bits", "8", "--word-bits", "16", "--max-order", "1"]
    code, out, err, _, _ = run([*small, "--json", "--progress"])
    assert code == 0 and "order" in err  # the bar counts orders on stderr
    json.loads(out)  # stdout is the document alone
    code, out, err, _, _ = run([*small, "--no-progress"])
    assert code == 0 and err == ""
