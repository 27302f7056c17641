"""The kernel package's shape: shared codes, entry-point checks, warm-up."""

import json

import numpy as np
import pytest

from rmaplab._kernels import codes
from rmaplab._kernels.exhaustive import ExhaustiveInputs, shortest_returns
from rmaplab._kernels.montecarlo import MonteCarloInputs, false_exclusive_trials
from rmaplab._kernels.subid import SubidInputs, subid_words
from rmaplab.cli import main
from rmaplab.collide import POPULATIONS, mc_inputs, resolve_encoding
from rmaplab.compare import ops_to_arrays
from rmaplab.config import WIP_V1
from rmaplab.encodings import FAMILIES, default_encoding
from rmaplab.schemes import SCHEMES


def test_python_layers_use_the_kernel_codes():
    kind, *_ = ops_to_arrays(
        [("map", 0, 1, 0, 1), ("unmap", 0, 1, 0, 1), ("fork", -1, 1, 2, 0), ("cow", 0, 1, 0, 0)]
    )
    assert kind.tolist() == [codes.OP_MAP, codes.OP_UNMAP, codes.OP_FORK, codes.OP_COW]
    assert set(codes.POP_CODES) == set(POPULATIONS) - {"adversarial"}
    # rmap-moments is the kernel's rmap-id row replayed with the moments encoding
    assert set(codes.SCHEME_ROWS) == set(SCHEMES) - {"truth", "rmap-moments"}
    kinds = {
        mc_inputs(resolve_encoding(n, 9, WIP_V1), 9, "uniform", 2, 2).encoding
        for n in ("posted", "raw-id", "hash64", "table", "moments")
    }
    assert kinds == {
        codes.RULE_DIGITS,
        codes.RULE_RAW,
        codes.RULE_HASH,
        codes.RULE_TABLE,
        codes.RULE_POWERS,
    }
    # every family's kernel plan names one of the rules
    assert set(codes.RULE_CODES.values()) == kinds
    for fam in FAMILIES:
        enc = default_encoding(fam, 12, 32, 9, 9)
        assert enc.plan().rule in codes.RULE_CODES.values()
    assert len(set(codes.STATUS_MESSAGES) | {codes.STATUS_OK}) == 4


def test_entry_points_refuse_what_the_kernels_cannot_index():
    with pytest.raises(ValueError, match="allowed 1 <= nr_values\\*bits <= 64"):
        subid_words(SubidInputs(np.arange(3), 9, 8, 512, 64))
    with pytest.raises(ValueError, match="ids must be integers"):
        subid_words(SubidInputs(np.array([1.5]), 1, 8, 512, 64))
    with pytest.raises(ValueError, match="too large for the exhaustive search"):
        shortest_returns(ExhaustiveInputs(np.zeros((2, 3), np.uint64), 9, 4))
    ok = MonteCarloInputs(codes.RULE_RAW, 1, 8, 0, 8, 255, codes.POP_UNIFORM, 2, 3, 512)
    assert false_exclusive_trials(ok, 10, 1)[1] == 10
    with pytest.raises(ValueError, match="population=7"):
        false_exclusive_trials(ok._replace(population=7), 10, 1)
    with pytest.raises(ValueError, match="mappings=1: allowed >= mms=2"):
        false_exclusive_trials(ok._replace(mappings=1), 10, 1)
    # addend tables: one row per word, 2**bits columns, bits <= 16
    tab = ok._replace(encoding=codes.RULE_TABLE, nr_values=2, bits=4, word_slice=np.array([0, 1]))
    good = np.arange(32, dtype=np.uint64).reshape(2, 16)
    assert false_exclusive_trials(tab._replace(tables=good), 10, 1)[1] == 10
    with pytest.raises(ValueError, match=r"tables of shape \(2, 8\): allowed"):
        false_exclusive_trials(tab._replace(tables=good[:, :8]), 10, 1)
    with pytest.raises(ValueError, match=r"word_slice=\[0\]: allowed 2 slice indices"):
        false_exclusive_trials(tab._replace(tables=good, word_slice=[0]), 10, 1)
    # powers: at most 4 packed in a word
    pw = ok._replace(encoding=codes.RULE_POWERS, bits=8, powers=[1, 2, 3, 4, 5], pack_base=16)
    with pytest.raises(ValueError, match=r"at most 4 when packed"):
        false_exclusive_trials(pw, 10, 1)
    assert false_exclusive_trials(pw._replace(powers=[1, 2, 3, 4]), 10, 1)[1] == 10


def test_subid_words_of_a_plain_index_and_a_64_bit_slice():
    # values=1, bits=64 reads the whole id as the index (subid_table_array's use)
    idx = np.array([0, 1, 2, 3, 2**63 + 1], dtype=np.uint64)
    got = subid_words(SubidInputs(idx, 1, 64, 1, 64))[:, 0]
    # base P_g + 1 = 2: the digits read back as the number itself, mod 2^64
    assert got.tolist() == [0, 1, 2, 3, 2**63 + 1]


def test_cli_warmup(capsys):
    assert main(["warmup", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out["seconds"]) == [
        "subid",
        "replay",
        "schemes",
        "exhaustive",
        "montecarlo",
        "encoding",
        "frontier",
        "race",
        "lattice",
    ]
