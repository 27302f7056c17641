"""environment.yml mirrors pyproject.toml; the README and CI run the same commands."""

import re

import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.version import Version
from paths import ROOT


def _pyproject_reqs():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in meta["dependencies"]]
    reqs += [Requirement(r) for r in meta["optional-dependencies"]["dev"]]
    return {r.name.lower(): r for r in reqs}


def _conda_reqs():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep["pip"]
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", dep)
        out[m.group(1).lower()] = m.group(2)
    return out, pip


def _lower_bound(spec: str) -> Version:
    m = re.search(r">=\s*([0-9][^,\s]*)", spec)
    assert m, f"no lower bound in {spec!r}"
    return Version(m.group(1))


def test_every_dependency_has_a_lower_bound():
    for name, req in _pyproject_reqs().items():
        assert any(s.operator == ">=" for s in req.specifier), name


def test_environment_yml_matches_pyproject():
    py = _pyproject_reqs()
    conda, pip = _conda_reqs()
    conda.pop("python"), conda.pop("pip")
    assert set(conda) == set(py)
    for name, req in py.items():
        lo = next(Version(s.version) for s in req.specifier if s.operator == ">=")
        assert _lower_bound(conda[name]) == lo, name
    assert pip == ["-e .[dev]"]


def _readme_commands():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.*?)\n```", text, re.S)


def test_readme_has_two_setup_commands_and_ci_runs_the_test_one():
    cmds = _readme_commands()
    assert len(cmds) == 2, cmds
    main_job, tests = cmds
    assert main_job.startswith("python3 -m venv") and tests.startswith("python3 -m venv")
    assert "rmaplab" in main_job and "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci
