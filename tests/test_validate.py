"""rmaplab.validate: the checks every entry point shares (issue 18, item 1)."""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmaplab import config, encodings
from rmaplab.validate import (
    ID_BITS_RANGE,
    WORD_BITS_RANGE,
    ConfigError,
    check_int,
    check_names,
    check_out_dir,
    check_out_file,
    parse_float,
    parse_int,
    parse_int_list,
    refuse_options,
)


def test_the_old_names_are_the_same_objects():
    # other modules import these from config (and encoding) until they move
    assert config.ConfigError is ConfigError
    assert config.ID_BITS_RANGE is ID_BITS_RANGE
    assert config.WORD_BITS_RANGE is WORD_BITS_RANGE is encodings.WORD_BITS_RANGE
    assert config._check_int is check_int


@given(st.integers(-(10**30), 10**30))
def test_parse_int_reads_every_integer_exactly(n):
    assert parse_int(str(n), "n") == n
    assert parse_int(f"{n:_}", "n") == n


@given(st.integers(0, 10**6), st.integers(0, 40))
def test_parse_int_reads_exponents_exactly(m, e):
    # a float would round 123456e40; the decimal reading does not
    assert parse_int(f"{m}e{e}", "n") == m * 10**e


@pytest.mark.parametrize(
    "text, match",
    [
        ("1e400", r"n=1e400 is out of range: allowed \[0, 100\]"),
        ("-1", r"n=-1 is out of range: allowed \[0, 100\]"),
        ("2.5", r"n='2.5' is not an integer: allowed \[0, 100\]"),
        ("1e-1", r"n='1e-1' is not an integer"),
        ("abc", r"n='abc' is not an integer"),
        ("", r"n='' is not an integer"),
        ("nan", r"n='nan' is not an integer"),
        ("inf", r"n='inf' is not an integer"),
        ("0x10", r"n='0x10' is not an integer"),
        ("1e999999999", r"n=1e999999999 is out of range"),
    ],
)
def test_parse_int_refuses_with_the_range(text, match):
    with pytest.raises(ConfigError, match=match):
        parse_int(text, "n", 0, 100)


def test_parse_int_unbounded_still_refuses_a_number_too_long_to_build():
    with pytest.raises(ConfigError, match="out of range"):
        parse_int("1e999999999", "n", 0, None)


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "-inf", "", "1e400"])
def test_parse_float_refuses_non_finite(text):
    with pytest.raises(ConfigError, match=r"x=.* allowed \(0, 600\]"):
        parse_float(text, "x", 0.0, 600.0, lo_open=True)
    assert parse_float("600", "x", 0.0, 600.0) == 600.0


def test_parse_int_list_checks_bounds_before_expanding():
    assert parse_int_list("1-3,8,2", "v", 1, 8) == [1, 2, 3, 8]
    for bad in ["1-99999999999", "1-1e400", "0", "9", "3-2", "", ",", "1,,2", "-5", "a-b"]:
        with pytest.raises(ConfigError, match=r"^v=.*allowed"):
            parse_int_list(bad, "v", 1, 8)
    with pytest.raises(ConfigError, match=r"v='1-99999999999' is out of range: allowed"):
        parse_int_list("1-99999999999", "v", 1, 8)


def test_check_names_and_refuse_options():
    assert check_names("--p", "a, b,a", ["a", "b"]) == ["a", "b"]
    for bad in ["", ",", "a,c", "A"]:
        with pytest.raises(ConfigError, match=r"--p=.* is not allowed: allowed .*a, b"):
            check_names("--p", bad, ["a", "b"])
    refuse_options({"--x": False}, "mode")
    with pytest.raises(ConfigError, match="--x does not apply to mode"):
        refuse_options({"--x": True, "--y": False}, "mode")


def test_output_paths_are_probed_without_writing(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    assert check_out_file("--csv", tmp_path / "new.csv") == tmp_path / "new.csv"
    assert check_out_file("--csv", f) == f
    assert check_out_dir("--out", tmp_path / "a" / "b") == tmp_path / "a" / "b"
    bad_files = ["", " ", str(tmp_path), "/proc/x", str(f / "sub"), str(tmp_path / "no/x")]
    for bad in bad_files:
        with pytest.raises(ConfigError, match=r"^--csv=.*: ?.*allowed a file path"):
            check_out_file("--csv", bad)
    for bad in ["", str(f), "/proc/x", str(f / "sub"), "/sys/kernel/x"]:
        with pytest.raises(ConfigError, match=r"^--out=.*allowed a folder path"):
            check_out_dir("--out", bad)
    with pytest.raises(ConfigError, match="is not empty"):
        check_out_dir("--out", tmp_path, empty=True)
    assert sorted(os.listdir(tmp_path)) == ["f"] and f.read_text() == "x"


@settings(max_examples=50, deadline=None)
@given(st.integers(), st.integers(), st.integers())
def test_check_int_message_states_the_bounds_it_checks(v, a, b):
    lo, hi = min(a, b), max(a, b)
    try:
        assert lo <= check_int("v", v, lo, hi) <= hi
    except ConfigError as e:
        assert str(e) == f"v={v} is out of range: allowed [{lo}, {hi}]"


def test_cost_widget_names_the_real_order_range():
    # issue 18: moving the cost explorer's order to 21 with 16-bit words said
    # "allowed [21, 15]". A folio of 2^order pages needs order < word_bits: the
    # range for 16-bit words is [0, 15], the slider's own is [0, 21].
    from rmaplab.widgets import COST_ORDER_RANGE, cost_explorer

    box = cost_explorer(id_bits=24, word_bits=16, order=9)
    box.controls["order"].value = 21
    t = box.wait()
    assert t == "invalid: order=21 is out of range: allowed [0, 15]", t
    box.controls["word_bits"].value = 64  # 21 < 64: the slider's own end is allowed
    assert box.wait().startswith("order 21 (2097152 pages)")
    assert (box.controls["order"].min, box.controls["order"].max) == COST_ORDER_RANGE


def test_proof_widget_group_order_message_from_the_order_constants():
    from rmaplab.validate import MAX_ORDER
    from rmaplab.widgets import proof_explorer

    box = proof_explorer(order=9, bits=8, word_bits=64, id_bits=24, group_order=9)
    box.controls["group_order"].value = 5  # below the order: the group must hold it
    assert box.wait() == f"invalid: group_order=5 is out of range: allowed [9, {MAX_ORDER}]"


def test_cheapest_safe_states_the_order_range_of_the_word():
    from rmaplab.cost import cheapest_safe

    err = config.ConfigError
    with pytest.raises(err, match=r"^max_order=21 is out of range: allowed \[0, 15\]$"):
        cheapest_safe(24, 16, 21, min_order=21)
    with pytest.raises(err, match=r"^min_order=5 is out of range: allowed \[0, 4\]$"):
        cheapest_safe(24, 16, 4, min_order=5)
