"""bench-microbench: the cover letter's micro-benchmarks as op mixes. The C
path of every design gives the counters and answers of the Python replay
(the C is checked here, never timed), the mixes have the stated shape, and
the CLI contract holds (fields, 72 columns, bad input)."""

from __future__ import annotations

import json

import pytest

from rmaplab import microbench as mb
from rmaplab.atomics import mm_ids
from rmaplab.cli import main
from rmaplab.microbench import BENCHMARKS, designs, mix_ops, replay_c, replay_python

DESIGNS = designs()
KEYS = ("page_mapcounts", "entire_mapcount", "large_mapcount", "slots", "maybe_shared")


def _paths(d):
    return [False, True] if d.case.design == mb.DESIGN_VALUES else [False]


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("bench", list(BENCHMARKS))
@pytest.mark.parametrize("design", DESIGNS, ids=[d.name for d in DESIGNS])
def test_c_path_equals_the_python_replay(design, bench, batched):
    setup, timed = mix_ops(bench, batched)
    want = replay_python(design.case, setup + timed)
    for plain in _paths(design):
        got = replay_c(design.case, setup, timed, 10, plain=plain)
        assert got["answers"] == want["answers"]
        st = got["state"]
        for key in (k for k in (*KEYS, "seq", "mapcount", "rmap_vals") if k in want):
            w = want[key]
            if key == "slots":
                w = [tuple(s) for s in w]
            if key == "rmap_vals":
                st_key = st[key][: len(w)]
                assert st_key == w, key
            else:
                assert st[key] == w, key


def test_the_comparison_is_sensitive():
    # another mm's addends (a wrong id) change the values the replay predicts
    d3 = next(d for d in DESIGNS if d.name == "digits K=3")
    setup, timed = mix_ops("cow-reuse")  # A alone maps the folio at the end
    got = replay_c(d3.case, setup, timed, 10)["state"]["rmap_vals"][:3]
    swapped = [(k, 1 - m, f, n) for k, m, f, n in setup + timed]
    assert replay_python(d3.case, swapped)["rmap_vals"][:3] != got


def test_mixes_by_hand():
    P = 512
    for b in BENCHMARKS:
        _setup, timed = mix_ops(b)
        assert len(timed) == (P + 1 if b == "remap" else P)
    # batched: one op per run, except dontneed (one madvise per page) and the faults
    assert len(mix_ops("munmap", True)[1]) == 1
    assert len(mix_ops("remap", True)[1]) == 2
    assert len(mix_ops("dontneed", True)[1]) == P
    assert len(mix_ops("cow", True)[1]) == P
    assert mix_ops("cow-byte") == mix_ops("cow")


def test_answers_by_hand():
    by = {d.name: d for d in DESIGNS}
    setup, timed = mix_ops("cow-reuse")
    n = len(setup)
    # the child has gone: every design but legacy knows A alone maps it
    for name in ("6.15 mm-owner", "digits K=3", "digits K=6", "moments K=2"):
        ans = replay_c(by[name].case, setup, timed, 10)["answers"][n:]
        assert ans == [0] * 512, name
    assert replay_c(by["legacy"].case, setup, timed, 10)["answers"][n:] == [1] * 512
    # with the child alive every design copies; after the copies only B maps
    setup, timed = mix_ops("cow")
    a, b = mm_ids(1)[0][:2]
    r = replay_c(by["6.15 mm-owner"].case, setup, timed, 10)
    assert r["answers"][len(setup) :] == [1] * 512
    st = r["state"]
    # A's slot freed by its last copy; the bit cleared (B's count = total)
    assert st["slots"] == [(0, 0), (b, 512)] and st["large_mapcount"] == 512
    assert not st["maybe_shared"]
    # fork: A and B hold both slots, the bit is set, 1024 mappings
    setup, timed = mix_ops("fork")
    st = replay_c(by["6.15 mm-owner"].case, setup, timed, 10)["state"]
    assert st["slots"] == [(a, 512), (b, 512)] and st["maybe_shared"]
    assert st["page_mapcounts"] == [2] * 512


def test_cli_json_fields(capsys):
    assert main(["bench-microbench", "--reps", "10", "--repeat", "1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    need = {"benchmark", "design", "ns", "ratio_to_legacy", "published_pct"}
    assert all(need <= set(r) for r in rows)
    assert {r["benchmark"] for r in rows} == set(BENCHMARKS)
    assert {r["design"] for r in rows} == {d.name for d in DESIGNS}
    assert all(r["ratio_to_legacy"] == 1.0 for r in rows if r["design"] == "legacy")
    pub = [r for r in rows if r["published_pct"] is not None]
    # the series' first full stage: digits K=3, every update atomic, per PTE
    assert {(r["design"], r["path"], r["published_stage"]) for r in pub} == {
        ("digits K=3", "atomic", "rmap-id")
    }
    fork = next(r for r in pub if r["benchmark"] == "fork")
    assert fork["published_pct"] == 105.9 and fork["published_pct_amd"] == 27.9


def test_cli_text_fits_mail(capsys):
    assert main(["bench-microbench", "--reps", "10", "--repeat", "1", "--batched"]) == 0
    out = capsys.readouterr().out
    assert max(map(len, out.splitlines())) <= 72
    flat = " ".join(out.split())
    assert "not the kernel" in flat and "contention" in flat and "stage 'batch'" in flat


def test_cli_limits_match_the_module():
    from rmaplab.cli import build_parser

    sub = build_parser("bench-microbench")._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    acts = {a.dest: a for a in sub["bench-microbench"]._actions}
    assert acts["reps"].type.bounds == (mb.MIN_REPS, mb.MAX_REPS)
    assert acts["repeat"].type.bounds == (1, mb.MAX_REPEAT)


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--reps", "5"], "--reps=5 is out of range: allowed [10, 100000]"),
        (["--repeat", "0"], "--repeat=0 is out of range: allowed [1, 50]"),
    ],
)
def test_cli_bad_input(capsys, argv, match):
    assert main(["bench-microbench", *argv]) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1
