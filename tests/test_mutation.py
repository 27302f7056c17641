"""CI's share of the mutation run: the hand-listed mutants of `tools/mutation.py
--quick` (one per kind of gap found by the first probe) must each be killed."""

import subprocess
import sys

import pytest
from paths import ROOT


@pytest.mark.slow
def test_hand_listed_mutants_are_killed():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "mutation.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    lines = [x for x in out.splitlines() if x.startswith("[")]
    assert len(lines) >= 8 and all(" killed " in x for x in lines), out
    assert "survived: 0" in out and "error: 0" in out, out


def _config():
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["rmaplab"]["mutation"]


def test_every_test_file_credited_with_kills_runs_in_a_full_run():
    """A full run runs only the test files listed under a target; a kill MUTATION.md
    credits to a file listed nowhere would show up as a survivor (issue 18)."""
    import re

    cfg = _config()
    listed = {f for t in cfg["targets"] for f in t["tests"]}
    listed |= {f.split("::")[0] for q in cfg["quick"] for f in q["tests"]}  # --quick
    text = (ROOT / "MUTATION.md").read_text()
    # the sections about mutants and runs (not those on report numbers or widgets)
    parts = re.split(r"^(##+ .*)$", text, flags=re.M)
    runs = "".join(
        body
        for head, body in zip(parts[1::2], parts[2::2], strict=True)
        if re.search(r"mutant|run|survivor", head, re.I)
    )
    credited = set(re.findall(r"(test_\w+\.py)::", runs))
    assert credited, "MUTATION.md names no killing test"
    for name in sorted(credited):
        assert f"tests/{name}" in listed, name


@pytest.mark.slow  # generating every mutant takes a minute
def test_mutant_keys_are_unique_where_listed_as_equivalent():
    """MUTATION.md lists equivalent mutants by key (`module:function: before -> after`);
    a key shared by two different mutants would excuse both."""
    sys.path.insert(0, str(ROOT / "tools"))
    import mutation

    keys: dict[str, list[str]] = {}
    for t in _config()["targets"]:
        for m in mutation.generate(t["module"], t["functions"]):
            keys.setdefault(m.key, []).append(m.ident)
    for key in mutation.equivalent_list():
        assert key in keys, f"MUTATION.md lists a mutant that is not generated: {key}"
        assert len(keys[key]) == 1, f"{key} names {keys[key]}"


def test_every_listed_equivalent_is_read_by_the_tool():
    """A `- `key`` line of MUTATION.md counts only written `- `key`: reason`; any other
    form is silently not an equivalent and the mutant shows up as a survivor."""
    sys.path.insert(0, str(ROOT / "tools"))
    import mutation

    equiv = mutation.equivalent_list()
    lines = [
        x.strip()
        for x in (ROOT / "MUTATION.md").read_text().splitlines()
        if x.strip().startswith("- `rmaplab.")
    ]
    assert lines
    for x in lines:
        assert x[3:].partition("`")[0] in equiv, x


def test_shard_helpers():
    """--workers passes every other option to its shards, and --only skips generating
    only functions whose ids cannot contain the text."""
    sys.path.insert(0, str(ROOT / "tools"))
    import mutation

    argv = ["--sample", "60", "--workers", "2", "--json=a.json", "--stats", "s", "--seed", "3"]
    got = mutation._strip_options(argv, ("--workers", "--json", "--stats"))
    assert got == ["--sample", "60", "--seed", "3"]
    may = mutation._may_match
    assert may("verify:_mixed_assign:40", "rmaplab.verify", "_mixed_assign")
    assert may("_assign", "rmaplab.verify", "_mixed_assign")  # a substring of the id
    assert may("4", "rmaplab.cost", "cost_row")  # any id may end in 4
    assert not may("verify:_mixed_assign:40", "rmaplab.verify", "_assign")
    assert not may("collide:", "rmaplab.verify", "_assign")


def test_every_target_and_listed_equivalent_names_a_live_function():
    """A function moved to another module (collide's Monte Carlo went to
    collide_methods) leaves a target the run cannot import, and an equivalent
    that silently stops matching: every name must resolve at this code."""
    import importlib

    sys.path.insert(0, str(ROOT / "tools"))
    import mutation

    cfg = _config()
    names = {(t["module"], f) for t in cfg["targets"] for f in t["functions"]}
    names |= {(q["module"], q["function"]) for q in cfg["quick"]}
    for ident in mutation.equivalent_list():
        module, function = ident.split(":")[:2]
        names.add((module, function))
    missing = []
    for module, function in sorted(names):
        obj = importlib.import_module(module)
        for part in function.split("."):
            obj = getattr(obj, part, None)
        if obj is None:
            missing.append(f"{module}:{function}")
    assert not missing, missing
