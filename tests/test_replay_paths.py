"""The replay kernel's input refusals, each one line naming its input.

Expected values: the shapes and counts written into each bad input.
"""

import numpy as np
import pytest

from rmaplab.config import WIP_V1, ConfigError
from rmaplab.replay import replay


def test_a_scalar_stream_is_one_op_and_the_truth_counts_it():
    # one mm maps 2 pages then checks: truly exclusive, so no false exclusive
    r = replay(WIP_V1, 9, 0, 7, 2, True, n_folios=1)
    assert r.false_exclusive_count() == 0
    assert list(r.checks()["truly_shared"]) == [False]
    nt = replay(WIP_V1, 9, 0, 7, 2, True, n_folios=1, truth=False)
    with pytest.raises(ValueError, match=r"ground truth was not tracked \(truth=False\)"):
        nt.false_exclusive_count()


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"mm_id": [[1, 2]]}, r"mm_id must be one-dimensional, got shape \(1, 2\)"),
        (
            {"mm_id": np.array([2**63], dtype=np.uint64)},
            rf"mm_id holds {2**63}: too large for int64",
        ),
        ({"check": [True, False]}, "check has 2 entries, folio has 1: lengths must match"),
    ],
)
def test_bad_streams_name_their_input(kw, match):
    args = {"folio": [0], "mm_id": [1], "delta": [1], "check": [True]} | kw
    with pytest.raises(ConfigError, match=f"^{match}"):
        replay(WIP_V1, 9, **args, n_folios=1)


def test_truth_table_too_large_is_refused(monkeypatch):
    import rmaplab.replay as rp

    monkeypatch.setattr(rp, "MAX_TRUTH_CELLS", 3)
    # 2 folios x 2 mms = 4 cells > 3
    with pytest.raises(
        ConfigError, match=r"truth=True needs a 2 x 2 table: allowed folios \* mms <= 3"
    ):
        replay(WIP_V1, 9, [0, 1], [1, 2], [1, 1], [False, True], n_folios=2)
    r = replay(WIP_V1, 9, [0, 1], [1, 2], [1, 1], [False, True], n_folios=2, truth=False)
    # one check, on folio 1 mapped once by mm 2: exclusive
    assert list(r.checks()["shared"]) == [False]
