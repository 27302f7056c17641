import csv
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paths import SHARED_REF

from rmaplab import ConfigError, Group, RmapConfig, derive_config, get_config
from rmaplab._data import data_stream
from rmaplab.config import WIP_V1, config_table


def _posted_groups():
    rows = csv.DictReader(data_stream("wip_v1_groups.csv"))
    return [tuple(int(v) for v in row.values()) for row in rows]


def test_data_copy_matches_reference_markdown():
    md = SHARED_REF / "rmap-id.md"
    if not md.exists():
        pytest.skip("shared/reference not beside the clone")
    rows = []
    for line in md.read_text().splitlines():
        m = re.match(r"\|\s*(\d+)(?:\.\.(\d+))?\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
        if m:
            lo, hi, k, b, base = m.groups()
            rows.append((int(lo), int(hi or lo), int(k), int(b), int(base)))
    assert rows == _posted_groups()


def test_wip_v1_is_the_posted_table():
    cfg = get_config("wip-v1")
    assert cfg.id_bits == 24 and cfg.word_bits == 64
    got = [(g.min_order, g.max_order, g.nr_values, g.bits, g.base) for g in cfg.groups]
    assert got == _posted_groups()
    assert cfg.orders == list(range(16))


def test_wip_v1_32bit_matches_the_sketch():
    cfg = get_config("wip-v1-32bit")
    assert (cfg.id_bits, cfg.word_bits) == (16, 32)
    assert cfg.orders == list(range(16))
    # "order-15 folios with at most 8 values"
    assert cfg.max_nr_values == 8
    assert cfg.group_for(15).nr_values == 8
    assert all(cfg.fits(o) for o in cfg.orders)


def test_headroom_is_exact_integer_arithmetic():
    cfg = get_config("wip-v1")
    # order 9: (513**8 - 1) needs 73 bits -> 64 - 73
    assert (513**8 - 1).bit_length() == 73
    assert cfg.headroom_bits(9) == -9
    # order 10: 1025**6 - 1 < 2**61
    assert cfg.headroom_bits(10) == 64 - (1025**6 - 1).bit_length() == 3
    assert cfg.headroom_bits(2) == 64 - (5**24 - 1).bit_length()


def test_posted_order_6_to_9_breaks_the_stated_rule_and_derivation_says_so():
    posted = get_config("wip-v1")
    derived = derive_config(24, 64, 15)
    assert [o for o in posted.orders if not posted.fits(o)] == [6, 7, 8, 9]
    # under the rule, orders 8 and 9 need 4 values with 24-bit ids
    assert derived.group_for(7).nr_values == 3
    assert derived.group_for(8).nr_values == 4
    assert derived.group_for(9).nr_values == 4
    for o in (0, 2, 3, 5, 10, 11, 12, 13, 15):
        assert derived.group_for(o).nr_values == posted.group_for(o).nr_values


@given(st.integers(1, 32), st.integers(8, 64), st.integers(0, 20))
def test_derive_gives_fewest_values_that_fit(id_bits, word_bits, max_order):
    if max_order >= word_bits:
        with pytest.raises(ConfigError, match="max_order"):
            derive_config(id_bits, word_bits, max_order)
        return
    cfg = derive_config(id_bits, word_bits, max_order)
    assert cfg.orders == list(range(max_order + 1))
    for o in cfg.orders:
        g = cfg.group_for(o)
        assert g.base_pages == 2**g.max_order
        assert g.nr_values * g.bits >= id_bits
        assert (g.base_pages + 1) ** g.bits <= 2**word_bits  # the rule, at P_g
        # minimal: no smaller K (with its B) fits at this order
        for k in range(1, g.nr_values):
            b = -(-id_bits // k)
            assert (2**o + 1) ** b > 2**word_bits or (k - 1) * b >= id_bits


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: get_config("wip-v2"), "config='wip-v2' is unknown: allowed wip-v1"),
        (
            lambda: get_config("wip-v1").group_for(16),
            r"order=16 is not covered .* allowed orders 0\.\.2",
        ),
        (
            lambda: get_config("wip-v1").group_for(-1),
            r"order=-1 is out of range: allowed \[0, 30\]",
        ),
        (
            lambda: get_config("wip-v1").check_id(0),
            r"mm id=0 is out of range: allowed \[1, 16777215\]",
        ),
        (lambda: get_config("wip-v1").check_id(1 << 24), r"allowed \[1, 16777215\]"),
        (lambda: derive_config(24, 16, 16), r"max_order=16 is impossible with word_bits=16.*<= 15"),
        (lambda: derive_config(40, 64, 9), r"id_bits=40 is out of range: allowed \[1, 32\]"),
        (lambda: derive_config(24, 65, 9), r"word_bits=65 is out of range: allowed \[2, 64\]"),
        (
            lambda: RmapConfig("x", 24, 64, (Group(0, 3, 2, 8),)),
            r"values\*bits = 2\*8 = 16 cannot hold 24-bit",
        ),
        (lambda: RmapConfig("x", 8, 64, (Group(0, 3, 3, 4),)), r"leave value 2 without id bits"),
        (lambda: RmapConfig("x", 8, 64, (Group(0, 3, 1, 8), Group(3, 4, 1, 8))), "overlap"),
        (lambda: Group(0, 3, 0, 8), r"values=0 is out of range"),
    ],
)
def test_bad_input_names_parameter_and_range(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


def test_config_table_wip_v1():
    df = config_table(WIP_V1)
    assert list(df["order"]) == list(range(16))
    # the series: 8 bytes at order 2, 16 at order 5, 32 at order 10
    b = dict(zip(df["order"], df["bytes"], strict=False))
    assert (b[2], b[5], b[10]) == (8, 16, 32)
    assert set(df["ids_supported"]) == {2**24 - 1}
    assert list(df.loc[df["order"] == 15, "values"]) == [6]


@pytest.mark.parametrize(
    "call",
    [
        lambda: __import__("rmaplab").Folio("wip-v1", 9),
        lambda: __import__("rmaplab.verify", fromlist=["verify"]).verify("wip-v1", 9),
        lambda: __import__("rmaplab.cost", fromlist=["cost_table"]).cost_table("wip-v1"),
        lambda: __import__("rmaplab.collide", fromlist=["collide"]).collide("posted", config="y"),
    ],
)
def test_library_takes_a_resolved_configuration_not_a_name(call):
    with pytest.raises(
        ConfigError, match=r"is not a resolved configuration: allowed an RmapConfig"
    ):
        call()


def test_entry_points_resolve_names_once():
    from rmaplab.config import DEFAULT_CONFIG, require_config, single_group_config, value_splits

    assert get_config("wip-v1") is DEFAULT_CONFIG is require_config(DEFAULT_CONFIG)
    assert value_splits(24)[:5] == [(1, 24), (2, 12), (3, 8), (4, 6), (5, 5)]
    assert (7, 4) not in value_splits(24)  # B = 4 leaves a 7th value without bits
    cfg = single_group_config(24, 64, 3, 8, 9, min_order=6)
    assert cfg.groups == (Group(6, 9, 3, 8),) and cfg.group_for(9).base_pages == 512
