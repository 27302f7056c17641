"""rmaplab.design_cost: which C case measures a design row, and the table
built from the measurements.

The C loop itself is measured in benchmarks and tests/test_design.py; here
``update_words`` is replaced by a fixed table of nanoseconds, so every row,
minimum and ratio below is worked out by hand (tests do not time things).
"""

from __future__ import annotations

import pandas as pd
import pytest

from rmaplab import ConfigError
from rmaplab.design_cost import COLUMNS, bench_case_for, design_cost, design_cost_text
from rmaplab.export import MAIL_WIDTH


def row(fam: str, k: int, detail: str = "") -> dict:
    return {"encoding": fam, "values": k, "detail": detail}


@pytest.mark.parametrize(
    ("fam", "k", "detail", "addends", "want"),
    [
        # per-mm: K loaded adds, the same for every family: digits' case with K values
        ("table", 4, "", "per-mm", ("digits", 4)),
        ("raw-id", 1, "", "per-mm", ("digits", 1)),
        ("moments", 8, "", "per-mm", ("digits", 8)),  # the C loop's largest K
        ("digits", 9, "", "per-mm", None),  # beyond it
        ("digits", 0, "", "per-mm", None),
        # per-update: the family's own case
        ("digits", 3, "", "per-update", ("digits", 3)),
        ("digits", 1, "", "per-update", None),  # a 2**24-entry rmap_subids table
        ("table", 2, "", "per-update", ("table", 2)),
        ("table", 1, "", "per-update", None),
        ("moments", 2, "moments: sums of id^(1, 2)", "per-update", ("moments", 2)),
        ("moments", 3, "moments: sums of id^(1, 2, 3)", "per-update", None),
        ("moments", 4, "moments packed: 6-bit", "per-update", ("table-quadratic", 4)),
        ("hash64", 1, "", "per-update", None),
        ("bit-counters", 8, "", "per-update", None),
    ],
)
def test_bench_case_for(fam, k, detail, addends, want):
    assert bench_case_for(row(fam, k, detail), addends) == want


def _fake_loop(monkeypatch, ns: dict):
    """``update_words`` answers ``ns[(case, addends, threads)]``, 50 ns more on
    the first round (so "best of repeat" must take the later one)."""
    import rmaplab.atomics as atomics

    calls: list = []

    def update_words(case, threads, iters, path, addends):
        assert path == "atomic"
        first = all(c[:3] != (case, addends, threads) for c in calls)
        calls.append((case, addends, threads, iters))
        return {"ns_per_update": ns[(case, addends, threads)] + (50.0 if first else 0.0)}

    monkeypatch.setattr(atomics, "_case", lambda name, k: (name, k))
    monkeypatch.setattr(atomics, "update_words", update_words)
    return calls


def test_design_cost_rows_minimum_and_ratio_by_hand(monkeypatch):
    design = pd.DataFrame(
        [
            {"id_bits": 24, "word_bits": 64, "order": 9, "best": True, **row("digits", 3)},
            {"id_bits": 24, "word_bits": 64, "order": 9, "best": False, **row("table", 2)},
            {
                "id_bits": 31,
                "word_bits": 64,
                "order": 13,
                "best": True,
                **row("moments", 2, "moments: sums of id^(1, 2)"),
            },
            {"id_bits": 24, "word_bits": 64, "order": 15, "best": True, **row("table", 6)},
        ]
    )
    ns = {
        (("digits", 3), "per-mm", 1): 10.0,
        (("digits", 3), "per-update", 1): 14.0,
        (("digits", 2), "per-mm", 1): 8.0,
        (("moments", 2), "per-update", 1): 12.0,
        (("digits", 3), "per-mm", 2): 20.0,
        (("digits", 3), "per-update", 2): 30.0,
        (("digits", 2), "per-mm", 2): 15.0,
        (("moments", 2), "per-update", 2): 25.0,
    }
    calls = _fake_loop(monkeypatch, ns)
    df = design_cost(design, orders=(9, 13), threads=(1, 2), iters=7, repeat=2, progress=True)
    assert list(df.columns) == COLUMNS
    # 4 measured (case, addends) pairs x 2 thread counts x 2 rounds; order 15 not asked
    assert len(calls) == 16 and {c[3] for c in calls} == {7}
    got = [
        (
            r.order,
            r.encoding,
            r.addends,
            r.bench_case,
            r.threads,
            r.ns_per_update,
            r.ratio_vs_posted,
        )
        for r in df.itertuples()
    ]
    assert got == [
        (9, "digits", "per-mm", "digits K=3", 1, 10.0, 1.0),
        (9, "digits", "per-mm", "digits K=3", 2, 20.0, 1.0),
        (9, "digits", "per-update", "digits K=3", 1, 14.0, 1.4),
        (9, "digits", "per-update", "digits K=3", 2, 30.0, 1.5),
        (13, "moments", "per-mm", "digits K=2", 1, 8.0, 0.8),
        (13, "moments", "per-mm", "digits K=2", 2, 15.0, 0.75),
        (13, "moments", "per-update", "moments K=2", 1, 12.0, 1.2),
        (13, "moments", "per-update", "moments K=2", 2, 25.0, 1.25),
    ]
    assert df["id_bits"].tolist() == [24] * 4 + [31] * 4

    text = design_cost_text(df, {"cpu": "test cpu", "cores": 2, "cc": "cc 1", "loadavg_1min": 0.5})
    lines = text.splitlines()
    assert max(map(len, lines)) <= MAIL_WIDTH
    assert "24-bit ids, 64-bit words" in lines and "31-bit ids, 64-bit words" in lines
    assert "Machine: test cpu, 2 cores, cc 1, load 0.5." in " ".join(text.split())
    assert any(ln.split()[:2] == ["13", "moments"] and ln.split()[-1] == "1.25" for ln in lines)


def test_the_posted_reference_is_measured_even_when_no_row_uses_it(monkeypatch):
    design = pd.DataFrame(
        [{"id_bits": 16, "word_bits": 32, "order": 9, "best": True, **row("table", 2)}]
    )
    ns = {
        (("digits", 2), "per-mm", 1): 6.0,
        (("table", 2), "per-update", 1): 9.0,
        (("digits", 3), "per-mm", 1): 12.0,
    }
    calls = _fake_loop(monkeypatch, ns)
    df = design_cost(design, orders=(9,), repeat=2)
    assert {c[:2] for c in calls} == {(k, a) for k, a, _ in ns}
    assert df["ratio_vs_posted"].tolist() == [0.5, 0.75]
    assert "Machine" not in design_cost_text(df)


def test_an_order_the_design_table_lacks_is_refused():
    design = pd.DataFrame(
        [{"id_bits": 24, "word_bits": 64, "order": 9, "best": True, **row("digits", 3)}]
    )
    with pytest.raises(ConfigError, match=r"orders=\[12\]: the design table has no such order"):
        design_cost(design, orders=(12,))
