"""Mutation testing of rmaplab's arithmetic core.

    python tools/mutation.py            # full run: every mutant of every target function
    python tools/mutation.py --quick    # CI: the hand-listed mutants below, each must be killed
    python tools/mutation.py --list     # print the mutants without running them

Targets (functions, and the tests that guard them) are listed in ``pyproject.toml`` under
``[tool.rmaplab.mutation]``; survivors that are equivalent are listed with their reasons in
``MUTATION.md`` (``tools/mutation.py`` reports them as "equivalent" rather than "survived").

How a mutant runs. One parent process imports rmaplab (and numpy, numba, pandas, flint,
pytest, hypothesis) once. For each mutant it forks; the child compiles the mutated module
source, swaps the mutated function's ``__code__`` into the live function object (so every
caller, including other modules that imported the function by name, runs the mutant), clears
every ``lru_cache`` of the package, and runs the target's tests with ``pytest -x``. A failing
test kills the mutant; a child that runs past its time budget is killed and counted as
"timeout" (killed: the mutant made the tests hang). mutmut 3 was tried first: it generates
~3200 mutants for these six files (most of them in error-message strings) and skips decorated
functions (``verify._search`` is ``lru_cache``-wrapped), so this runner mutates only code, in
the named functions, with operators that change arithmetic:

* binary operators: ``+ -``, ``* //``, ``%``, ``**``, ``<< >>``, ``& | ^`` swapped;
* comparisons: ``< <=``, ``> >=``, ``== !=``, ``in / not in``, ``is / is not`` swapped;
* integer literals: ``n -> n + 1`` and ``n -> n - 1`` (not below 0);
* ``not x -> x``, ``-x -> x``, ``and <-> or``, ``True <-> False``, ``min <-> max``,
  ``any <-> all``.

Strings, f-strings, docstrings, ``raise`` statements and annotations are not mutated: they
are text, not arithmetic (the tests pin error messages separately).
"""

from __future__ import annotations

import argparse
import ast
import functools
import gc
import importlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# -- mutation operators ---------------------------------------------------------

_BINOP = {
    ast.Add: [ast.Sub],
    ast.Sub: [ast.Add],
    ast.Mult: [ast.FloorDiv],
    ast.FloorDiv: [ast.Mult],
    ast.Div: [ast.Mult],
    ast.Mod: [ast.FloorDiv],
    ast.Pow: [ast.Mult],
    ast.LShift: [ast.RShift],
    ast.RShift: [ast.LShift],
    ast.BitAnd: [ast.BitOr],
    ast.BitOr: [ast.BitAnd],
    ast.BitXor: [ast.BitOr],
}
_CMP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_NAMES = {"min": "max", "max": "min", "any": "all", "all": "any"}


@dataclass
class Mutant:
    ident: str  # module:qualname:index
    module: str
    qualname: str
    line: int
    before: str
    after: str
    tree: ast.Module | None = None
    nth: int = 1  # among this function's mutants with the same before -> after text

    @property
    def key(self) -> str:
        """What MUTATION.md lists an equivalent mutant by (survives renumbering); the
        second and later mutants with the same text get ``#n``, so one key never
        excuses two mutants."""
        nth = f" #{self.nth}" if self.nth > 1 else ""
        return f"{self.module}:{self.qualname}: {self.before} -> {self.after}{nth}"

    def describe(self) -> str:
        return f"{self.ident} (line {self.line}): {self.before}  ->  {self.after}"


def _skip_subtree(node) -> bool:
    return isinstance(node, ast.Raise | ast.JoinedStr | ast.arg | ast.arguments) or (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _mutable_nodes(fn):
    """Nodes under ``fn``'s body that a mutation operator applies to (pre-order)."""
    stack = list(reversed(fn.body))
    while stack:
        node = stack.pop()
        if _skip_subtree(node):
            continue
        yield node
        children = [
            c
            for f, c in ast.iter_fields(node)
            if f not in ("annotation", "returns", "decorator_list")
            for c in (c if isinstance(c, list) else [c])
            if isinstance(c, ast.AST)
        ]
        stack.extend(reversed(children))


def _variants(node):
    """(label, mutate) pairs: ``mutate(n)`` changes a deep copy ``n`` of ``node`` in place."""
    out = []
    if isinstance(node, ast.BinOp | ast.AugAssign):
        for new in _BINOP.get(type(node.op), []):
            out.append(lambda n, new=new: setattr(n, "op", new()))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _CMP:
                out.append(lambda n, i=i: n.ops.__setitem__(i, _CMP[type(n.ops[i])]()))
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        out.append(lambda n: setattr(n, "value", n.value + 1))
        if node.value >= 1:
            out.append(lambda n: setattr(n, "value", n.value - 1))
    elif isinstance(node, ast.Constant) and type(node.value) is bool:
        out.append(lambda n: setattr(n, "value", not n.value))
    elif isinstance(node, ast.BoolOp):
        out.append(lambda n: setattr(n, "op", ast.Or() if isinstance(n.op, ast.And) else ast.And()))
    elif isinstance(node, ast.Name) and node.id in _NAMES and isinstance(node.ctx, ast.Load):
        out.append(lambda n: setattr(n, "id", _NAMES[n.id]))
    return out


def _unary_removals(node):
    """``not x`` / ``-x`` are replaced by ``x``: done on the parent, which holds the field."""
    for field, value in ast.iter_fields(node):
        items = value if isinstance(value, list) else [value]
        for i, c in enumerate(items):
            if isinstance(c, ast.UnaryOp) and isinstance(c.op, ast.Not | ast.USub):
                yield field, (i if isinstance(value, list) else None)


def _find_function(tree: ast.Module, qualname: str):
    scope = tree.body
    node = None
    for part in qualname.split("."):
        node = next(
            (
                n
                for n in scope
                if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
                and n.name == part
            ),
            None,
        )
        if node is None:
            raise SystemExit(f"mutation: {qualname} not found")
        scope = node.body
    return node


def _path_to(root, target):
    """Child-field path from ``root`` to ``target`` (a list of (field, index))."""
    for field, value in ast.iter_fields(root):
        items = value if isinstance(value, list) else [value]
        for i, c in enumerate(items):
            if c is target:
                return [(field, i if isinstance(value, list) else None)]
            if isinstance(c, ast.AST):
                sub = _path_to(c, target)
                if sub is not None:
                    return [(field, i if isinstance(value, list) else None), *sub]
    return None


def _follow(root, path):
    for field, i in path:
        root = getattr(root, field) if i is None else getattr(root, field)[i]
    return root


def _short(src: str) -> str:
    line = " ".join(src.split())
    return line if len(line) <= 110 else line[:107] + "..."


def generate(module: str, qualnames: list[str]) -> list[Mutant]:
    path = ROOT / (module.replace(".", "/") + ".py")
    src = path.read_text()
    tree = ast.parse(src)
    out = []
    for qn in qualnames:
        fn = _find_function(tree, qn)
        fn_path = _path_to(tree, fn)
        parents = {c: n for n in ast.walk(fn) for c in ast.iter_child_nodes(n)}
        count = 0
        first = len(out)
        for node in _mutable_nodes(fn):
            node_path = _path_to(fn, node)
            changes = [("op", v) for v in _variants(node)]
            changes += [("unary", fi) for fi in _unary_removals(node)]
            for kind, arg in changes:
                # a fresh parse is the same tree as a deep copy, several times faster
                new_tree = ast.parse(src)
                new_fn = _follow(new_tree, fn_path)
                new_node = _follow(new_fn, node_path)
                if kind == "op":
                    # a literal or a name alone says little: show the expression around it
                    ctx = node
                    if isinstance(node, ast.Constant | ast.Name):
                        par = parents.get(node)
                        if isinstance(par, ast.expr):
                            ctx = par
                        # a slice alone (`:2`) names neither side: `cand[:2] < best[:2]`
                        # holds two, whose mutants must not share one key
                        if isinstance(ctx, ast.Slice) and isinstance(
                            parents.get(ctx), ast.Subscript
                        ):
                            ctx = parents[ctx]
                        # `f = 0` and `mk = 0` in one function: show the statement
                        if ctx is node and isinstance(
                            par, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Return
                        ):
                            ctx = par
                    before = ast.unparse(ctx)
                    arg(new_node)
                    after = ast.unparse(
                        _follow(new_fn, _path_to(fn, ctx)) if ctx is not node else new_node
                    )
                else:
                    field, i = arg
                    un = getattr(node, field) if i is None else getattr(node, field)[i]
                    before, after = ast.unparse(un), ast.unparse(un.operand)
                    if i is None:
                        setattr(new_node, field, getattr(new_node, field).operand)
                    else:
                        getattr(new_node, field)[i] = getattr(new_node, field)[i].operand
                if after == before:
                    continue
                before, after = _short(before), _short(after)
                count += 1
                nth = 1 + sum(1 for o in out[first:] if (o.before, o.after) == (before, after))
                out.append(
                    Mutant(
                        f"{module}:{qn}:{count}",
                        module,
                        qn,
                        getattr(node, "lineno", fn.lineno),
                        before,
                        after,
                        ast.fix_missing_locations(new_tree),
                        nth,
                    )
                )
    return out


def textual(module: str, qualname: str, old: str, new: str, ident: str) -> Mutant:
    """A hand-listed mutant: replace the one occurrence of ``old`` inside ``qualname``."""
    path = ROOT / (module.replace(".", "/") + ".py")
    src = path.read_text()
    tree = ast.parse(src)
    fn = _find_function(tree, qualname)
    lines = src.splitlines(keepends=True)
    start = sum(len(x) for x in lines[: fn.lineno - 1])
    end = sum(len(x) for x in lines[: fn.end_lineno])
    body = src[start:end]
    if body.count(old) != 1:
        raise SystemExit(f"mutation: {ident}: {old!r} occurs {body.count(old)} times in {qualname}")
    new_src = src[:start] + body.replace(old, new) + src[end:]
    line = fn.lineno + body[: body.index(old)].count("\n")
    return Mutant(ident, module, qualname, line, _short(old), _short(new), ast.parse(new_src))


# -- running a mutant ------------------------------------------------------------


def _live_function(mod, qualname: str):
    obj = mod
    for part in qualname.split("."):
        obj = obj.__dict__[part] if isinstance(obj, type) else getattr(obj, part)
    if isinstance(obj, property):
        obj = obj.fget
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    return getattr(obj, "__wrapped__", obj)


def _apply(m: Mutant) -> None:
    mod = importlib.import_module(m.module)
    code = compile(m.tree, mod.__file__, "exec")
    ns = {"__name__": m.module, "__package__": mod.__package__, "__file__": mod.__file__}
    exec(code, ns)
    new = _live_function(_NsModule(ns), m.qualname)
    old = _live_function(mod, m.qualname)
    if new.__code__.co_freevars != old.__code__.co_freevars:
        raise RuntimeError(f"{m.ident}: free variables differ, cannot swap code")
    old.__code__ = new.__code__
    for obj in gc.get_objects():  # cached results of the unmutated code must not leak in
        if isinstance(obj, functools._lru_cache_wrapper) and getattr(
            obj, "__module__", ""
        ).startswith("rmaplab"):
            obj.cache_clear()


class _NsModule:
    def __init__(self, ns):
        self.__dict__.update(ns)


def _run_child(m: Mutant, tests: list[str], quiet: bool) -> None:
    import pytest

    os.environ["RMAPLAB_MUTANT"] = m.ident
    try:
        _apply(m)
    except Exception as e:  # a mutant that cannot even load is killed
        print(f"  load error: {e!r}")
        os._exit(99)
    from hypothesis import settings

    settings.load_profile(os.environ.get("RMAPLAB_MUTATION_HYPOTHESIS", "nojit"))
    args = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not slow", *tests]
    if quiet:
        args += ["--no-header", "--tb=no", "-o", "addopts="]
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    rc = pytest.main(args)
    os._exit(int(rc))


def run_mutant(m: Mutant, tests: list[str], timeout: float, quiet: bool = True):
    """('killed'|'survived'|'timeout'|'error', seconds)."""
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        _run_child(m, tests, quiet)
    tick = os.sysconf("SC_CLK_TCK")
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        # the budget is CPU time, so a busy machine does not turn slow tests into "timeouts";
        # wall time is capped at 20 times the budget
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            cpu = time.monotonic() - t0
        if cpu > timeout or time.monotonic() - t0 > 20 * timeout:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - t0
        time.sleep(0.05)
    rc = os.waitstatus_to_exitcode(status)
    dt = time.monotonic() - t0
    if rc == 0:
        return "survived", dt
    if rc in (1, 2):  # a test failed, or a test module failed to import under the mutant
        return "killed", dt
    return "error", dt  # usage error, no tests collected, or the mutant did not load


# -- which tests run which target function ------------------------------------------


class _Tracker:
    """pytest plugin: for each test, the target functions it calls (by code object)."""

    def __init__(self, codes: dict):
        self.codes = codes  # code object -> "module:qualname"
        self.current = None
        self.calls: dict[str, set[str]] = {}
        self.seconds: dict[str, float] = {}

    def profile(self, frame, event, arg):
        if event == "call" and self.current is not None:
            name = self.codes.get(frame.f_code)
            if name is not None:
                self.calls.setdefault(name, set()).add(self.current)

    def pytest_runtest_call(self, item):
        self.current = item.nodeid

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.seconds[report.nodeid] = report.duration
            self.current = None


def collect_stats(targets: list[dict], path: Path) -> dict:
    """Run every target's tests once, unmutated, recording which tests call which target
    function and how long each test takes (in a child process, so nothing stays cached)."""
    import threading

    import pytest

    codes = {}
    for t in targets:
        mod = importlib.import_module(t["module"])
        for qn in t["functions"]:
            codes[_live_function(mod, qn).__code__] = f"{t['module']}:{qn}"
    files = sorted({f for t in targets for f in t["tests"]})
    pid = os.fork()
    if pid == 0:
        tracker = _Tracker(codes)
        sys.setprofile(tracker.profile)
        threading.setprofile(tracker.profile)
        rc = pytest.main(
            ["-q", "-p", "no:cacheprovider", "-m", "not slow", *files], plugins=[tracker]
        )
        sys.setprofile(None)
        data = {
            "returncode": int(rc),
            "calls": {k: sorted(v) for k, v in tracker.calls.items()},
            "seconds": tracker.seconds,
        }
        path.write_text(json.dumps(data, indent=1) + "\n")
        os._exit(0)
    os.waitpid(pid, 0)
    data = json.loads(path.read_text())
    if data["returncode"] != 0:
        raise SystemExit(f"mutation: the unmutated tests fail (pytest exit {data['returncode']})")
    return data


def tests_for(
    m: Mutant, fallback: list[str], stats: dict | None, max_seconds: float = 0.0
) -> list[str]:
    """The tests that call the mutated function, fastest first (all of ``fallback`` when
    no statistics were collected); with ``max_seconds``, only those that took at most that
    long in the traced run."""
    if stats is None:
        return fallback
    ids = stats["calls"].get(f"{m.module}:{m.qualname}", [])
    sec = stats["seconds"]
    if max_seconds:
        ids = [i for i in ids if sec.get(i, 0.0) <= max_seconds]
    return sorted(ids, key=lambda i: sec.get(i, 0.0))


# -- configuration ---------------------------------------------------------------


def load_config() -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return data["tool"]["rmaplab"]["mutation"]


def equivalent_list() -> dict[str, str]:
    """Mutants documented as equivalent in MUTATION.md: ``- `key`: reason`` lines, where
    ``key`` is ``module:function: before -> after`` as this script prints it."""
    path = ROOT / "MUTATION.md"
    out = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line.startswith("- `") and "`:" in line:
                ident, _, reason = line[3:].partition("`:")
                if ident.startswith("rmaplab.") and " -> " in ident:  # not prose bullets
                    out[ident] = reason.strip()
    return out


def _preload() -> None:
    """Import everything the tests import, once, in the parent."""
    import hypothesis  # noqa: F401
    import pytest

    for name in ("rmaplab", "rmaplab.cli", "rmaplab.verify", "rmaplab.collide", "rmaplab.cost"):
        importlib.import_module(name)
    for t in load_config()["targets"]:
        importlib.import_module(t["module"])
    # pytest's first run spends ~9 s loading the environment's plugins; do it once here.
    # Collecting only conftest.py imports no test module, so no test computes anything
    # with the unmutated code in the parent.
    saved = os.dup(1), os.dup(2)
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    try:
        pytest.main(["--co", "-q", "-p", "no:cacheprovider", "tests/conftest.py"])
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)


def _may_match(only: str, module: str, qualname: str) -> bool:
    """Whether an ``--only`` text can be part of an id ``module:qualname:N``: what is left
    of it without its trailing digits must lie in ``module:qualname:``."""
    prefix = f"{module}:{qualname}:"
    return any(o.rstrip("0123456789") in prefix for o in only.split(","))


def _strip_options(argv: list[str], names: tuple[str, ...]) -> list[str]:
    """``argv`` without the options ``names`` (``--x V`` and ``--x=V`` forms)."""
    out, skip = [], False
    for x in argv:
        if skip:
            skip = False
        elif x in names:
            skip = True
        elif not any(x.startswith(n + "=") for n in names):
            out.append(x)
    return out


def _run_shard(argv: list[str], k: int, n: int) -> dict:
    """One shard in its own process (a dask task runs this on a worker)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rmaplab-mutation-") as tmp:
        out = Path(tmp) / "shard.json"
        cmd = [sys.executable, str(ROOT / "tools" / "mutation.py"), *argv]
        cmd += ["--shard", f"{k}/{n}", "--json", str(out)]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        data = json.loads(out.read_text()) if out.exists() else {"counts": {}, "results": []}
    data["shard"] = f"{k}/{n}"
    data["returncode"] = proc.returncode
    data["log"] = proc.stdout[-4000:] + proc.stderr[-4000:]
    return data


def run_sharded(a, argv: list[str], cfg: dict) -> int:
    """The run as ``--workers`` shards (``--shard k/N``), at once: local processes, or
    one dask task each on ``--scheduler``; the test-call statistics are collected once,
    first, and every shard reuses them. Results are merged into ``--json``."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    n = a.workers if a.workers > 1 else 2
    stats = a.stats or Path("/tmp") / f"rmaplab-mutation-stats-{os.getpid()}.json"
    if not stats.exists():
        _preload()
        print("running the tests once to see which tests call which function", flush=True)
        collect_stats(cfg["targets"], stats)
    base = _strip_options(argv, ("--workers", "--scheduler", "--json", "--stats"))
    base += ["--stats", str(stats)]
    if a.scheduler:
        from rmaplab.collide import dask_executor

        pool = dask_executor(a.scheduler)
    else:
        pool = ThreadPoolExecutor(max_workers=n)  # each thread waits on one process
    t0 = time.monotonic()
    results: list[dict] = []
    counts: dict[str, int] = {}
    bad_shards = []
    futures = [pool.submit(_run_shard, base, k, n) for k in range(1, n + 1)]
    for f in as_completed(futures):
        d = f.result()
        results += d["results"]
        for key, v in d["counts"].items():
            counts[key] = counts.get(key, 0) + v
        if d["returncode"] not in (0, 1):
            bad_shards.append(d["shard"])
        print(f"shard {d['shard']} done (exit {d['returncode']}): {d['counts']}", flush=True)
        for line in d["log"].splitlines():
            if " survived " in line or "    key: " in line or " error " in line:
                print(f"  {line}", flush=True)
    pool.shutdown()
    client = getattr(pool, "_client", None)  # dask: close it before its cluster goes
    if client is not None:
        client.close()
    if a.json:
        a.json.write_text(json.dumps({"counts": counts, "results": results}, indent=1) + "\n")
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    total = len(results)
    scored = total - counts.get("equivalent", 0)
    print(
        f"mutants: {total} in {n} shards, killed: {counts.get('killed', 0)}, timeout: "
        f"{counts.get('timeout', 0)}, survived: {counts.get('survived', 0)} (+"
        f"{counts.get('no-tests', 0)} no test calls), equivalent (MUTATION.md): "
        f"{counts.get('equivalent', 0)}, error: {counts.get('error', 0)}; score "
        f"{killed}/{scored} = {killed / scored if scored else 1.0:.1%} "
        f"({time.monotonic() - t0:.0f} s)"
        + (f"; shards that failed: {', '.join(bad_shards)}" if bad_shards else "")
    )
    bad = counts.get("survived", 0) + counts.get("error", 0) + counts.get("no-tests", 0)
    return 1 if bad or bad_shards else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="only the hand-listed CI mutants")
    ap.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    ap.add_argument(
        "--only",
        default="",
        help="run only mutant ids containing one of these (comma-separated) texts",
    )
    ap.add_argument("--timeout", type=float, default=None, help="seconds per mutant")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument(
        "--max-test-seconds",
        type=float,
        default=None,
        help="skip tests slower than this in the traced run (0: run all; default from pyproject)",
    )
    ap.add_argument(
        "--sample",
        type=int,
        default=0,
        help="a random sample of this many mutants, in random order",
    )
    ap.add_argument("--seed", type=int, default=0, help="seed of --sample")
    ap.add_argument("--shard", default="", help="K/N: every N-th mutant from the K-th (1-based)")
    ap.add_argument("--resume", default="", help="--json files whose kills are kept, not rerun")
    ap.add_argument("--tests", default="", help="run these tests (comma-separated) instead")
    ap.add_argument(
        "--stats", type=Path, default=None, help="reuse (or write) the test-call statistics here"
    )
    ap.add_argument(
        "--rerun", type=Path, default=None, help="only mutants not killed in this --json file"
    )
    ap.add_argument(
        "--max-seconds",
        type=float,
        default=0.0,
        help="start no mutant after this many seconds (0: no limit); the --json keeps "
        "what ran, --resume goes on",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="show pytest output")
    ap.add_argument(
        "--workers",
        type=int,
        default=0,
        help="run the mutants as N shards at once (local processes, or tasks of --scheduler)",
    )
    ap.add_argument(
        "--scheduler",
        default="",
        help="dask scheduler address (tcp://host:8786): each shard one task; the workers "
        "need this checkout at the same path",
    )
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    cfg = load_config()
    if a.workers < 0 or a.workers > 256:
        raise SystemExit(f"mutation: workers={a.workers} is out of range: allowed 0..256")
    if (a.workers > 1 or a.scheduler) and not a.list:
        if a.shard or a.quick:
            raise SystemExit("mutation: --workers/--scheduler run shards: not with --shard/--quick")
        return run_sharded(a, list(sys.argv[1:] if argv is None else argv), cfg)
    jobs: list[tuple[Mutant, list[str]]] = []
    if a.quick:
        for q in cfg["quick"]:
            m = textual(q["module"], q["function"], q["old"], q["new"], q["id"])
            jobs.append((m, q["tests"]))
    else:
        for t in cfg["targets"]:
            fns = t["functions"]
            if a.only:  # generating is slow (a module copy per mutant): skip what cannot match
                fns = [f for f in fns if _may_match(a.only, t["module"], f)]
            for m in generate(t["module"], fns):
                tests = t.get("tests_by_function", {}).get(m.qualname, t["tests"])
                jobs.append((m, tests))
    if a.rerun:
        prev = json.loads(a.rerun.read_text())["results"]
        again = {r["id"] for r in prev if r["status"] not in ("killed", "timeout")}
        jobs = [(m, t) for m, t in jobs if m.ident in again]
    if a.only:
        jobs = [(m, t) for m, t in jobs if any(o in m.ident for o in a.only.split(","))]
    if a.sample:
        import random

        # in random order: a run stopped early has still run a uniform sample
        jobs = [jobs[i] for i in random.Random(a.seed).sample(range(len(jobs)), a.sample)]
    if a.shard:
        k, n = (int(x) for x in a.shard.split("/"))
        jobs = jobs[k - 1 :: n]
    done: list[dict] = []
    if a.resume:  # keep the kills of earlier runs (a failing test is a kill however slow)
        current = {m.ident for m, _ in jobs}
        for f in a.resume.split(","):
            done += [
                r
                for r in json.loads(Path(f).read_text())["results"]
                if r["status"] == "killed" and r["id"] in current
            ]
        ids = {r["id"] for r in done}
        jobs = [(m, t) for m, t in jobs if m.ident not in ids]
    missing = sorted({p for _, t in jobs for p in t if not (ROOT / p.split("::")[0]).exists()})
    if missing:
        raise SystemExit(f"mutation: test files missing: {', '.join(missing)}")
    if a.list:
        for m, t in jobs:
            print(m.describe(), "| key:", m.key, "| tests:", " ".join(t))
        print(f"{len(jobs)} mutants")
        return 0
    timeout = a.timeout or (cfg["quick_timeout"] if a.quick else cfg["timeout"])
    _preload()
    stats = None
    if not a.quick:
        stats_path = a.stats or Path("/tmp") / f"rmaplab-mutation-stats-{os.getpid()}.json"
        if a.stats and a.stats.exists():
            stats = json.loads(a.stats.read_text())
        else:
            print("running the tests once to see which tests call which function", flush=True)
            stats = collect_stats(cfg["targets"], stats_path)
        cap = cfg.get("max_test_seconds", 0.0) if a.max_test_seconds is None else a.max_test_seconds
        jobs = [(m, tests_for(m, t, stats, cap)) for m, t in jobs]
    if a.tests:  # e.g. to check that a new test kills a listed survivor
        jobs = [(m, a.tests.split(",")) for m, _ in jobs]
    equiv = {} if a.quick else equivalent_list()
    results = list(done) if not a.quick else []
    counts: dict[str, int] = {}
    if results:
        counts["killed"] = len(results)
    t_start = time.monotonic()
    ran = 0
    for i, (m, tests) in enumerate(jobs, 1):
        if a.max_seconds and time.monotonic() - t_start > a.max_seconds:
            print(
                f"stopped by --max-seconds {a.max_seconds:g} after {ran} of {len(jobs)} "
                f"mutants (--resume this --json to go on)",
                flush=True,
            )
            break
        ran += 1
        if tests:
            budget = timeout
            if stats is not None:  # generous: the machine may be busier than during the stats
                budget = max(30.0, 5 * sum(stats["seconds"].get(t, 1.0) for t in tests))
            status, dt = run_mutant(m, tests, budget, quiet=not a.verbose)
        else:
            status, dt = "no-tests", 0.0  # no test calls the function: survives by definition
        if status == "survived" and m.key in equiv:
            status = "equivalent"
        counts[status] = counts.get(status, 0) + 1
        row = {"id": m.ident, "key": m.key, "line": m.line, "before": m.before}
        results.append(row | {"after": m.after, "status": status, "seconds": round(dt, 2)})
        if a.json:  # after every mutant, so an interrupted run keeps what it did
            a.json.write_text(json.dumps({"counts": counts, "results": results}, indent=1) + "\n")
        if i % 25 == 0:
            print(f"[{i}/{len(jobs)}] {counts} {time.monotonic() - t_start:.0f} s", flush=True)
        if status != "killed" or a.quick:
            print(f"[{i}/{len(jobs)}] {status:10s} {dt:5.1f}s {m.describe()}", flush=True)
            if status == "survived":
                print(f"    key: {m.key}", flush=True)
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    equivalent = counts.get("equivalent", 0)
    total = ran + len(done)  # what ran (a stopped run does not count the rest)
    score = killed / (total - equivalent) if total > equivalent else 1.0
    print(
        f"mutants: {total}, killed: {counts.get('killed', 0)}, timeout: "
        f"{counts.get('timeout', 0)}, survived: {counts.get('survived', 0)} (+"
        f"{counts.get('no-tests', 0)} no test calls), equivalent "
        f"(MUTATION.md): {equivalent}, error: {counts.get('error', 0)}; score "
        f"{killed}/{total - equivalent} = {score:.1%} ({time.monotonic() - t_start:.0f} s)"
    )
    if a.json:
        a.json.write_text(json.dumps({"counts": counts, "results": results}, indent=1) + "\n")
    bad = counts.get("survived", 0) + counts.get("error", 0) + counts.get("no-tests", 0)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
