import json

import pytest

from rmaplab import ConfigError, derive_config
from rmaplab.cli import main
from rmaplab.config import WIP_V1
from rmaplab.cost import (
    atomics_for,
    atomics_model,
    cheapest_safe,
    cost_table,
    load_published,
    tradeoff,
)


def test_series_byte_figures():
    t = cost_table(WIP_V1).set_index("order")
    # "8 bytes for order 2, 16 bytes for order 5, 32 bytes for order 10"
    assert (t.loc[2, "bytes"], t.loc[5, "bytes"], t.loc[10, "bytes"]) == (8, 16, 32)
    # "the per-page mapcounts take 16, 128 and 4096 bytes"
    assert [t.loc[o, "per_page_mapcount_bytes"] for o in (2, 5, 10)] == [16, 128, 4096]


def test_series_atomics_figures():
    t = cost_table(WIP_V1)
    # "1 (total mapcount) + 2 (seqcount) + K (values): 4..9 more"
    assert sorted(set(t["extra_atomics"])) == [4, 5, 6, 7, 8, 9]
    assert all(t["atomics_per_update"] == 2 + t["extra_atomics"])
    assert atomics_for(WIP_V1, 9, 512) == 8
    assert atomics_for(WIP_V1, 9, 512, batched=False) == 8 * 512
    with pytest.raises(ConfigError, match=r"pages=513 is out of range: allowed \[1, 512\]"):
        atomics_for(WIP_V1, 9, 513)


def test_cache_lines_follow_the_prefetch_rule():
    # "prefetches value 0 and, for orders above 10, value 4"
    t = cost_table(WIP_V1)
    assert list(t.loc[t["cache_lines"] == 2, "order"]) == [o for o in range(16) if o > 10]


def test_cover_letter_value_counts_for_large_orders():
    # "up to order 21 needs 8 values, up to order 30 needs 12"
    assert derive_config(24, 64, 21).max_nr_values == 8
    assert derive_config(24, 64, 30).max_nr_values == 12


def test_cheapest_safe_matches_the_rule_for_24_bit_ids():
    df = cheapest_safe(24, 64, 15)
    assert list(df["values"]) == list(df["rule_values"])
    assert df.set_index("order").loc[9, "values"] == 4  # not the posted 3


def test_tradeoff_reports_verdicts():
    d = tradeoff(WIP_V1, (9, 13)).set_index("order")
    assert d.loc[9, "verdict"] == "unsafe" and d.loc[13, "verdict"] == "safe"
    assert (d.loc[9, "bytes"], d.loc[13, "bytes"]) == (24, 48)


def test_published_tables_and_atomics_model():
    pub = load_published()
    mb = pub["microbench"]
    assert set(mb["cpu"]) == {"intel_xeon_silver_4210r", "amd_epyc_7313"}
    assert len(mb) == 2 * 7 * 8
    m = atomics_model(3).set_index(["cpu", "benchmark"])
    assert m.loc[("intel_xeon_silver_4210r", "fork"), "explained"] == pytest.approx(
        14.2 * 6 / 105.9
    )
    assert m.loc[("intel_xeon_silver_4210r", "munmap"), "explained"] == pytest.approx(
        0.3 * 6 / 48.8
    )


def test_cli_cost_json(capsys):
    assert main(["cost", "--config", "wip-v1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    keys = [
        "order",
        "values",
        "bytes",
        "cache_lines",
        "atomics_per_update",
        "atomics_per_update_exclusive",
        "ids_supported",
    ]
    assert all(list(r)[: len(keys)] == keys for r in rows)
    by = {r["order"]: r for r in rows}
    assert (by[2]["bytes"], by[5]["bytes"], by[10]["bytes"]) == (8, 16, 32)
    assert main(["cost"]) == 0
    assert max(map(len, capsys.readouterr().out.splitlines())) <= 72


def test_cli_bench_atomics_small(capsys):
    assert (
        main(["bench-atomics", "--values", "3,6", "--threads", "1", "--iters", "2000", "--json"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["machine"]["cores"] >= 1
    rows = out["rows"]
    assert {(r["values"], r["path"]) for r in rows} == {
        (3, "atomic"),
        (3, "plain"),
        (6, "atomic"),
        (6, "plain"),
    }
    assert all(r["ns_per_update"] > 0 for r in rows)
    assert all(r["ratio_vs_k3"] == 1.0 for r in rows if r["values"] == 3)


@pytest.mark.parametrize(
    "argv, match",
    [
        (
            ["bench-atomics", "--values", "0-9"],
            "--values='0-9' is out of range: allowed integers in [1, 8]",
        ),
        (["bench-atomics", "--threads", "x"], "threads='x' is not a list or range"),
    ],
)
def test_cli_bench_atomics_errors(capsys, argv, match):
    assert main(argv) == 2
    assert match in capsys.readouterr().err


def test_no_compiler_is_a_clear_error(monkeypatch):
    from rmaplab import atomics

    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigError, match="no C compiler found"):
        atomics.compiler()


# -- cost rows of any encoding -------------------------------------------------


def test_encoding_rows_agree_with_the_configuration_rows():
    """The posted group as a digits Encoding costs what cost_table says, column
    by column, at every order (one byte and atomic count per order, not two)."""
    from rmaplab.cost import cost_row_encoding
    from rmaplab.encodings import from_config

    t = cost_table(WIP_V1).set_index("order")
    for o in WIP_V1.orders:
        r = cost_row_encoding(from_config(WIP_V1, o), o)
        for col in (
            "values",
            "bytes",
            "bytes_with_seqcount",
            "per_page_mapcount_bytes",
            "cache_lines",
            "atomics_per_update",
            "extra_atomics",
            "atomics_per_update_exclusive",
        ):
            assert r[col] == t.loc[o, col], (o, col)
        assert r["value_atomics"] == r["values"]


def test_encoding_rows_of_every_family():
    from rmaplab.cost import cost_table_encodings
    from rmaplab.encodings import bit_counters, digits, hash64, moments, pdep, raw_id

    encs = [
        moments(24, 64),  # sum of ids, sum of squared ids
        pdep(24, 64, 8, 10),  # K = 3 tables, looked up at every update
        digits(24, 64, bits=8, base=513),  # the posted order-9 group: subids kept in the mm
        digits(24, 64, bits=4, base=32769),  # K = 6: rmap_subids_6 is looked up
        raw_id(24, 64),
        hash64(24, 64),
        bit_counters(24, 64),
        moments(16, 32, bits=8, base=1 << 17),  # packed slices, 32-bit words
    ]
    df = cost_table_encodings(encs, 9)
    got = [
        tuple(r)
        for r in df[
            ["family", "values", "bytes", "atomics_per_update", "multiplies", "table_lookups"]
        ].itertuples(index=False)
    ]
    # bytes = K * word_bytes(W); atomics = legacy 2 + mapcount 1 + seqcount 2 + K
    assert got == [
        ("moments", 2, 16, 7, 2, 0),
        ("table", 3, 24, 8, 3, 3),
        ("digits", 3, 24, 8, 3, 0),
        ("digits", 6, 48, 11, 6, 6),
        ("raw-id", 1, 8, 6, 1, 0),
        ("hash64", 1, 8, 6, 1, 0),
        ("bit-counters", 24, 192, 29, 24, 0),
        ("moments", 2, 8, 7, 2, 0),
    ]
    assert set(df["order"]) == {9} and set(df["per_page_mapcount_bytes"]) == {2048}
    with pytest.raises(ConfigError, match=r"allowed an rmaplab\.encodings\.Encoding"):
        cost_table_encodings([WIP_V1])


def test_design_takes_its_cost_columns_from_the_cost_model():
    from rmaplab.cost import cost_row_encoding
    from rmaplab.design import candidates, design_rows

    rows = {r["encoding"]: r for r in design_rows(16, 32, 2) if not r["best"]}
    for fam, r in rows.items():
        if r["values"] is None:
            continue
        enc = next(e for e in candidates(fam, 16, 32, 2) if e.nr_values == r["values"])
        c = cost_row_encoding(enc, 2)
        for col in ("bytes", "atomics_per_update", "multiplies", "table_lookups"):
            assert r[col] == c[col], (fam, col)


# -- bytes of narrow words ---------------------------------------------------------


def test_cheapest_safe_counts_a_narrow_word_as_a_whole_byte():
    """cheapest_safe(id_bits=1, word_bits=2, max_order=0) once said 0 bytes: the
    model took K * W // 8, and a 2-bit word rounded down to nothing. A value is its
    own atomically updated word, so it takes the smallest u8/u16/u32/u64 holding it."""
    (row,) = cheapest_safe(1, 2, 0).to_dict(orient="records")
    assert (row["order"], row["values"], row["bits"], row["bytes"]) == (0, 1, 1, 1)
    # 4-bit ids in 6-bit words, by hand: order 1, K = 1 (base 3) is carry-free
    # (1 * (1 + 3 + 9 + 27) = 40 < 64); order 2, K = 1 (base 5) is fooled by victim 7 with
    # mms 1 and 8 (31 + 1 + 125 = 3 * 31 + 64) and K = 2 (base 5) is carry-free (3 * 6 < 64);
    # order 3, K = 2 (base 9) is fooled by D = (1, 7) (1 + 63 = 64, 8 mappings), K = 3
    # would leave a value without id bits, and K = 4 one-bit values are carry-free
    # (7 < 64): one byte per value, K bytes
    t = cheapest_safe(4, 6, 3).set_index("order")
    assert [t.loc[o, "values"] for o in range(4)] == [1, 1, 2, 4]
    assert [t.loc[o, "bytes"] for o in range(4)] == [1, 1, 2, 4]


@pytest.mark.parametrize(
    "word_bits, nbytes",
    [(2, 1), (7, 1), (8, 1), (9, 2), (16, 2), (17, 4), (20, 4), (24, 4), (32, 4), (33, 8), (64, 8)],
)
def test_word_bytes_is_the_smallest_kernel_type(word_bits, nbytes):
    from rmaplab.config import single_group_config, word_bytes
    from rmaplab.encodings import raw_id
    from rmaplab.schemes import RmapID

    assert word_bytes(word_bits) == nbytes
    cfg = single_group_config(2, word_bits, 2, 1, 0)
    assert cfg.value_bytes(0) == 2 * nbytes
    assert raw_id(2, word_bits).bytes == nbytes
    assert RmapID(0, cfg.encoding(0)).bytes_per_folio == 2 * nbytes + 4 + 4


@pytest.mark.parametrize("word_bits", [1, 65])
def test_word_bytes_refuses_widths_out_of_range(word_bits):
    from rmaplab.config import word_bytes

    with pytest.raises(ConfigError, match="word_bits"):
        word_bytes(word_bits)
