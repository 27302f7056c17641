"""The scheme kernel's and the micro-benchmark's input refusals: one line
each, naming the input and its allowed range (the ranges written here).
"""

import numpy as np
import pytest

import rmaplab._kernels.schemes as ks
from rmaplab._kernels.codes import N_SCHEMES, OP_COW, OP_FORK, OP_MAP, SCHEME_ROWS
from rmaplab.config import ConfigError


def _inp(kind, folio, mm, a, b, n_mms=2, n_folios=1, order=2, id_bits=8):
    return ks.SchemesInputs(
        kind=np.array(kind, dtype=np.int8),
        folio=np.array(folio, dtype=np.int64),
        mm=np.array(mm, dtype=np.int64),
        a=np.array(a, dtype=np.int64),
        b=np.array(b, dtype=np.int64),
        ids=np.arange(1, n_mms + 1, dtype=np.int64),
        subids=np.arange(1, n_mms + 1, dtype=np.uint64).reshape(n_mms, 1),
        n_folios=n_folios,
        order=order,
        id_bits=id_bits,
        mask=np.uint64(2**64 - 1),
    )


def test_a_valid_tiny_stream_replays():
    # mm 0 maps the 4 pages, forks mm 1, mm 1 writes page 2: truly shared
    r = ks.replay_all_schemes(
        _inp([OP_MAP, OP_FORK, OP_COW], [0, 0, 0], [0, 0, 1], [0, 1, 2], [4, 0, 0])
    )
    assert (r.status, r.bad_op) == (ks.STATUS_OK, -1)
    # one write fault, checked by every scheme; truly shared, and the exact
    # bit counters never answer it wrongly
    assert list(r.stats[:, 0]) == [1] * N_SCHEMES
    bc = SCHEME_ROWS.index("bit-counters")
    assert list(r.stats[bc]) == [1, 0, 0]


@pytest.mark.parametrize(
    "inp, match",
    [
        (_inp([OP_MAP], [0, 0], [0], [0], [1]), "kind, folio, mm, a, b must all have 1 entries"),
        (_inp([OP_MAP], [0], [0], [0], [1], order=31), "order=31, id_bits=8, n_folios=1"),
        (_inp([OP_MAP], [0], [0], [0], [1], n_folios=0), "order=2, id_bits=8, n_folios=0"),
        (
            _inp([OP_MAP], [1], [0], [0], [1]),
            r"folio holds values outside the allowed range \[0, 0\]",
        ),
        (
            _inp([OP_FORK], [0], [0], [2], [0]),
            r"fork child holds values outside the allowed range \[0, 1\]",
        ),
        (
            _inp([OP_COW], [0], [0], [4], [0]),
            r"cow page holds values outside the allowed range \[0, 3\]",
        ),
    ],
)
def test_scheme_inputs_refused(inp, match):
    with pytest.raises(ValueError, match=match):
        ks.replay_all_schemes(inp)


def test_scheme_page_table_limit_and_driver_range(monkeypatch):
    ok = _inp([OP_MAP], [0], [0], [0], [1])
    with pytest.raises(
        ValueError, match=rf"driver={N_SCHEMES} is out of range: allowed \[-1, {N_SCHEMES - 1}\]"
    ):
        ks.replay_all_schemes(ok, driver=N_SCHEMES)
    monkeypatch.setattr(ks, "MAX_PAGE_CELLS", 1)
    # 1 folio x 2 mms x 1 word of 64 pages = 2 cells
    with pytest.raises(ValueError, match=r"folios \* mms \* words = 2 is too large: allowed <= 1"):
        ks.replay_all_schemes(ok)


def test_microbench_refusals():
    from rmaplab.microbench import microbench, mix_ops

    with pytest.raises(ConfigError, match=r"^benchmark='nope' is unknown: allowed "):
        mix_ops("nope")
    with pytest.raises(ConfigError, match=r"^reps=9 is out of range: allowed \[10, 100000\]$"):
        microbench(reps=9)
    with pytest.raises(ConfigError, match=r"^repeat=0 is out of range: allowed \[1, 50\]$"):
        microbench(reps=10, repeat=0)
