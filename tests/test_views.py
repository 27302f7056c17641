"""The views layer: one definition per table, rendered alike by the CLI,
the report and the notebooks' export controls."""

import pytest

from rmaplab.cli import main
from rmaplab.config import WIP_V1, WIP_V1_32BIT, ConfigError
from rmaplab.views import VIEWS, Params, export_items, schemes_table_text, view

CHEAP = ["table", "verify", "frontier", "proof", "counterexample_steps", "cost", "cost_bars"]
#: The cheap views that draw a chart, and how its title starts (the others are text only).
CHARTS = {
    "frontier": "Largest safe folio order per id bits in one value, 64-bit words",
    "cost": "Cost per folio and per update",
}


@pytest.mark.parametrize("name", CHEAP)
def test_cheap_views_render_within_mail_width(name):
    v = view(name)
    df = v.build(Params(WIP_V1))
    text = v.render_text(df, Params(WIP_V1))
    assert text and max(len(line) for line in text.splitlines()) <= 72
    chart = v.render_chart(df, Params(WIP_V1))
    if name not in CHARTS:
        assert chart is None
        return
    spec = chart.to_dict()
    assert spec["title"]["text"] == CHARTS[name]
    # the title says its parameters: the configuration drawn
    assert any("wip-v1" in line for line in spec["title"]["subtitle"])
    assert {"layer", "hconcat"} & set(spec)


def test_safe_configuration_has_no_proof_or_steps():
    params = Params(WIP_V1_32BIT)
    for name in ("proof", "counterexample_steps"):
        v = view(name)
        assert v.render_text(v.build(params), params) is None


def test_unknown_view_names_the_choices():
    with pytest.raises(ConfigError, match=r"view='nope' is unknown: allowed table, verify, "):
        view("nope")


def test_every_report_file_comes_from_a_view():
    from rmaplab.report import PARTS

    names = [n for _, ns in PARTS for n in ns]
    assert sorted(names) == sorted(VIEWS)


@pytest.mark.parametrize("command, name", [("cost", "cost"), ("table", "table")])
def test_cli_prints_the_views_text(capsys, command, name):
    assert main([command]) == 0
    out = capsys.readouterr().out
    v = view(name)
    assert v.render_text(v.build(Params(WIP_V1)), Params(WIP_V1)) in out


def test_cli_compare_table_is_the_schemes_view(capsys):
    from rmaplab.compare import compare

    assert main(["compare", "--workload", "zygote", "--order", "6", "--folios", "1"]) == 0
    out = capsys.readouterr().out
    df = compare("zygote", None, WIP_V1.encoding(6), 6, 8, 0, 1)
    # the view's table, under a caption of this run's own parameters (issue 18)
    assert schemes_table_text(df) in out
    head = " ".join(out.split("\n\n")[0].split())
    assert head.startswith("workload zygote (wip-v1): order 6, 8 processes, 1 folios, seed 0.")
    assert "Order 9" not in out and "not the counterexample" not in out


def test_export_items_use_a_given_frame_and_feed_export_control(tmp_path):
    from rmaplab.cost import cost_table
    from rmaplab.widgets import export_control

    own = cost_table(WIP_V1).head(3)  # a notebook's own frame, not recomputed
    items = export_items(["cost_bars", "table"], Params(WIP_V1), frames={"cost_bars": own})
    chart, text = items["cost_bars"]
    assert chart is None and len(text.splitlines()) == 1 + 3
    box = export_control(items, out_dir=tmp_path)
    box.controls["format"].value = "txt"
    box.controls["figure"].value = "table"
    box.button.click()
    assert (tmp_path / "table.txt").read_text().startswith("order  K")
