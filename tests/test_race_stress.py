"""``race-stress``'s overlap figures (issue 17 item 5) and its input checks.

The C reader's verdict on a snapshot is compared with a model on Python ints;
the threaded runs are checked for their fields and the identities between them,
never for speed or for how much the threads happened to overlap (except where
physics fixes it: threads pinned to one CPU cannot run at once)."""

import json
from itertools import product

import pytest

from rmaplab.cli import main
from rmaplab.config import DEFAULT_CONFIG, ConfigError
from rmaplab.export import check_width
from rmaplab.race_stress import (
    PINS,
    PLACEMENT,
    STRESS_SETUPS,
    classify,
    parse_protocols,
    stress,
    stress_text,
)
from rmaplab.subid import mm_subids

MASK = (1 << 64) - 1


def _model(values, writers, n, words):
    """__folio_large_mapped_shared for mm X on (mapcount n, words), and whether no folio
    state has these words: states are 2 + m pages (mm X, mm B and m writers' pages for
    mm C, 0 <= m <= writers) with values X + B + m C, unsigned 64-bit."""
    order, x, b, c = STRESS_SETUPS[values]
    sx, sb, sc = (mm_subids(DEFAULT_CONFIG, order, m) for m in (x, b, c))
    shared = n > 1 << order or any(w != (n * a) & MASK for w, a in zip(words, sx, strict=True))
    m = n - 2
    whole = 0 <= m <= writers and all(
        w == (p + q + m * r) & MASK for w, p, q, r in zip(words, sx, sb, sc, strict=True)
    )
    return shared, not whole


def _snapshots(values, writers):
    """Mapcounts of every state and one past each end, paired with the words of every
    state, of every state's neighbours in each word, and with words of n * X (what an
    'exclusive' answer needs)."""
    order, x, b, c = STRESS_SETUPS[values]
    sx, sb, sc = (mm_subids(DEFAULT_CONFIG, order, m) for m in (x, b, c))
    states = [
        [(p + q + m * r) & MASK for p, q, r in zip(sx, sb, sc, strict=True)]
        for m in range(writers + 2)
    ]
    words = [list(w) for w in states]
    for w in states:
        for i in range(values):
            for d in (-1, 1):
                v = list(w)
                v[i] = (v[i] + d) & MASK
                words.append(v)
    counts = [*range(writers + 5), (1 << order) + 1]
    words += [[(n * a) & MASK for a in sx] for n in counts]
    return product(counts, words)


@pytest.mark.parametrize("values,writers", [(1, 1), (1, 4), (2, 2), (3, 3)])
def test_c_reader_verdict_matches_the_python_model(values, writers):
    seen = set()
    for n, words in _snapshots(values, writers):
        got = classify(values, writers, n, words)
        assert got == _model(values, writers, n, words), (n, words)
        seen.add(got)
    # the grid reaches whole states, torn ones, and torn 'exclusive' answers
    assert (True, False) in seen and (True, True) in seen and (False, True) in seen


@pytest.mark.parametrize("values,writers", [(1, 1), (1, 4), (2, 4), (3, 4)])
def test_every_false_exclusive_is_a_torn_read(values, writers):
    """In every state the folio can be in, mm X's check answers shared (the truth):
    so the run's false exclusives are all torn answers (false_exclusive <= torn)."""
    order, x, b, c = STRESS_SETUPS[values]
    sx, sb, sc = (mm_subids(DEFAULT_CONFIG, order, m) for m in (x, b, c))
    for m in range(writers + 1):
        words = [(p + q + m * r) & MASK for p, q, r in zip(sx, sb, sc, strict=True)]
        assert _model(values, writers, 2 + m, words) == (True, False)
        assert classify(values, writers, 2 + m, words) == (True, False)


def _check_row(r, seconds_max):
    assert r["torn_frozen"] + r["torn_moving"] == r["torn"]
    assert r["false_exclusive_frozen"] + r["false_exclusive_moving"] == r["false_exclusive"]
    assert 0 <= r["false_exclusive"] <= r["torn"]
    assert 0 <= r["value_changes"] <= r["checks"]
    assert r["change_share"] == pytest.approx(r["value_changes"] / r["checks"])
    assert 0 <= r["cpu_share"] <= 1.05  # CPU time cannot exceed wall x threads
    assert 0 <= r["reader_cpu_s"] <= 1.05 * r["seconds"] + 0.01
    assert 0 <= r["overlap_s"] <= min(r["reader_cpu_s"], r["writer_cpu_s"]) + 1e-9
    # overlap is decided on the unrounded times; the JSON rounds overlap_s and
    # seconds, so within a millisecond of the 10% line either answer is right
    margin = r["overlap_s"] - 0.1 * r["seconds"]
    if abs(margin) > 0.001:
        assert r["overlap"] == (margin > 0)
    assert r["seconds"] <= seconds_max
    assert r["placement"] in PLACEMENT.values() and r["cpus"] >= 1


def test_stress_overlap_fields_and_their_identities():
    df = stress(("seqcount", "none"), seconds=0.2)
    rows = {r["protocol"]: r for r in df.to_dict(orient="records")}
    for r in rows.values():
        _check_row(r, 5.0)
        assert r["pin"] == "spread"
    # the seqcount returns no torn answer: every torn read it saw, it retried
    assert rows["seqcount"]["torn"] == 0 and rows["seqcount"]["false_exclusive"] == 0
    assert rows["none"]["torn_caught"] == 0 and rows["none"]["retries"] == 0
    cpus = rows["none"]["cpus"]
    if cpus >= 2:  # pinning refused (a container): "not pinned"
        assert rows["none"]["placement"] in (PLACEMENT[1], PLACEMENT[0])


def test_threads_pinned_to_one_cpu_show_no_overlap():
    """On one CPU the threads can only take turns, so the reader's and the writer's CPU
    times add up to at most the wall time: the run must say "no real overlap" and give
    no rate (whatever the machine)."""
    df = stress(("none",), seconds=0.2, pin="one")
    r = df.to_dict(orient="records")[0]
    _check_row(r, 5.0)
    if r["placement"] != PLACEMENT[2]:
        pytest.skip(f"pinning refused here: {r['placement']}")
    assert r["overlap"] is False
    text = stress_text(df, {"cpu": "x", "arch": "y", "cores": 1, "cc": "cc"}, 0.2, 1, 1)
    check_width(text)
    assert "NO REAL OVERLAP" in text and "no rate is given" in text.lower()
    assert "parallel races on this machine" not in text


def test_text_labels_frozen_torn_reads_as_no_parallel_race():
    """The text from rows as a run gives them: an overlapping run prints its moving rate
    as parallel races and its frozen ones apart; a run without overlap prints no rate."""
    base = stress(("none",), seconds=0.05).iloc[0].to_dict()
    info = {"cpu": "x", "arch": "y", "cores": 2, "cc": "cc", "loadavg_1min": 0.1}
    import pandas as pd

    over = base | {
        "overlap": True,
        "overlap_s": 1.9,
        "seconds": 2.0,
        "false_exclusive": 30,
        "false_exclusive_frozen": 20,
        "false_exclusive_moving": 10,
        "false_exclusive_moving_per_s": 5.0,
        "torn_moving_per_s": 7.0,
    }
    text = stress_text(pd.DataFrame([over]), info, 2.0, 1, 1)
    check_width(text)
    text = " ".join(text.split())
    assert "5 false exclusives/s with the writer moving (parallel races" in text
    assert "20 more re-read a frozen writer's torn words: not parallel races" in text
    none = over | {"overlap": False, "overlap_s": 0.0}
    text = " ".join(stress_text(pd.DataFrame([none]), info, 2.0, 1, 1).split())
    assert "NO REAL OVERLAP" in text and "/s with the writer" not in text
    assert "30 false exclusives (20 frozen, 10 moving)" in text


def test_stress_refuses_bad_input():
    with pytest.raises(ConfigError, match=r"protocols=\[\] names no protocol"):
        stress(())
    with pytest.raises(ConfigError, match="pin='x' is unknown: allowed spread, one, none"):
        stress(pin="x")
    with pytest.raises(ConfigError, match="protocols=',' names no protocol: allowed"):
        parse_protocols(",")
    assert parse_protocols(" none,seqcount,none") == ["none", "seqcount"]
    assert list(PINS) == ["spread", "one", "none"]


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["--protocols", ""], "--protocols='': '' is not allowed: allowed a comma-separated"),
        (["--protocols", ","], "--protocols=','"),
        (["--pin", "x"], "--pin='x' is unknown: allowed spread, one, none"),
        (
            ["--values", "1-99999999999"],
            "--values='1-99999999999' is not an integer: allowed [1, 3]",
        ),
    ],
)
def test_cli_race_stress_bad_input_one_line_exit_2(capsys, argv, msg):
    assert main(["race-stress", *argv]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    err = cap.err.strip()
    assert len(err.splitlines()) == 1 and msg in err and "allowed" in err


def test_cli_race_stress_json_keeps_its_fields_and_adds_the_overlap(capsys):
    assert main(["race-stress", "--seconds", "0.05", "--protocols", "none", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    (row,) = d["rows"]
    old = (
        "protocol values writers seconds checks false_exclusive retries spins writer_ops "
        "excl_ops lost_mapcount values_off checks_per_s false_exclusive_per_s retries_per_s"
    )
    new = "cpu_share torn torn_frozen torn_moving overlap overlap_s change_share placement"
    for k in (old + " " + new).split():
        assert k in row, k
    _check_row(row, 5.0)


def test_frozen_window_is_the_c_programs():
    import re

    from rmaplab._data import c_source
    from rmaplab.race_stress import FROZEN_US, SOURCE

    with c_source(SOURCE) as src:
        text = src.read_text()
    assert int(re.search(r"#define FROZEN_NS (\d+)", text).group(1)) == FROZEN_US * 1000


def test_readme_does_not_sell_frozen_torn_reads_as_a_rate():
    from paths import ROOT

    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "without it millions per second" not in readme
    assert "prints no rate where the threads did not overlap" in readme
