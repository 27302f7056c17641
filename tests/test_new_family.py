"""A new encoding family in one module-sized chunk, with no change to any
other file: cubes, words ``sum c*x``, ``sum c*x^2``, ``sum c*x^3`` of the
whole id. Registering it must give ``verify``, ``collide`` (Monte Carlo with
the numba kernel), ``compare``, a ``design`` row and a ``bench-atomics`` case.
"""

from __future__ import annotations

import json

import pytest

from rmaplab.encodings import (
    RULE_POWERS,
    BenchSpec,
    Encoding,
    Family,
    KernelPlan,
    register,
    unregister,
)

# -- the family: everything a kernel developer writes --------------------------


def cubes(id_bits: int, word_bits: int) -> Encoding:
    return Encoding("cubes", id_bits, word_bits, id_bits, (0, 0, 0), name="cubes")


class Cubes(Family):
    name = "cubes"
    description = "sum of ids, of squared ids and of cubed ids"

    def word_addend(self, enc, k, v):
        return pow(v, k + 1, 1 << enc.word_bits)

    def plan(self, enc):
        return KernelPlan(RULE_POWERS, enc.slice_bits, enc.word_slice, powers=(1, 2, 3))

    def default(self, id_bits, word_bits, max_order, order, **opts):
        return cubes(id_bits, word_bits)

    def candidates(self, id_bits, word_bits, order):
        yield cubes(id_bits, word_bits)

    def points(self, enc, s, vals):
        return [(None, [(v ** (k + 1),) for v in vals]) for k in range(3)]

    def bench_specs(self):
        # the C loop's powers rule, a[v] = x^(v+1), per update and per mm
        whole_id = lambda k, id_bits: {"bits": id_bits}  # noqa: E731
        return [BenchSpec("cubes", "powers", "powers", (3,), whole_id, "cubes: x, x^2, x^3")]

    def bench_case_for(self, k, detail, addends):
        return ("cubes", k) if k == 3 else None


# -- the checks -------------------------------------------------------------------


@pytest.fixture
def family():
    register(Cubes())
    yield "cubes"
    unregister("cubes")


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_verify_gives_a_certificate_or_a_counterexample(family, capsys):
    from rmaplab.cli import main
    from rmaplab.folio import replay

    argv = ["verify", "--encoding", family, "--id-bits", "3", "--word-bits", "6"]
    assert main([*argv, "--max-order", "5", "--all", "--json"]) == 0
    rows = _json(capsys)
    assert [r["family"] for r in rows] == [family] * 6
    verdicts = {r["order"]: r for r in rows}
    # 2 pages: one other mapping, and x -> (x, x^2, x^3) mod 64 is injective on 1..7
    assert verdicts[1]["verdict"] == "safe"
    assert {r["verdict"] for r in rows} <= {"safe", "unsafe"}
    unsafe = [r for r in rows if r["verdict"] == "unsafe"]
    assert unsafe, "6-bit words wrap: some order must be fooled"
    enc = cubes(3, 6)
    for r in unsafe:
        assert replay(enc, r["order"], r["counterexample"]).false_exclusive
    # wide words: the moment curve's points are in convex position, no wrap
    wide = ["verify", "--encoding", family, "--id-bits", "4", "--word-bits", "16"]
    assert main([*wide, "--order", "2", "--json"]) == 0
    (row,) = _json(capsys)
    assert (row["verdict"], row["method"]) == ("safe", "no-wrap-convex")


def test_collide_runs_the_numba_kernel_on_the_plan(family, capsys):
    from rmaplab.cli import main
    from rmaplab.collide import monte_carlo, monte_carlo_python

    assert main(["collide", "--list", "--json"]) == 0
    assert _json(capsys)["families"][family] == family
    argv = ["collide", "--encoding", family, "--order", "6", "--word-bits", "8", "--json"]
    argv += ["--method", "monte-carlo", "--trials", "3000", "--seed", "5", "--workers", "1"]
    assert main(argv) == 0
    row = _json(capsys)
    assert (row["family"], row["method"], row["trials"]) == (family, "monte-carlo", 3000)
    # the kernel and its Python twin draw the same populations: same hits
    enc = cubes(24, 8)
    for pop in ("uniform", "fork-tree"):
        got = monte_carlo(enc, 4, pop, 3, 4, trials=2000, seed=7)
        assert got == monte_carlo_python(enc, 4, pop, 3, 4, trials=2000, seed=7)


def test_compare_replays_the_rmap_id_scheme_under_it(family, capsys):
    from rmaplab.cli import main

    argv = ["compare", "--workload", "counterexample", "--json"]
    assert main(argv) == 0
    posted = {r["scheme"]: r for r in _json(capsys)}["rmap-id"]
    assert main([*argv, "--encoding", family]) == 0
    mine = {r["scheme"]: r for r in _json(capsys)}["rmap-id"]
    # the posted digits' counterexample fools them, not the cubes (their first
    # two words cannot wrap at this order: sum and sum of squares are exact)
    assert (posted["false_exclusive"], mine["false_exclusive"]) == (1, 0)
    assert mine["bytes_per_folio"] == 3 * 8 + 4 + 4  # K words, mapcount, seqcount
    assert mine["checks"] == posted["checks"] >= 1


def test_design_has_a_row(family):
    from rmaplab.design import design_rows

    rows = design_rows(4, 16, 2, node_limit=2000)
    mine = [r for r in rows if r["encoding"] == family]
    assert len(mine) == 1
    assert (mine[0]["values"], mine[0]["verdict"]) == (3, "safe")
    assert mine[0]["proof_lines"] >= 2


def test_bench_atomics_has_a_case(family, capsys):
    from rmaplab.atomics import bench_cases, update_words, update_words_python
    from rmaplab.cli import main

    (case,) = bench_cases([family])
    for addends in ("per-mm", "per-update"):
        got = update_words(case, 1, 2000, "atomic", addends)
        assert got["rmap_vals"] == update_words_python(case, 1, 2000)["rmap_vals"]
    argv = ["bench-atomics", "--encodings", family, "--threads", "1", "--iters", "1000"]
    assert main([*argv, "--repeat", "1", "--json"]) == 0
    rows = _json(capsys)["rows"]
    assert {(r["encoding"], r["values"]) for r in rows} == {(family, 3)}
