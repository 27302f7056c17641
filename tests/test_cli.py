import json
import re
import subprocess
import sys

import pytest

from rmaplab._data import data_text
from rmaplab.cli import main

TABLES = json.loads(data_text("kernel_subid_tables.json"))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "name, p, b",
    [("rmap_subids_4", 1024, 6), ("rmap_subids_5", 4096, 5), ("rmap_subids_6", 32768, 4)],
)
def test_subids_json_is_the_published_table(capsys, name, p, b):
    code, out, _ = run(capsys, "subids", "--base-pages", str(p), "--bits", str(b), "--json")
    assert code == 0
    assert json.loads(out) == TABLES[name]["values"]


def test_table_json_covers_wip_v1(capsys):
    _code, out, _ = run(capsys, "table", "--json")
    rows = json.loads(out)
    assert [r["order"] for r in rows] == list(range(16))
    need = {
        "order",
        "values",
        "bits",
        "base_pages",
        "word_bits",
        "bytes",
        "ids_supported",
        "headroom_bits",
    }
    assert all(need <= set(r) for r in rows)
    by = {r["order"]: r for r in rows}
    assert by[9]["values"] == 3 and by[9]["base_pages"] == 512 and by[9]["headroom_bits"] == -9
    assert by[13]["values"] == 6 and by[13]["bytes"] == 48
    assert all(r["ids_supported"] == 2**24 - 1 for r in rows)


@pytest.mark.parametrize(
    "argv",
    [
        ["table"],
        ["table", "--config", "wip-v1-32bit"],
        ["table", "--id-bits", "22", "--word-bits", "64", "--max-order", "21"],
        ["subids", "--base-pages", "512", "--bits", "8"],
        ["subids", "--base-pages", "32768", "--bits", "4", "--word-bits", "32"],
        ["configs"],
    ],
)
def test_text_output_fits_mail(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.strip()
    assert max(len(line) for line in out.splitlines()) <= 72


def test_table_text_reports_rule_failure(capsys):
    _, out, _ = run(capsys, "table")
    assert "fails at orders 6, 7, 8, 9" in out


@pytest.mark.parametrize(
    "argv, match",
    [
        (["table", "--config", "nope"], "config='nope' is unknown"),
        (["table", "--id-bits", "24"], "--id-bits, --word-bits and --max-order go together"),
        (
            ["table", "--id-bits", "24", "--word-bits", "16", "--max-order", "16"],
            "max_order=16 is impossible",
        ),
        (["subids", "--base-pages", "0", "--bits", "4"], r"--base-pages=0 is out of range"),
        (
            ["subids", "--base-pages", "4", "--bits", "30"],
            r"bits=30 is out of range: allowed \[1, 24\]",
        ),
    ],
)
def test_cli_errors_name_the_parameter(capsys, argv, match):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert re.search(match, err)


def test_console_script_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "rmaplab", "subids", "--base-pages", "4", "--bits", "2", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(proc.stdout) == [0, 1, 5, 6]


# -- issue 21 item 5: a CLI that answers at once ----------------------------------


def test_import_cli_loads_no_heavy_library():
    code = (
        "import rmaplab.cli, sys; "
        "heavy = [m for m in ('numba', 'pandas', 'altair') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("argv", [["--help"], ["race", "--list"]])
def test_help_and_race_list_load_no_numba(argv):
    code = (
        "import sys; from rmaplab.cli import main; main(sys.argv[1:]); "
        "heavy = [m for m in ('numba', 'altair') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "race" in proc.stdout or "seqcount" in proc.stdout


def test_every_command_builds_alone():
    from rmaplab.cli import GROUPS, build_parser

    full = build_parser()
    names = set(full._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert {"table", "verify", "race", "race-stress", "design", "warmup"} <= names
    for cmd in names:
        one = build_parser(cmd)
        sub = one._subparsers._group_actions[0].choices[cmd]  # type: ignore[union-attr]
        assert sub._actions[1:], (cmd, GROUPS)  # its options, not just -h


def test_every_command_prints_its_help():
    """`rmaplab CMD --help` formats every option's help (a bare `%` in a help
    string, e.g. "50% of", crashes argparse's formatter only when help is asked)."""
    from rmaplab.cli import build_parser

    full = build_parser()
    subs = full._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in subs.items():
        text = sub.format_help()
        assert name in text
    assert "% of this machine's RAM" in " ".join(subs["compare"].format_help().split())
