"""The C benches' argument refusals, raised before anything is compiled:
one line each, naming the argument and its allowed range (written here).
"""

import pytest

from rmaplab.atomics import bench_atomics
from rmaplab.atomics_cases import bench_cases, parse_list, parse_range, update_words
from rmaplab.config import ConfigError
from rmaplab.race_stress import classify, parse_protocols, stress


@pytest.mark.parametrize(
    "kw, match",
    [
        (
            {"addends": ["per-nothing"]},
            r"^addends='per-nothing' is not allowed: allowed per-mm,per-update$",
        ),
        ({"threads": [9]}, r"^threads=9 is out of range: allowed 1..8$"),
        ({"repeat": 51}, r"^repeat=51 is out of range: allowed 1..50$"),
        ({"concurrent_tries": 10_001}, r"^concurrent_tries=10001 is out of range"),
    ],
)
def test_bench_atomics_refuses(kw, match):
    with pytest.raises(ConfigError, match=match):
        bench_atomics(**kw)


def test_bench_cases_and_lists():
    assert parse_range("1-3,5", "values", 1, 8) == [1, 2, 3, 5]
    with pytest.raises(ConfigError, match=r"^values='0-2' is out of range"):
        parse_range("0-2", "values", 1, 8)
    assert parse_list("atomic,plain,atomic", "paths", ("atomic", "plain")) == ["atomic", "plain"]
    with pytest.raises(ConfigError, match=r"^encodings='nope' is unknown: allowed "):
        bench_cases(["nope"])
    digits = next(c for c in bench_cases() if c.nr_values)
    name = digits.encoding
    assert [c.nr_values for c in bench_cases([name], digits_values=[2, 5])] == [2, 5]
    with pytest.raises(ConfigError, match=r"^values=9 is out of range: allowed 1..8$"):
        bench_cases([name], digits_values=[9])
    with pytest.raises(ConfigError, match=r"^path='fast' is not allowed: allowed atomic,plain$"):
        update_words(digits, 1, 10, path="fast")
    with pytest.raises(
        ConfigError, match=r"^addends='x' is not allowed: allowed per-mm,per-update$"
    ):
        update_words(digits, 1, 10, addends="x")
    with pytest.raises(ConfigError, match=r"^threads=0 is out of range: allowed 1..8$"):
        update_words(digits, 0, 10)


def test_race_stress_refuses():
    with pytest.raises(ConfigError, match=r"^protocols='nope' is unknown: allowed "):
        parse_protocols("seqcount,nope")
    with pytest.raises(
        ConfigError, match=r"^values=2 is out of range: allowed 1..3, one word each$"
    ):
        classify(2, 1, 3, [0])
    with pytest.raises(ConfigError, match=r"^seconds=0 is out of range: allowed 0.01..600$"):
        stress(seconds=0)
    with pytest.raises(ConfigError, match=r"^values=4 is out of range: allowed 1..3$"):
        stress(values=4)
