"""The verifier's unit-mask dealing, grouped, against dealing unit by unit."""

from hypothesis import given
from hypothesis import strategies as st

from rmaplab.verify import _assign


def _assign_units(amp, units, nested=True):
    """Reference: one mask per unit, as the dealing is described."""
    if nested:
        masks = [sum(1 << j for j, a in enumerate(amp) if a > i) for i in range(units)]
    else:
        masks = [0] * units
        f = 0
        for j, a in enumerate(amp):
            for _ in range(a):
                masks[f % units] |= 1 << j
                f += 1
    out = {}
    for mk in masks:
        out[mk] = out.get(mk, 0) + 1
    return out


@given(st.lists(st.integers(0, 40), min_size=1, max_size=10))
def test_nested_dealing_matches_unit_by_unit(amp):
    assert _assign(amp, max(amp)) == _assign_units(amp, max(amp))


@given(st.lists(st.integers(0, 40), min_size=1, max_size=10), st.integers(0, 30))
def test_round_robin_dealing_matches_unit_by_unit(amp, extra):
    units = max(amp) + extra
    if units == 0:
        return
    assert _assign(amp, units, nested=False) == _assign_units(amp, units, nested=False)


def test_dealing_a_million_units_is_grouped():
    amp = [1 << 20, 3, (1 << 20) - 1]
    # units 0..2 flip every bit; then bits 0 and 2 until 2**20 - 2; the last one bit 0
    assert _assign(amp, 1 << 20) == {0b111: 3, 0b101: (1 << 20) - 4, 0b001: 1}
    rr = _assign(amp, 1 << 20, nested=False)
    assert sum(rr.values()) == 1 << 20 and len(rr) <= 4
