"""The LKMM litmus tests rmaplab writes, and herd7's verdict on each.

herd7 is found through RMAPLAB_HERD7 or ``herd7`` on PATH, the LKMM files through
RMAPLAB_LKMM or ``lkmm`` beside herd7's ``bin`` (../shared/tools/build-herd7.sh's
layout). Without herd7 the herd7 tests skip, saying how to get it; with
RMAPLAB_REQUIRE_HERD7=1 (CI) they fail instead.

Expected numbers, by hand: scenario 3mm-1w with K = 1 has sub-IDs id 1 -> 1,
id 2 -> 5, id 3 -> 6; mm3 and mm1 map a page each (mapcount 2, value 7); the
writer maps a page for mm2 (value += 5 -> 12 = 2 * 6, the torn match). The
posted word: shared writers count in bits 0..15, EXCL = 1 << 16 = 65536, one
write section advances it by STEP = 1 << 17 = 131072.
"""

import json
import os

import pytest

from rmaplab.cli import main
from rmaplab.export import check_width
from rmaplab.race import litmus
from rmaplab.race.herd import HOW_TO_GET_HERD7, find_herd7, find_lkmm, parse_herd7, run_herd7

TESTS = litmus.all_tests()
BY_NAME = {t.name: t for t in TESTS}


@pytest.fixture(scope="module")
def herd():
    h = find_herd7()
    lk = find_lkmm(h) if h else None
    if h is None or lk is None:
        msg = HOW_TO_GET_HERD7 if h is None else f"LKMM files not found for {h}"
        if os.environ.get("RMAPLAB_REQUIRE_HERD7") == "1":
            pytest.fail("RMAPLAB_REQUIRE_HERD7=1 but " + msg)
        pytest.skip(msg)
    return h, lk


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from rmaplab.race.herd import write_tests

    out = tmp_path_factory.mktemp("litmus")
    write_tests(out)
    return out


# -- generation --------------------------------------------------------------------


def test_at_least_eight_tests_each_with_a_verdict_and_a_reason():
    assert len(TESTS) >= 8 and len(BY_NAME) == len(TESTS)
    for t in TESTS:
        assert t.expected in ("Never", "Sometimes", "Always")
        assert 10 < len(t.why) <= 72


def test_the_writer_body_comes_from_the_model():
    shared = BY_NAME["rmap-seqcount-shared-writer"].text()
    assert "atomic_t mapcount = ATOMIC_INIT(2);" in shared
    assert "atomic_t val = ATOMIC_INIT(7);" in shared
    assert "atomic_inc(mapcount);" in shared and "atomic_add(5, val);" in shared
    assert "atomic_add(131071, seq);" in shared  # end: STEP - 1
    excl = BY_NAME["rmap-seqcount-excl-writer-cmpxchg"].text()
    assert "atomic_cmpxchg(seq, 0, 65536)" in excl
    assert "atomic_set(val, r8 + 5);" in excl and "atomic_add(65536, seq);" in excl
    # the torn pair: mapcount 2 before the map, value 12 = 2 * subid(mm3) after it
    assert "1:r1=2 /\\ 1:r2=12" in shared


def test_each_variant_leaves_out_exactly_its_barrier():
    base = BY_NAME["rmap-seqcount-shared-writer"].text()
    assert base.count("smp_rmb();") == 2
    assert base.count("smp_mb__before_atomic();") == 1
    assert "smp_mb__after_atomic" not in BY_NAME["rmap-seqcount-shared-no-begin-barrier"].text()
    assert "smp_mb__before_atomic" not in BY_NAME["rmap-seqcount-shared-no-end-barrier"].text()
    assert "smp_mb__before_atomic" not in BY_NAME["rmap-seqcount-excl-no-end-barrier"].text()
    assert BY_NAME["rmap-seqcount-reader-no-first-rmb"].text().count("smp_rmb();") == 1
    assert "atomic_cmpxchg_relaxed(" in BY_NAME["rmap-seqcount-excl-writer-cmpxchg-relaxed"].text()
    assert (
        "atomic_cmpxchg_acquire(" in BY_NAME["rmap-seqcount-excl-writer-try-cmpxchg-acquire"].text()
    )


def test_mm_owner_test_is_the_bit_lock_pattern():
    t = BY_NAME["rmap-mm-owner-unlocked-reader"].text()
    # mm1 maps a page (total 1, bit clear); mm2 maps one under the lock: total 2,
    # the shared bit (bit 1 of the word: 2) set; the reader loads both unlocked
    assert "atomic_t total = ATOMIC_INIT(1);" in t and "atomic_t ids = ATOMIC_INIT(0);" in t
    body = t[t.index("P0(") : t.index("P1(")]
    assert body.index("spin_lock(bitlock);") < body.index("atomic_set(total, 2);")
    assert body.index("atomic_set(ids, 2);") < body.index("spin_unlock(bitlock);")
    reader = t[t.index("P1(") :]
    assert "spin_lock" not in reader and "r2 = atomic_read(ids);" in reader


def test_sc_interpreter_sees_the_torn_read_only_without_a_seqcount():
    for t in TESTS:
        states, hit = litmus.sc_outcomes(t)
        # the unlocked 6.15 reader takes no snapshot either, even under SC
        sc_torn = ("rmap-seqcount-no-seqcount", "rmap-mm-owner-unlocked-reader")
        assert hit == (t.name in sc_torn), t.name
        assert states
    # without a seqcount, under SC, the reader's (mapcount, value) pair may be any of
    # old/new x old/new: each load may come before or after the matching update
    states, _ = litmus.sc_outcomes(BY_NAME["rmap-seqcount-no-seqcount"])
    assert {tuple(v for _, v in s) for s in states} == {(2, 7), (2, 12), (3, 7), (3, 12)}


def test_parse_herd7_reads_verdict_and_states():
    out = (
        "Test x Allowed\nStates 2\n1:r0=0; 1:r1=2;\n1:r0=1; 1:r1=3;\nOk\nWitnesses\n"
        "Positive: 1 Negative: 1\nCondition exists (1:r0=1)\nObservation x Sometimes 1 1\n"
    )
    got = parse_herd7(out)
    assert got["verdict"] == "Sometimes" and got["positive"] == 1
    assert got["states"] == {(("r0", 0), ("r1", 2)), (("r0", 1), ("r1", 3))}
    with pytest.raises(RuntimeError, match="no Observation"):
        parse_herd7("garbage")


# -- herd7 -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BY_NAME))
def test_herd7_gives_the_expected_verdict(herd, written, name):
    h, lk = herd
    expected, why = (written / f"{name}.expected").read_text().splitlines()
    got = run_herd7(written / f"{name}.litmus", h, lk)
    assert got["verdict"] == expected, why
    # herd7 keeps every sequentially consistent outcome; weak memory may add some
    sc, _ = litmus.sc_outcomes(BY_NAME[name])
    assert sc <= got["states"]
    bad = [dict((r, v) for _, r, v in conj) for conj in BY_NAME[name].exists]
    seen = [dict(s) for s in got["states"]]
    assert any(all(s.get(r) == v for r, v in b.items()) for b in bad for s in seen) == (
        expected != "Never"
    )


def test_cli_litmus_runs_herd7_json_and_table(herd, tmp_path, capsys):
    h, lk = herd
    d = tmp_path / "lit"
    assert main(["race", "--litmus", str(d), "--herd7", h, "--lkmm", lk, "--json"]) == 0
    recs = json.loads(capsys.readouterr().out)["tests"]
    assert len(recs) >= 8
    for r in recs:
        assert {"name", "expected", "herd7", "agree"} <= set(r)
        assert r["agree"] is True and r["herd7"] == r["expected"]
    by = {r["name"]: r["herd7"] for r in recs}
    assert by["rmap-seqcount-excl-writer-cmpxchg-relaxed"] == "Sometimes"
    assert by["rmap-seqcount-excl-writer-cmpxchg"] == "Never"
    assert main(["race", "--litmus", str(d), "--herd7", h, "--lkmm", lk]) == 0
    out = capsys.readouterr().out
    # the folder's path is the user's (pytest's tmp path here): only the rest must fit
    check_width(out.replace(str(d), "DIR"))
    assert "test" in out and "agree" in out and f"{len(recs)} of {len(recs)} agree" in out


# -- bad input ---------------------------------------------------------------------


def test_cli_litmus_refuses_bad_targets_before_writing(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    assert main(["race", "--litmus", str(f)]) == 2
    assert "is an existing file" in capsys.readouterr().err
    assert main(["race", "--litmus", str(f / "sub")]) == 2
    assert "cannot write there" in capsys.readouterr().err
    d = tmp_path / "new"
    assert main(["race", "--litmus", str(d), "--herd7", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "herd7=" in err and "build-herd7.sh" in err and len(err.strip().splitlines()) == 1
    assert not d.exists()
    assert main(["race", "--litmus", str(d), "--lkmm", str(tmp_path)]) == 2
    assert not d.exists()
