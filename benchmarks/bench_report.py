"""Where `rmaplab report` spends its time: each part and view, from the library.

For every view of every report part (``rmaplab.report.PARTS``) it times the
frame (the computation) and the rendering (text, CSV and chart files) apart,
in one process, in the report's order, so numba compilation and caches are
charged to the first view that needs them, as in a real run. Then the
report's own facts (the moments rule, the race). Wall time and CPU time
(``time.process_time``: every thread of this process; the report's Monte
Carlo runs in threads) are printed side by side: on a shared machine wall
time measures the load as much as the code, CPU time the code.

``--cold`` points ``NUMBA_CACHE_DIR`` at an empty folder, so every kernel
compiles as on a fresh install. ``--fresh-venv DIR`` makes a new venv in DIR
(``python -m venv``; ``pip install -e`` of this checkout, timed), and runs
this benchmark there, cold. ``--end-to-end`` times ``rmaplab report --out``
itself (a child process: wall, and user + system CPU of it and its
children) instead of the per-view table. ``--save FILE`` writes the rows as
JSON; ``--before FILE`` prints a saved run beside this one, per part.

Usage: python benchmarks/bench_report.py [--quick] [--parts design,table]
       [--config wip-v1] [--seed 0] [--json] [--cold] [--fresh-venv DIR]
       [--end-to-end] [--save FILE] [--before FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _render(v, df, params, out: Path) -> None:
    from rmaplab.export import save_chart

    if v.csv_name is not None and len(df.columns):
        v.to_csv(df).to_csv(out / f"{v.csv_name}.csv", index=False)
    text = v.render_text(df, params)
    if text is not None:
        (out / f"{v.name}.txt").write_text(text)
    chart = v.render_chart(df, params)
    if chart is not None:
        save_chart(chart, out / v.name)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def run(quick: bool, parts: list[str] | None, config: str, seed: int) -> list[dict]:
    from rmaplab.config import get_config
    from rmaplab.report import PARTS
    from rmaplab.views import Params, view

    params = Params(get_config(config), quick, seed)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        for part, names in PARTS:
            if parts and part not in parts:
                continue
            for name in names:
                v = view(name)
                w0, c0 = _clock()
                df = v.build(params)
                w1, c1 = _clock()
                _render(v, df, params, out)
                w2, c2 = _clock()
                rows.append(
                    dict(
                        part=part,
                        view=name,
                        compute_s=w1 - w0,
                        render_s=w2 - w1,
                        compute_cpu_s=c1 - c0,
                        render_cpu_s=c2 - c1,
                    )
                )
                print(
                    f"  {part}/{name}: wall {w1 - w0:.1f} + {w2 - w1:.1f} s, "
                    f"cpu {c1 - c0:.1f} + {c2 - c1:.1f} s",
                    file=sys.stderr,
                )
    if parts is None or "extra" in parts:
        rows += _extras(quick, config, seed)
    return rows


def _extras(quick: bool, config: str, seed: int) -> list[dict]:
    """What the report computes beside the views (post.txt's own facts)."""
    from rmaplab import report
    from rmaplab.config import get_config
    from rmaplab.report_ids import ids_facts
    from rmaplab.views import Params

    params = Params(get_config(config), quick, seed)
    rows = []
    for name, fn in (
        ("largest_exact_order", report._leo_facts),
        ("rule_evidence", report._rule_evidence),
        ("race", report._race_facts),
        (
            "collisions by allocator",
            lambda: ids_facts(params.config, params.schemes_order, quick, seed),
        ),
    ):
        w0, c0 = _clock()
        fn()
        w1, c1 = _clock()
        rows.append(
            dict(
                part="extra",
                view=name,
                compute_s=w1 - w0,
                render_s=0.0,
                compute_cpu_s=c1 - c0,
                render_cpu_s=0.0,
            )
        )
        print(f"  extra/{name}: wall {w1 - w0:.1f} s, cpu {c1 - c0:.1f} s", file=sys.stderr)
    return rows


def _by_part(rows: list[dict]) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for r in rows:
        w, c = out.get(r["part"], (0.0, 0.0))
        out[r["part"]] = (
            w + r["compute_s"] + r["render_s"],
            c + r.get("compute_cpu_s", 0.0) + r.get("render_cpu_s", 0.0),
        )
    return out


def _print(res: dict, before: dict | None) -> None:
    rows = res["rows"]
    print(
        f"rmaplab report{' --quick' if res['quick'] else ''}: seconds per view "
        f"(one process{', cold numba cache' if res.get('cold') else ''})"
    )
    print(f"{'part':<11} {'view':<22} {'wall':>7} {'(rend)':>7} {'cpu':>7}")
    for r in rows:
        print(
            f"{r['part']:<11} {r['view']:<22} {r['compute_s'] + r['render_s']:7.1f} "
            f"{r['render_s']:7.1f} {r.get('compute_cpu_s', 0) + r.get('render_cpu_s', 0):7.1f}"
        )
    print()
    now = _by_part(rows)
    then = _by_part(before["rows"]) if before else {}
    head = f"{'part':<11} {'wall':>7} {'cpu':>7}"
    if before:
        head += f"   {'before wall':>11} {'cpu':>7}"
    print(head)
    for p, (w, c) in now.items():
        line = f"{p:<11} {w:7.1f} {c:7.1f}"
        if p in then:
            line += f"   {then[p][0]:11.1f} {then[p][1]:7.1f}"
        print(line)
    line = f"{'total':<11} {res['total_s']:7.1f} {res.get('total_cpu_s', 0):7.1f}"
    if before:
        line += f"   {before['total_s']:11.1f} {before.get('total_cpu_s', 0):7.1f}"
    print(line + "  (s; imports excluded)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


def _fresh_venv(d: Path) -> Path:
    """A new venv in ``d`` with this checkout installed; prints the install time."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(d)], check=True)
    py = d / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "-e", str(ROOT)], check=True)
    print(f"fresh venv {d}: install {time.perf_counter() - t0:.0f} s wall", file=sys.stderr)
    return py


def _end_to_end(py: Path, quick: bool, config: str, seed: int) -> dict:
    """``rmaplab report --out`` in a child process: wall and CPU seconds."""
    with tempfile.TemporaryDirectory() as d:
        argv = [str(py), "-m", "rmaplab", "report", "--out", str(Path(d) / "R")]
        argv += ["--quick"] if quick else []
        argv += ["--config", config, "--seed", str(seed)]
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, cwd=d)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return dict(command=" ".join(argv[1:]), wall_s=wall, cpu_s=cpu)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--parts", help="comma-separated report parts (default: all)")
    ap.add_argument("--config", default="wip-v1")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cold", action="store_true", help="empty numba cache (NUMBA_CACHE_DIR)")
    ap.add_argument("--fresh-venv", metavar="DIR", help="new venv here, this checkout installed")
    ap.add_argument("--end-to-end", action="store_true", help="time `rmaplab report` itself")
    ap.add_argument("--save", metavar="FILE", help="write the rows as JSON")
    ap.add_argument("--before", metavar="FILE", help="a --save'd run to print beside")
    a = ap.parse_args(argv)
    py = Path(sys.executable)
    env_cold = None
    if a.fresh_venv:
        if Path(a.fresh_venv).exists():
            ap.error(f"--fresh-venv: {a.fresh_venv} exists: allowed a new folder")
        py = _fresh_venv(Path(a.fresh_venv))
        a.cold = True
    if a.cold and not os.environ.get("RMAPLAB_BENCH_COLD"):
        env_cold = tempfile.mkdtemp(prefix="numba-cold-")
    if a.end_to_end:
        env = dict(os.environ)
        if env_cold:
            env["NUMBA_CACHE_DIR"] = env_cold
        os.environ.update(env)
        r = _end_to_end(py, a.quick, a.config, a.seed)
        print(
            f"{r['command']}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU "
            f"(cold numba cache: {bool(env_cold)}); load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        return 0
    if env_cold or py != Path(sys.executable):
        # rerun this script in the target interpreter with the cold cache
        env = dict(os.environ, RMAPLAB_BENCH_COLD="1")
        if env_cold:
            env["NUMBA_CACHE_DIR"] = env_cold
        args = [x for x in (argv if argv is not None else sys.argv[1:])]
        if a.fresh_venv:
            i = args.index("--fresh-venv")
            del args[i : i + 2]
        return subprocess.run([str(py), __file__, *args], env=env).returncode
    sys.path.insert(0, str(ROOT))
    from rmaplab.report import PARTS

    known = [p for p, _ in PARTS] + ["extra"]
    parts = a.parts.split(",") if a.parts else None
    for p in parts or []:
        if p not in known:
            ap.error(f"--parts: {p!r} is not a report part: allowed {', '.join(known)}")
    w0, c0 = _clock()
    rows = run(a.quick, parts, a.config, a.seed)
    w1, c1 = _clock()
    res = dict(
        rows=rows,
        total_s=w1 - w0,
        total_cpu_s=c1 - c0,
        quick=a.quick,
        cold=bool(os.environ.get("RMAPLAB_BENCH_COLD")),
    )
    if a.save:
        Path(a.save).write_text(json.dumps(res, indent=1) + "\n")
    if a.json:
        print(json.dumps(res, indent=1))
        return 0
    before = json.loads(Path(a.before).read_text()) if a.before else None
    _print(res, before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
