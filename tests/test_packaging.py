"""environment.yml mirrors pyproject.toml; the README and CI run the same commands."""

import re
from fnmatch import fnmatch

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.version import Version
from paths import ROOT, SHARED_REF


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


# -- package data ------------------------------------------------------------------

PKG = ROOT / "rmaplab"


def _package_data_globs():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["rmaplab"]


@pytest.mark.parametrize("folder", ["data", "csrc"])
def test_every_runtime_file_is_package_data_and_readable_as_a_resource(folder):
    """A file the library reads but the wheel leaves out fails only after
    `pip install .`; catch it here, from the source tree."""
    from importlib.resources import files

    globs = _package_data_globs()
    names = sorted(p.name for p in (PKG / folder).iterdir() if p.is_file())
    assert names, folder
    for name in names:
        assert any(fnmatch(f"{folder}/{name}", g) for g in globs), (name, globs)
        res = files("rmaplab") / folder / name
        assert res.is_file() and res.read_bytes() == (PKG / folder / name).read_bytes()
    assert "py.typed" in globs and (PKG / "py.typed").is_file()


def test_package_data_readme_names_every_file_and_its_source():
    readme = (PKG / "data" / "README.md").read_text()
    for p in (PKG / "data").iterdir():
        if p.name != "README.md":
            row = next((ln for ln in readme.splitlines() if ln.startswith(f"| `{p.name}`")), "")
            # a publication's data names its file in shared/reference; rmaplab's own
            # results say so and name the tool that regenerates them
            own = "computed by rmaplab itself" in row and "`tools/" in row
            assert "shared/reference/" in row or own, p.name


def test_byte_for_byte_copies_match_shared_reference():
    readme = (PKG / "data" / "README.md").read_text()
    copied = re.findall(r"^\| `([^`]+)` \|[^\n]*copied byte for byte", readme, re.M)
    assert len(copied) == 3, copied
    if not SHARED_REF.exists():
        pytest.skip("shared/reference not beside the clone")
    for name in copied:
        assert (PKG / "data" / name).read_bytes() == (SHARED_REF / name).read_bytes(), name


def test_library_reads_files_only_through_importlib_resources():
    """`Path(__file__)` walks out of site-packages after a non-editable install."""
    for p in PKG.rglob("*.py"):
        assert "__file__" not in p.read_text(), p.relative_to(ROOT)


def test_missing_package_data_raises_naming_the_file():
    from rmaplab._data import data_text

    with pytest.raises(FileNotFoundError, match=r"data/nope\.csv"):
        data_text("nope.csv")


def test_pre_commit_runs_the_static_checks_ci_runs():
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]
    ids = {h["id"]: h["entry"] for r in hooks for h in r["hooks"]}
    assert ids == {
        "ruff": "ruff check --force-exclude",
        "ruff-format": "ruff format --force-exclude",
        "mypy": "mypy",
    }
    ci = (ROOT / ".ci" / "run").read_text()
    for cmd in ("ruff check .", "ruff format --check .", "mypy"):
        assert f".venv/bin/{cmd}\n" in ci, cmd


# -- typing ------------------------------------------------------------------------


def _public_api():
    """(name, function) for every function and public method the package exports:
    rmaplab.__all__ and the __all__ of every public module."""
    import importlib
    import inspect
    import pkgutil

    import rmaplab

    mods = [rmaplab] + [
        importlib.import_module(f"rmaplab.{m.name}")
        for m in pkgutil.iter_modules(rmaplab.__path__)
        if not m.name.startswith("_")
    ]
    seen = set()
    for mod in mods:
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isclass(obj) and obj.__module__.startswith("rmaplab"):
                fns = [
                    (f"{name}.{a}", f)
                    for a, f in vars(obj).items()
                    if inspect.isfunction(f) and (not a.startswith("_") or a == "__init__")
                ]
            elif inspect.isfunction(obj) and obj.__module__.startswith("rmaplab"):
                fns = [(name, obj)]
            else:
                continue
            for qual, f in fns:
                if f not in seen:
                    seen.add(f)
                    yield f"{f.__module__}.{qual}", f


def test_public_api_is_fully_annotated():
    """mypy checks annotations against the code; this checks they exist, for every
    function a user can import (rmaplab ships py.typed)."""
    import inspect

    missing = []
    api = list(_public_api())
    for qual, f in api:
        sig = inspect.signature(f)
        bare = [
            p.name
            for p in sig.parameters.values()
            if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty
        ]
        if sig.return_annotation is inspect.Signature.empty and f.__name__ != "__init__":
            bare.append("return")
        if bare:
            missing.append(f"{qual}: {', '.join(bare)}")
    assert len(api) > 50
    assert not missing, "\n".join(missing)
