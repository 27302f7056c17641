"""rmaplab report: complete, deterministic, mail-width, and its numbers true."""

import hashlib
import json
import re

import pytest

from rmaplab.cli import main
from rmaplab.config import WIP_V1

# Two full --quick reports: minutes with the kernels as Python (see pyproject markers).
pytestmark = pytest.mark.jit_heavy


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    a = tmp_path_factory.mktemp("a")
    b = tmp_path_factory.mktemp("b")
    assert main(["report", "--out", str(a), "--quick"]) == 0
    assert main(["report", "--out", str(b), "--quick"]) == 0
    return a, b


def test_report_is_deterministic(reports):
    a, b = reports
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for n in names:
        assert (
            hashlib.sha256((a / n).read_bytes()).digest()
            == hashlib.sha256((b / n).read_bytes()).digest()
        ), n


def test_report_has_every_figure_in_png_svg_and_text(reports):
    a, _ = reports
    names = {p.name for p in a.iterdir()}
    for fig in ("frontier", "cost", "published", "false_shared", "collide_mms"):
        assert {f"{fig}.png", f"{fig}.svg"} <= names, fig
        assert (a / f"{fig}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (a / f"{fig}.svg").read_text().lstrip().startswith("<svg")
    for txt in (
        "post",
        "proof",
        "verify",
        "cost",
        "schemes",
        "collide",
        "frontier",
        "false_shared",
        "collide_mms",
        "counterexample_steps",
        "cheapest_safe",
        "atomics_model",
        "table",
    ):
        assert f"{txt}.txt" in names, txt


def test_every_text_line_fits_72_columns(reports):
    a, _ = reports
    for p in a.glob("*.txt"):
        for n, line in enumerate(p.read_text().splitlines(), 1):
            assert len(line) <= 72, f"{p.name}:{n} is {len(line)} columns"


def test_post_states_the_library_results(reports):
    from rmaplab.collide import collide
    from rmaplab.compare import compare_all
    from rmaplab.cost import cost_row
    from rmaplab.verify import verify

    a, _ = reports
    post = " ".join((a / "post.txt").read_text().split())
    v = verify(WIP_V1, 9)
    ce = v.counterexample
    assert f"At order 9, {v.min_mappings} mappings (proven minimal)" in post
    assert f"'exclusive' for mm {ce['victim']} (1 page)" in post
    assert ", ".join(f"{m} ({c})" for m, c in ce["mappings"]) in post
    assert "Yes, at orders 7, 8, 9." in post
    for o in (9, 13):
        r = cost_row(WIP_V1, o)
        head = f"order {o}: {r['values']} values, {r['bytes']} bytes, "
        assert head + f"{r['atomics_per_update']} atomic RMW" in post
    r = collide("hash64", 9, 3, 20, 20_000, 0, executor=None)
    assert f"hash64: {r['probability']:.3g} (95% high {r['ci_high']:.3g}, monte-carlo)" in post
    t = compare_all(order=9, procs=8, seed=0, folios=2)
    s = t[t["scheme"] == "legacy"][["checks", "false_exclusive", "false_shared"]].sum()
    assert (
        f"legacy: {s['checks']} checks, {s['false_exclusive']} false exclusive, "
        f"{s['false_shared']} false shared"
    ) in post
    facts = json.loads((a / "facts.json").read_text())
    assert facts["min_mappings"] == v.min_mappings
    assert re.search(r"order 9 is 4 values", post)
