"""Plain-text charts' edge cases and the report folder's refusals.

Expected values: bar lengths counted by hand (a log scale of powers of ten
gives equal steps), grid cells placed by hand, one-line refusals.
"""

import pytest

from rmaplab.config import ConfigError
from rmaplab.export import (
    _axis_number,
    check_report_out,
    check_width,
    save_chart,
    text_bars,
    text_lines,
)


def test_check_width_names_the_line_and_its_width():
    assert check_width("ab\ncd", 2) == "ab\ncd"
    with pytest.raises(ValueError, match=r"^line 2 is 3 columns, allowed <= 2: 'abc'$"):
        check_width("ab\nabc", 2)


def test_save_chart_refuses_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match=r"format='pdf' is not supported: allowed png, svg"):
        save_chart(object(), tmp_path / "c", formats=("pdf",))


def test_log_bars_step_evenly_over_powers_of_ten():
    out = text_bars(["a", "b", "c", "z"], [1, 10, 100, 0], width=40, log=True)
    rows = out.splitlines()
    bars = [r.count("#") for r in rows]
    # room = 40 - 1 - 3 - 3 = 33; decade d of 3 gets (d + 1) / 3 of it
    assert bars == [11, 22, 33, 0]
    with pytest.raises(ValueError, match="labels too long for 10 columns"):
        text_bars(["a-long-label"], [1], width=10)


def test_axis_numbers_are_plain_or_two_digit_exponents():
    assert _axis_number(0) == "0"
    assert _axis_number(0.0005) == "0.0005"
    assert _axis_number(6.3e-05) == "6.3e-05"
    assert _axis_number(123456.0) == "1.2e+05"


def test_text_lines_edge_cases():
    # nothing positive on a log axis: said, not drawn
    assert text_lines([1, 2], {"s": [0, 0]}, title="t", log=True) == (
        "t\n(no positive values to plot)"
    )
    # a flat series still gets a grid; two series meeting show '*'
    out = text_lines([0, 1], {"a": [1, 2], "b": [1, 3]}, height=3, width=30)
    assert out.splitlines()[2] == "1 |*"  # both start at (0, 1)
    assert "* = two or more series at one point" in " ".join(out.split())
    assert max(map(len, out.splitlines())) <= 30
    flat = text_lines([0, 1], {"f": [5, 5]}, height=3, width=30)
    assert flat.splitlines()[-1] == "  a = f"
    # x labels that cannot all fit: the range instead
    many = text_lines(list(range(100, 140)), {"s": list(range(40))}, height=3, width=30)
    assert "100 .. 139" in many
    # a series all zero on a log axis beside a drawn one: named, not plotted
    mixed = text_lines([1, 2], {"s": [1, 10], "z": [0, 0]}, log=True, height=3, width=40)
    assert mixed.splitlines()[-1] == "  not plotted (0 at every x): z"


def test_report_out_refuses_a_symlink_and_climbs_to_an_existing_parent(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(ConfigError, match=r"^--out=.*link is a symlink: allowed a new or empty"):
        check_report_out(tmp_path / "link")
    deep = tmp_path / "a" / "b" / "c"
    assert check_report_out(deep) == deep
    assert not (tmp_path / "a").exists()  # probes only
