"""The packed-state race kernel against its twin, the tuple explorer.

Every listed scenario x protocol, the narrow layouts (sequence wrap, writer
overflow, stuck states) and the mm-owner protocol: both engines give the same
counts, the same shortest schedules and the same rows of wrong answers. On
the smaller cases the kernel's rows, unpacked, are the tuple explorer's
states in the same breadth-first order with the same parents.
"""

from __future__ import annotations

import numpy as np
import pytest

from rmaplab import race
from rmaplab._kernels import race as kr
from rmaplab._kernels._jit import jit_enabled
from rmaplab.config import ConfigError
from rmaplab.race.layout import get_layout
from rmaplab.race.model import Model
from rmaplab.race.packed import fits, pack, packed_inputs, unpack
from rmaplab.race.scenarios import Scenario

# With NUMBA_DISABLE_JIT=1 the kernel body runs as Python on numpy scalars,
# about 100x slower than the tuple explorer: only the small cases then.
SMALL = 3_000

VERDICTS = {
    None: kr.V_OPEN,
    "correct": kr.V_CORRECT,
    "false_exclusive": kr.V_FALSE_EXCL,
    "false_shared": kr.V_FALSE_SHARED,
    "outside_contract": kr.V_OUTSIDE,
}


def _cases():
    for s in race.SCENARIOS:
        for p in race.PROTOCOLS:
            yield s.name, p, None
    for lay in ({"seq_bits": 1}, {"writer_bits": 1}, {"seq_bits": 2, "writer_bits": 1}):
        for s in ("3mm-1w", "3mm-2w", "3mm-2w-sh", "3mm-own-go"):
            for p in ("seqcount", "no-wait", "no-excl-wait"):
                yield s, p, lay
    for s in ("3mm-2w", "k3-2mm-1w"):
        yield s, "seqcount", {"layout": "32"}
    # 24 stuck states: more than the kernel's first stuck buffer holds
    yield "k2-3mm-3w", "seqcount", {"writer_bits": 1}


def _fields(r):
    return (
        r.states,
        r.complete,
        r.false_exclusive,
        r.false_shared,
        r.correct,
        r.stuck_states,
        r.outside_contract,
        r.example,
        r.stuck_example,
        r.layout,
    )


@pytest.mark.parametrize(("scenario", "protocol", "lay"), list(_cases()))
def test_kernel_matches_tuple_explorer(scenario, protocol, lay):
    layout = get_layout(**lay) if lay else None
    if not jit_enabled():
        probe = race.explore(scenario, protocol, SMALL, layout=layout, engine="python")
        if not probe.complete:
            pytest.skip("coverage run: the kernel body as Python, small cases only")
    py = race.explore(scenario, protocol, layout=layout, engine="python")
    k = race.explore(scenario, protocol, layout=layout, engine="kernel")
    assert _fields(k) == _fields(py)
    assert len(k.wrong) == k.false_exclusive + k.false_shared
    assert k.wrong.equals(py.wrong)
    if py.example:
        assert len(k.example) == len(py.example) == int(py.wrong["length"].min())


def test_some_cases_differ_from_each_other():
    # the table above is not vacuous: wrong answers, stuck states and
    # outside-contract answers all occur in it
    lay = get_layout(writer_bits=1)
    assert race.explore("3mm-2w-sh", "seqcount", layout=lay, engine="kernel").stuck_states > 0
    r = race.explore("3mm-own-swap", "early-end", engine="kernel")
    assert r.false_exclusive == 38 and r.false_shared == 33
    assert race.explore("3mm-own-go", "mm-owner", engine="kernel").false_shared == 1
    own = [race.explore(s.name, "mm-owner", engine="kernel") for s in race.SCENARIOS]
    assert any(r.outside_contract for r in own)


def _bfs(model: Model, max_states: int) -> tuple[list, dict]:
    """Breadth-first order of first visits and parents, on tuples."""
    start = model.initial()
    order, parent, head = [start], {start: None}, 0
    while head < len(order) and len(order) < max_states:
        s = order[head]
        head += 1
        if Model.verdict(s) is not None:
            continue
        for cpu, t in model.successors(s):
            if t not in parent:
                parent[t] = (s, cpu)
                order.append(t)
                if len(order) >= max_states:
                    break
    return order, parent


@pytest.mark.parametrize(
    ("scenario", "protocol", "lay"),
    [
        ("3mm-1w", "no-wait", None),
        ("3mm-2w", "no-excl-wait", None),
        ("k2-2mm-2w", "early-end", None),
        ("3mm-own-swap", "mm-owner", None),
        ("3mm-2w-sh", "seqcount", {"writer_bits": 1}),
        ("mom-2mm-2w", "no-wait", {"seq_bits": 1}),
    ],
)
def test_kernel_rows_are_the_tuple_states_in_bfs_order(scenario, protocol, lay):
    model = Model(scenario, protocol, get_layout(**lay) if lay else None)
    order, parent = _bfs(model, 10**6)
    if not jit_enabled() and len(order) > SMALL:
        pytest.skip("coverage run: the kernel body as Python, small cases only")
    rows, par, cpu, verd, _stuck, complete = kr.explore_packed(packed_inputs(model, 10**6))
    assert complete
    states = [unpack(model, r) for r in rows]
    assert states == order
    for i, s in enumerate(states[1:], 1):
        assert parent[s] == (states[par[i]], int(cpu[i]))
        assert int(verd[i]) == VERDICTS[Model.verdict(s)]
        assert np.array_equal(pack(model, s), rows[i])


# 1024 and 1025: the budget runs out just as the kernel's first row buffer
# (1024 rows) or its first hash table (2048 slots, half full) would grow
@pytest.mark.parametrize("max_states", [1, 2, 57, 1000, 1024, 1025])
def test_budget_stops_both_engines_at_the_same_state(max_states):
    k = race.explore("3mm-2w", "no-wait", max_states=max_states, engine="kernel")
    py = race.explore("3mm-2w", "no-wait", max_states=max_states, engine="python")
    assert not k.complete
    assert _fields(k) == _fields(py)
    assert k.wrong.equals(py.wrong)


def _long_writer() -> Scenario:
    # 8 ops on one writer: op 8 does not fit the packed 3-bit field
    return Scenario("long", 1, 1, ((1, 1), (2, 1)), (((2, -1), (2, 1)) * 4,))


def test_fields_that_do_not_fit_are_refused_and_auto_falls_back():
    m = Model(_long_writer(), "seqcount")
    assert not fits(m)
    with pytest.raises(ValueError, match="ops per writer=8: allowed <= 7"):
        packed_inputs(m, 100)
    with pytest.raises(ConfigError, match="engine=kernel: ops per writer=8"):
        race.explore(_long_writer(), "seqcount", engine="kernel")
    r = race.explore(_long_writer(), "seqcount")  # auto: the tuple explorer
    assert r.complete and r.states == race.explore(_long_writer(), engine="python").states
    with pytest.raises(ConfigError, match="engine='numba' is unknown: allowed auto, kernel"):
        race.explore("tiny", engine="numba")


def test_pack_limits_name_the_field():
    with pytest.raises(ValueError, match=r"writers=4: allowed 1\.\.3"):
        kr.pack_limits(4, 1, [1] * 4, [3], 2)
    with pytest.raises(ValueError, match=r"values=8: allowed 1\.\.7"):
        kr.pack_limits(1, 8, [1], [3], 2)
    with pytest.raises(ValueError, match="body steps=16: allowed <= 15"):
        kr.pack_limits(1, 1, [1], [16], 2)
    with pytest.raises(ValueError, match="mapcount bound=32768: allowed < 32768"):
        kr.pack_limits(1, 1, [1], [3], 1 << 15)


def test_entry_point_validates_its_arrays():
    inp = packed_inputs(Model("tiny", "seqcount"), 100)
    with pytest.raises(ValueError, match="init"):
        kr.explore_packed(inp._replace(init=inp.init[:-1]))
    with pytest.raises(ValueError, match="truth table"):
        kr.explore_packed(inp._replace(truth=inp.truth[:-1]))
    bad = inp.ints.copy()
    bad[5] = 0
    with pytest.raises(ValueError, match="max_states=0: allowed >= 1"):
        kr.explore_packed(inp._replace(ints=bad))
