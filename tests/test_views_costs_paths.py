"""The cost views the report and notebook 03 draw (atomics model, trade-off,
cheapest safe K), each against facts derived here: the cover letter's
microbenchmark CSV read raw, the posting's 71-mapping counterexample, and the
carry-free rule (2^order + 1)^B <= 2^64 written from its definition."""

import csv
from importlib.resources import files

import pytest

from rmaplab.views import Params, view


def _raw_microbench():
    text = files("rmaplab").joinpath("data/coverletter_microbench.csv").read_text()
    return {(r["cpu"], r["stage"]): r for r in csv.DictReader(text.splitlines())}


def test_atomics_model_view_is_the_cover_letter_arithmetic():
    raw = _raw_microbench()
    v = view("atomics_model")
    df = v.frame(Params())
    assert len(df) == 4  # 2 cpus x (fork, munmap)
    for r in df.itertuples():
        one = float(raw[(r.cpu, "mapcount")][r.benchmark])  # 1 extra atomic per update
        obs = float(raw[(r.cpu, "rmap-id")][r.benchmark])  # 1 + 2 + K = 6 with K = 3
        assert r.mapcount_stage_percent == one and r.rmap_id_stage_percent == obs
        assert r.predicted_percent == pytest.approx(6 * one)
        assert r.explained == pytest.approx(6 * one / obs)
    text = v.text(df, Params())
    assert max(map(len, text.splitlines())) <= 72
    assert "amd_epyc_7313" in text and "intel_xeon_silver_4210r" in text


def test_tradeoff_view_posted_orders_9_and_13():
    df = view("tradeoff").frame(Params()).set_index("order")
    # order 9: K = 3 values of 8 bytes, fooled by 71 mappings (the posting's
    # counterexample); order 13: K = 6, safe
    assert (df.loc[9, "values"], df.loc[9, "bytes"], df.loc[9, "verdict"]) == (3, 24, "unsafe")
    assert int(df.loc[9, "min_mappings"]) == 71
    assert (df.loc[13, "values"], df.loc[13, "bytes"], df.loc[13, "verdict"]) == (6, 48, "safe")
    assert (df["ids_supported"] == (1 << 24) - 1).all()


def _fewest_carry_free(order, id_bits=24, word_bits=64):
    for k in range(1, id_bits + 1):
        b = -(-id_bits // k)
        if ((1 << order) + 1) ** b <= 1 << word_bits:
            return k, b
    return None


def test_cheapest_safe_view_meets_the_carry_free_rule():
    v = view("cheapest_safe")
    df = v.frame(Params())
    assert list(df["order"]) == list(range(0, len(df)))
    for r in df.itertuples():
        k, b = _fewest_carry_free(r.order)
        assert r.rule_values == k
        # proven safe with at most the rule's values; where it is carry-free, the rule's K, B
        assert r.values <= k and r.bytes == 8 * r.values
        if r.method == "carry-free":
            assert (r.values, r.bits) == (k, b)
    assert max(map(len, v.text(df, Params()).splitlines())) <= 72
