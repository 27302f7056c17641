"""bench-atomics per encoding: the C loops compute what the Python-int model
says (the C is checked for correctness here, never timed), and the CLI
contract (fields, defaults, errors, 72 columns)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from rmaplab import atomics
from rmaplab.atomics import (
    ADDENDS,
    ENCODINGS,
    addends_python,
    bench_atomics,
    bench_cases,
    check_words,
    mm_ids,
    quadratic_shift,
    update_words,
    update_words_python,
)
from rmaplab.cli import main
from rmaplab.config import DEFAULT_CONFIG
from rmaplab.subid import mm_subids

ALL_CASES = bench_cases(list(ENCODINGS))
CASE_IDS = [f"{c.encoding}-K{c.nr_values}" for c in ALL_CASES]


def test_cases_are_the_asked_families():
    got = {(c.encoding, c.nr_values, c.bits) for c in ALL_CASES}
    assert got == {
        ("digits", 3, 8),
        ("digits", 4, 6),
        ("digits", 6, 4),
        ("moments", 2, 24),
        ("table-quadratic", 3, 8),
        ("table-quadratic", 2, 12),
        ("table", 3, 8),
        ("table", 2, 12),
    }


@pytest.mark.parametrize("case", ALL_CASES, ids=CASE_IDS)
@pytest.mark.parametrize("addends", ADDENDS)
@pytest.mark.parametrize("threads, path", [(1, "atomic"), (2, "atomic"), (1, "plain")])
def test_c_final_words_equal_the_python_model(case, addends, threads, path):
    # 2999: an odd count ends on a map, and wraps the 64-mm cycle unevenly
    iters = 2999
    got = update_words(case, threads, iters, path, addends)
    want = update_words_python(case, threads, iters)
    assert got["rmap_vals"] == want["rmap_vals"]
    assert (got["seq"], got["mapcount"]) == (want["seq"], want["mapcount"])
    assert any(want["rmap_vals"]), "the op sequence must leave non-zero words"


@pytest.mark.parametrize("k", range(1, 9))
def test_todays_digits_k1_to_k8_per_mm(k):
    # the default run (no --encodings): every K with sub-IDs cached per mm
    (case,) = bench_cases(["digits"], [k])
    for threads in (1, 2):
        got = update_words(case, threads, 2999, "atomic", "per-mm")
        assert got["rmap_vals"] == update_words_python(case, threads, 2999)["rmap_vals"]


@pytest.mark.parametrize("k, order", [(3, 9), (4, 10), (6, 13)])
def test_digits_addends_are_the_posted_subids(k, order):
    (case,) = bench_cases(["digits"], [k])
    assert DEFAULT_CONFIG.group_for(order).nr_values == k
    for mm_id in [*mm_ids(1)[0][:16], 1, (1 << 24) - 1]:
        assert addends_python(case, mm_id) == mm_subids(DEFAULT_CONFIG, order, mm_id)


def test_python_addends_by_hand():
    x = 0xABCDEF
    (mo,) = bench_cases(["moments"])
    assert addends_python(mo, x) == [x, x * x]
    tq3, tq2 = bench_cases(["table-quadratic"])
    k3, k2 = tq3.shift, tq2.shift
    assert addends_python(tq3, x) == [s + (s * s << k3) for s in (0xEF, 0xCD, 0xAB)]
    assert addends_python(tq2, x) == [s + (s * s << k2) for s in (0xDEF, 0xABC)]
    t3, t2 = bench_cases(["table"])
    assert (len(t3.table), len(t2.table)) == (256, 4096)
    assert addends_python(t3, x) == [t3.table[s] for s in (0xEF, 0xCD, 0xAB)]


def test_the_comparison_is_sensitive():
    # a model with another shift or table disagrees with the C loop
    tq3 = bench_cases(["table-quadratic"])[0]
    got = update_words(tq3, 1, 2999, "atomic", "per-update")["rmap_vals"]
    other = dataclasses.replace(tq3, shift=tq3.shift + 1)
    assert update_words_python(other, 1, 2999)["rmap_vals"] != got
    t3 = bench_cases(["table"])[0]
    got = update_words(t3, 1, 2999, "atomic", "per-mm")["rmap_vals"]
    swapped = dataclasses.replace(t3, table=(t3.table[1], t3.table[0], *t3.table[2:]))
    assert update_words_python(swapped, 1, 2999)["rmap_vals"] != got


@pytest.mark.parametrize("bits, pages", [(8, 1052689), (12, 16389)])
def test_quadratic_shift_is_the_certified_one(bits, pages):
    # the convex-position certificate: (P-1)*smax < 2**k, (P-1)*smax**2 < 2**(64-k)
    k, smax = quadratic_shift(bits), (1 << bits) - 1
    assert (pages - 1) * smax < 1 << k and (pages - 1) * smax**2 < 1 << (64 - k)
    assert pages * smax >= 1 << k or pages * smax**2 >= 1 << (64 - k)


def test_mm_ids_are_valid_rmap_ids():
    ids = mm_ids(2)
    assert [len(t) for t in ids] == [atomics.NR_MMS] * 2
    flat = ids[0] + ids[1]
    assert len(set(flat)) == len(flat)
    assert all(1 <= i < 1 << 24 for i in flat)


def test_default_is_todays_benchmark():
    df = bench_atomics(nr_values=[3, 6], threads=[1], iters=1000, repeat=1)
    assert set(df["encoding"]) == {"digits"} and set(df["addends"]) == {"per-mm"}
    assert {"values", "threads", "path", "ns_per_update", "ratio_vs_k3"} <= set(df.columns)
    assert len(df) == 4
    assert (df.loc[df["values"] == 3, "ratio_vs_k3"] == 1.0).all()


def test_concurrent_runs_are_counted():
    df = bench_atomics(nr_values=[3], threads=[1, 2], iters=1000, repeat=1, concurrent_tries=4)
    one, two = df[df["threads"] == 1], df[df["threads"] == 2]
    assert (one["concurrent_tries"] == 0).all() and one["concurrent_ns_per_update"].isna().all()
    assert two["concurrent_tries"].between(1, 4).all()
    assert (two["concurrent_runs"] <= two["concurrent_tries"]).all()
    # a row has a concurrent figure exactly when some run was concurrent
    assert (two["concurrent_ns_per_update"].notna() == (two["concurrent_runs"] > 0)).all()


def test_cli_encodings_json(capsys):
    argv = ["bench-atomics", "--encodings", "digits,moments,table-quadratic,table"]
    argv += ["--threads", "1", "--iters", "1000", "--repeat", "1", "--json"]
    argv += ["--concurrent-tries", "0"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert "loadavg_1min" in out["machine"]
    rows = out["rows"]
    want = {
        (c.encoding, c.nr_values, a, p)
        for c in ALL_CASES
        for a in ADDENDS
        for p in ("atomic", "plain")
    }
    assert {(r["encoding"], r["values"], r["addends"], r["path"]) for r in rows} == want
    old = {"values", "threads", "path", "ns_per_update", "ratio_vs_k3"}
    assert all(old | {"encoding", "bits", "addends"} <= set(r) for r in rows)
    assert all(r["ns_per_update"] > 0 for r in rows)
    base = [
        r for r in rows if (r["encoding"], r["values"], r["addends"]) == ("digits", 3, "per-mm")
    ]
    assert [r["ratio_vs_k3"] for r in base] == [1.0, 1.0]


def test_cli_encodings_text_fits_mail(capsys):
    argv = ["bench-atomics", "--encodings", "moments,table-quadratic,digits", "--values", "3"]
    argv += ["--threads", "1,2", "--iters", "1000", "--repeat", "1", "--concurrent-tries", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert max(map(len, out.splitlines())) <= 72
    assert "whose threads were on 2 CPUs at once" in " ".join(out.split())
    assert "table-quadratic" in out and "per-update" in out
    assert "ratio against digits K = 3, per-mm" in out


@pytest.mark.parametrize(
    "argv, match",
    [
        (
            ["--encodings", "digits,pdep"],
            "--encodings='digits,pdep': 'pdep' is not allowed: allowed a comma-separated list "
            "of digits, moments, table-quadratic, table, mm-owner, legacy",
        ),
        (
            ["--encodings", "moments", "--addends", "lazy"],
            "--addends='lazy': 'lazy' is not allowed",
        ),
        (
            ["--encodings", "digits", "--values", "1", "--addends", "per-update"],
            "values=1 with addends per-update",
        ),
        (["--repeat", "0"], "--repeat=0 is out of range: allowed [1, 50]"),
        (
            ["--concurrent-tries", "1e5"],
            "--concurrent-tries=1e5 is out of range: allowed [0, 10000]",
        ),
        (["--encodings", "table", "--iters", "10"], "iters=10 is out of range"),
    ],
)
def test_cli_bad_input(capsys, argv, match):
    assert main(["bench-atomics", *argv]) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1


# -- the schemes' cases: 6.15 MM-owner tracking and legacy per-page mapcounts --

OWNER, LEGACY = bench_cases(["mm-owner", "legacy"])


def test_scheme_cases_have_no_values():
    assert (OWNER.nr_values, LEGACY.nr_values) == (0, 0)
    assert {OWNER.encoding, LEGACY.encoding} == set(atomics.SCHEME_BENCH)
    assert set(atomics.CASES) == set(ENCODINGS) | {"mm-owner", "legacy"}


@pytest.mark.parametrize("iters", [1, 2, 2999, 5000])
def test_mm_owner_one_thread_equals_the_model_of_the_merged_code(iters):
    got = update_words(OWNER, 1, iters)["state"]
    want = update_words_python(OWNER, 1, iters)
    assert got["large_mapcount"] == want["large_mapcount"]
    assert got["slots"] == [tuple(s) for s in want["slots"]]
    assert got["maybe_shared"] == want["maybe_shared"]
    assert not got["locked"]


def test_mm_owner_by_hand_first_ops():
    # op 0: mm[0] maps 1 page (slot 0, alone: bit clear); op 1: mm[1] unmaps 1
    # page it never mapped (no slot: only the total moves, to 0; free slot 1
    # counts 0 = the total, so the bit is cleared: it was clear already)
    ids = mm_ids(1)[0]
    st = update_words(OWNER, 1, 1)["state"]
    assert st["slots"] == [(ids[0], 1), (0, 0)] and st["large_mapcount"] == 1
    assert not st["maybe_shared"]
    st = update_words(OWNER, 1, 3)["state"]
    # op 2: mm[2] maps 2 pages: slot 1, others map the folio: the bit is set
    assert st["slots"] == [(ids[0], 1), (ids[2], 2)] and st["large_mapcount"] == 2
    assert st["maybe_shared"]


def test_mm_owner_two_threads_keep_the_total_and_valid_slots():
    got = update_words(OWNER, 2, 2999)["state"]
    assert got["large_mapcount"] == update_words_python(OWNER, 2, 2999)["large_mapcount"]
    ids = {i for t in mm_ids(2) for i in t} | {0}
    assert all(i in ids for i, _ in got["slots"]) and not got["locked"]


@pytest.mark.parametrize("threads", [1, 2])
def test_legacy_page_mapcounts_equal_the_model(threads):
    got = update_words(LEGACY, threads, 2999)["state"]["page_mapcounts"]
    want = update_words_python(LEGACY, threads, 2999)["page_mapcounts"]
    assert got == want and any(want)


@pytest.mark.parametrize("case", [OWNER, LEGACY, *ALL_CASES[:2]], ids=lambda c: c.encoding)
@pytest.mark.parametrize("threads", [1, 2])
def test_checks_answer_exclusive_for_the_lone_mapper(case, threads):
    r = check_words(case, threads, 1000)
    assert r["shared"] == 0 and r["checks"] == 1000 * threads and r["ns_per_check"] > 0


def test_schemes_have_no_exclusive_writer_path():
    with pytest.raises(atomics.ConfigError, match="no exclusive-writer path"):
        update_words(OWNER, 1, 1000, "plain")


def test_cli_mm_owner_row(capsys):
    argv = ["bench-atomics", "--encodings", "mm-owner,digits,moments,legacy", "--values", "3,6"]
    argv += ["--threads", "1", "--iters", "1000", "--repeat", "1", "--json"]
    assert main([*argv, "--concurrent-tries", "0"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    got = {(r["encoding"], r["values"], r["addends"], r["path"]) for r in rows}
    assert ("mm-owner", 0, "per-mm", "atomic") in got
    assert ("legacy", 0, "per-mm", "atomic") in got
    assert not {g for g in got if g[0] in ("mm-owner", "legacy") and g[3] == "plain"}
    assert {(e, k) for e, k, _, _ in got} >= {("digits", 3), ("digits", 6), ("moments", 2)}
    assert all(r["ns_per_check"] > 0 and r["ns_per_update"] > 0 for r in rows)
