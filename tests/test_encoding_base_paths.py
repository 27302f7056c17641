"""encodings.base: the registry's one-line errors and Encoding.to_json."""

import pytest

from rmaplab.config import ConfigError
from rmaplab.encodings import table
from rmaplab.encodings.base import get_family, register


def test_registry_errors_name_the_parameter():
    with pytest.raises(ConfigError, match=r"^family='no-such' is unknown: allowed .*digits"):
        get_family("no-such")
    with pytest.raises(ConfigError, match=r"^family=3: allowed a named rmaplab.encodings.Family"):
        register(3)


def test_to_json_of_a_table_encoding():
    enc = table(4, 8, list(range(16)))
    d = enc.to_json()
    assert d["family"] == "table" and "tables" not in d
    # a 16-entry table is a 4-bit slice; 4-bit ids fill exactly one slice
    assert (d["id_bits"], d["word_bits"], d["slice_bits"]) == (4, 8, 4)
