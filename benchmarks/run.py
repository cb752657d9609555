"""Run every ``benchmarks/bench_*.py`` and write ``BENCHMARKS.md`` and ``benchmarks/results.json``.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py [--quick] [--only NAME ...] [--out BENCHMARKS.md]
    .venv/bin/python benchmarks/run.py --merge A.json B.json [--out BENCHMARKS.md]

Each module exposes ``run(quick: bool = False) -> list[dict]``, one dict per benchmark:
``name``, ``target`` (text), ``target_s`` (the median must be ≤ it; ``None`` = no target),
``samples``, ``baseline_name``, ``baseline_samples`` (measured in the same run), ``notes``, and
optionally ``table`` (markdown, included verbatim), ``unit`` (default ``"s"``; e.g. ``"MiB"``)
and ``error`` (a message: the benchmark could not be measured; it is reported as ERROR).

Every module runs in its own fresh interpreter (``--in-process`` to debug one in this one), so a
crash, a hang (``--timeout``), an out-of-memory kill or a leak in one cannot take the others or the
report down, and one module's memory never pollutes another's measurement.  Nothing is dropped
silently: a module that is missing, fails to import, raises, dies or returns malformed results
gets an ``ERROR`` row in the summary and a warning banner at the top of the report.

Exit status: 0 when every benchmark passed (or has no target), 2 when some missed a target,
1 when anything errored.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import fnmatch
import importlib.util
import json
import math
import os
import platform
import queue
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# Modules the project plans; one that is absent is reported as an ERROR, not skipped quietly.
EXPECTED = (
    "bench_fuzz",
    "bench_lt",
    "bench_matmul",
    "bench_policies",
    "bench_ray",
    "bench_runtime",
    "bench_sigint",
    "bench_sim",
    "bench_sr",
)
DEFAULT_TIMEOUT_S = 3600.0
# Modules that need longer than the default from a cold cache: bench_learned trains eight codes
# for up to 15 minutes each (then evaluates; with its cached checkpoints it takes minutes).
MODULE_TIMEOUT_S = {"bench_learned": 3 * 3600.0}


# ---------------------------------------------------------------------------------------------
# discovery


def discover() -> dict[str, Path | None]:
    """Module name → path of every ``bench_*.py``; ``None`` for an expected one that is absent."""
    found: dict[str, Path | None] = {p.stem: p for p in sorted(BENCH_DIR.glob("bench_*.py"))}
    for name in EXPECTED:
        found.setdefault(name, None)
    return dict(sorted(found.items()))


def select(modules: dict[str, Path | None], only: Sequence[str] | None) -> dict[str, Path | None]:
    """Modules matching ``--only`` (``sim``, ``bench_sim`` or a glob such as ``bench_s*``)."""
    if not only:
        return modules
    chosen: dict[str, Path | None] = {}
    for pat in only:
        pat = pat.removesuffix(".py")
        hits = [
            m
            for m in modules
            if fnmatch.fnmatch(m, pat) or fnmatch.fnmatch(m.removeprefix("bench_"), pat)
        ]
        if not hits:
            raise SystemExit(
                f"run.py: --only {pat!r} matches no module; valid: "
                + ", ".join(m.removeprefix("bench_") for m in modules)
            )
        chosen.update({m: modules[m] for m in hits})
    return dict(sorted(chosen.items()))


# ---------------------------------------------------------------------------------------------
# machine


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {}
    cpuinfo = _read("/proc/cpuinfo")
    models = [
        ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")
    ]
    info["cpu_model"] = models[0] if models else (platform.processor() or "unknown")
    info["cpu_count"] = os.cpu_count()
    try:
        info["nproc"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["nproc"] = os.cpu_count()
    quota = _read("/sys/fs/cgroup/cpu.max").split()
    if len(quota) == 2 and quota[0] != "max":
        info["cgroup_cpu_quota"] = round(int(quota[0]) / int(quota[1]), 2)
    for ln in _read("/proc/meminfo").splitlines():
        if ln.startswith("MemTotal:"):
            info["mem_total_gib"] = round(int(ln.split()[1]) / 2**20, 1)
    info["platform"] = platform.platform()
    info["python"] = f"{platform.python_version()} ({platform.python_implementation()})"
    info["executable"] = sys.executable
    versions: dict[str, str] = {}
    for mod in ("numpy", "scipy", "codedcomp", "ray", "torch"):
        if mod in ("ray", "torch"):  # report without importing the heavy optional extras
            try:
                from importlib.metadata import version

                versions[mod] = version(mod)
            except Exception:
                pass
            continue
        try:
            versions[mod] = getattr(__import__(mod), "__version__", "?")
        except Exception as exc:
            versions[mod] = f"not importable ({type(exc).__name__})"
    info["versions"] = versions
    try:
        import threadpoolctl

        if "scipy" in versions:
            try:
                import scipy.linalg  # noqa: F401  (loads scipy's own BLAS)
            except Exception:
                pass
        info["blas"] = [
            {
                k: d.get(k)
                for k in (
                    "user_api",
                    "internal_api",
                    "version",
                    "num_threads",
                    "threading_layer",
                    "architecture",
                )
            }
            | {"lib": Path(d.get("filepath", "")).parent.name}
            for d in threadpoolctl.threadpool_info()
        ]
    except ImportError:
        info["blas"] = "threadpoolctl not installed"
    env = {
        k: os.environ[k]
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        if k in os.environ
    }
    if env:
        info["thread_env"] = env
    return info


# ---------------------------------------------------------------------------------------------
# running one module


def _jsonable(obj: Any) -> Any:
    """Numpy scalars/arrays → Python; non-finite floats → strings (results.json stays strict)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return _jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return repr(obj)


def execute_module(name: str, path: Path, quick: bool) -> dict[str, Any]:
    """Import ``path`` and call its ``run(quick)``; never raises: failures become a status."""
    out: dict[str, Any] = {"status": "ok", "results": []}
    sys.path.insert(0, str(BENCH_DIR))
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        if not callable(getattr(mod, "run", None)):
            raise AttributeError(f"{path.name} defines no run(quick) function")
    except BaseException as exc:
        return _failure("import-error", exc)
    try:
        res = mod.run(quick=quick)
    except BaseException as exc:
        return _failure("run-error", exc)
    if not isinstance(res, (list, tuple)):
        out.update(status="bad-return", error=f"run() returned {type(res).__name__}, not a list")
        return out
    out["results"] = _jsonable(list(res))
    return out


def _failure(status: str, exc: BaseException) -> dict[str, Any]:
    msg = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        msg += f" (raised in {Path(frames[-1].filename).name}:{frames[-1].lineno})"
    return {
        "status": status,
        "error": msg,
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        "results": [],
    }


def _child_main(path: str, result_file: str, quick: bool) -> int:
    p = Path(path)
    out = execute_module(p.stem, p, quick)
    Path(result_file).write_text(json.dumps(out))
    return 0


def run_isolated(
    name: str, path: Path, quick: bool, timeout: float, on_line: Callable[[str], None]
) -> dict[str, Any]:
    """Run one module in a fresh interpreter, relaying its output lines to ``on_line``."""
    with tempfile.TemporaryDirectory(prefix="codedcomp-bench-") as tmp:
        result_file = Path(tmp) / "result.json"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(path),
            "--result-file",
            str(result_file),
        ] + (["--quick"] if quick else [])
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            errors="replace",
            start_new_session=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        tail: list[str] = []

        def pump() -> None:
            assert proc.stdout is not None
            for ln in proc.stdout:
                lines.put(ln.rstrip("\n"))
            lines.put(None)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        t0 = time.monotonic()
        timed_out = False
        exited_at: float | None = None
        try:
            eof = False
            while not eof or proc.poll() is None:
                try:
                    ln = lines.get(timeout=0.2)
                except queue.Empty:
                    ln = ""
                if ln is None:
                    eof = True
                elif ln:
                    tail.append(ln)
                    del tail[:-40]
                    on_line(ln)
                else:
                    on_line("")
                now = time.monotonic()
                if now - t0 > timeout and proc.poll() is None:
                    timed_out = True
                    _kill_group(proc)
                if proc.poll() is not None and not eof:
                    # exited, but something it started still holds the pipe: stop that too
                    exited_at = exited_at or now
                    if now - exited_at > 5:
                        _kill_group(proc, leftovers=True)
                        break
        except BaseException:
            _kill_group(proc)
            raise
        reader.join(timeout=5)
        rc = proc.returncode
        if timed_out:
            return {
                "status": "timeout",
                "results": [],
                "output_tail": tail,
                "error": f"killed after the {timeout:g} s --timeout",
            }
        if result_file.exists():
            try:
                out = json.loads(result_file.read_text())
            except ValueError as exc:
                out = {
                    "status": "crashed",
                    "results": [],
                    "error": f"unreadable result file ({exc})",
                }
        else:
            why = f"exit status {rc}"
            if rc is not None and rc < 0:
                sig = signal.Signals(-rc).name
                why = f"killed by {sig}" + (" (out of memory?)" if sig == "SIGKILL" else "")
            out = {
                "status": "crashed",
                "results": [],
                "error": f"module process died before reporting: {why}",
            }
        out["output_tail"] = tail
        return out


def _kill_group(proc: subprocess.Popen[str], leftovers: bool = False) -> None:
    """Stop the module's process group (it runs in its own session: only what we started).

    ``leftovers``: the module process itself has exited; stop what remains of its group.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None and not leftovers:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        if leftovers:
            time.sleep(1.0)
            continue
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue


# ---------------------------------------------------------------------------------------------
# statistics and evaluation


def _percentile(xs: Sequence[float], q: float) -> float:
    s = sorted(xs)
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summarize(xs: Sequence[float]) -> dict[str, Any] | None:
    if not xs:
        return None
    return {
        "n": len(xs),
        "median": _percentile(xs, 0.5),
        "p25": _percentile(xs, 0.25),
        "p75": _percentile(xs, 0.75),
        "min": min(xs),
        "max": max(xs),
    }


def _finite_list(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v
    )


def evaluate(raw: Any, module: str) -> dict[str, Any]:
    """Validate one benchmark dict and add stats, ratio and status (PASS/FAIL/INFO/ERROR)."""
    if not isinstance(raw, dict):
        return {
            "module": module,
            "name": f"{module}: <not a dict>",
            "status": "ERROR",
            "error": f"malformed result: expected a dict, got {type(raw).__name__}",
            "raw": raw,
        }
    b: dict[str, Any] = dict(raw)
    b["module"] = module
    b.setdefault("name", "")
    b.setdefault("target", "")
    b.setdefault("unit", "s")
    b.setdefault("notes", "")
    b.setdefault("baseline_name", "")
    problems = []
    if not isinstance(b["name"], str) or not b["name"]:
        problems.append("name must be a non-empty string")
        b["name"] = f"{module}: <unnamed>"
    if not b.get("error"):
        if not _finite_list(b.get("samples")) or not b.get("samples"):
            problems.append("samples must be a non-empty list of finite numbers")
        if not _finite_list(b.setdefault("baseline_samples", [])):
            problems.append("baseline_samples must be a list of finite numbers")
        t = b.get("target_s")
        if t is not None and (
            isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t)
        ):
            problems.append(f"target_s must be a finite number or None, not {t!r}")
    if problems and not b.get("error"):
        b["error"] = "malformed result: " + "; ".join(problems)
    if b.get("error"):
        b["status"] = "ERROR"
        return b
    b["stats"] = summarize(b["samples"])
    b["baseline_stats"] = summarize(b["baseline_samples"])
    med = b["stats"]["median"]
    base = b["baseline_stats"]["median"] if b["baseline_stats"] else None
    b["ratio"] = med / base if base else None  # ours / baseline
    if b.get("target_s") is None:
        b["status"] = "INFO"
    else:
        b["status"] = "PASS" if med <= b["target_s"] else "FAIL"
    return b


def module_rows(name: str, outcome: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [evaluate(r, name) for r in outcome.get("results", [])]
    if outcome["status"] != "ok":
        rows.append(
            {
                "module": name,
                "name": f"{name} (whole module)",
                "whole_module": True,
                "status": "ERROR",
                "error": f"{outcome['status']}: {outcome.get('error', '')}",
                "target": "",
            }
        )
    seen: dict[str, int] = {}
    for r in rows:
        k = seen[r["name"]] = seen.get(r["name"], 0) + 1
        if k > 1:
            r["name"] = f"{r['name']} ({k})"
    return rows


# ---------------------------------------------------------------------------------------------
# formatting


def fmt(v: float | None, unit: str = "s") -> str:
    if v is None or not math.isfinite(v):
        return "—"
    if unit != "s":
        return f"{v:.4g} {unit}"
    a = abs(v)
    if a == 0:
        return "0 s"
    if a < 1e-3:
        return f"{v * 1e6:.3g} µs"
    if a < 1:
        return f"{v * 1e3:.3g} ms"
    return f"{v:.3g} s"


def spread(st: dict[str, Any] | None, unit: str) -> str:
    if not st:
        return "—"
    if st["n"] >= 4:
        return f"IQR {fmt(st['p25'], unit)}–{fmt(st['p75'], unit)}"
    if st["n"] == 1:
        return "single sample"
    return f"min–max {fmt(st['min'], unit)}–{fmt(st['max'], unit)}"


def ratio_text(r: float | None, unit: str) -> str:
    if r is None:
        return "—"
    return f"{r:.3g}"


def ratio_words(r: float | None, unit: str) -> str:
    if r is None:
        return "no baseline"
    what = "time" if unit == "s" else unit
    if r < 1:
        verb = "faster" if unit == "s" else "smaller"
        return f"ours/baseline = {r:.3g}: ours is {1 / r:.3g}× {verb} than the baseline"
    return f"ours/baseline = {r:.3g}: ours takes {r:.3g}× the baseline's {what}"


def headline(text: Any) -> str:
    """First line of a (possibly multi-line) error message."""
    return str(text or "").strip().partition("\n")[0]


def plain(text: Any, limit: int | None = None) -> str:
    """One line of text (for the console), cut at ``limit`` characters."""
    s = " ".join(str(text).split())
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def cell(text: Any, limit: int | None = None) -> str:
    """One line of markdown-safe text: no newlines, pipes escaped, no accidental HTML tags."""
    return plain(text, limit).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _anchor(text: str) -> str:
    """GitHub's heading anchor: lower case, spaces to hyphens, other punctuation dropped."""
    return "".join(c.lower() if c.isalnum() or c in "-_" else "-" if c == " " else "" for c in text)


def render_markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    benches = report["benchmarks"]
    errors = [b for b in benches if b["status"] == "ERROR"]
    fails = [b for b in benches if b["status"] == "FAIL"]
    L: list[str] = []
    L.append("# Benchmarks")
    L.append("")
    L.append(
        f"Generated {report['date']} by `{report['command']}` "
        f"({'quick' if report['quick'] else 'full'} run, {report['elapsed_s']:.0f} s). "
        "Do not edit by hand: regenerate it (see `benchmarks/README.md`)."
    )
    L.append("")
    if errors:
        L.append(
            f"> [!WARNING]\n> **{len(errors)} benchmark(s) did not run — this report is "
            "incomplete:**"
        )
        for b in errors:
            L.append(
                f"> - `{b['module']}` — {cell(b['name'])}: **ERROR: "
                f"{cell(headline(b.get('error')), 300)}**"
            )
        L.append("")
    if fails:
        L.append(
            f"> [!CAUTION]\n> **{len(fails)} benchmark(s) missed their target:** "
            + ", ".join(cell(b["name"]) for b in fails)
        )
        L.append("")
    counts = {s: sum(b["status"] == s for b in benches) for s in ("PASS", "FAIL", "INFO", "ERROR")}
    L.append("## Summary")
    L.append("")
    L.append(
        f"**{counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['ERROR']} ERROR**, "
        f"{counts['INFO']} without a target (INFO).  Median over n samples; spread is the "
        "IQR (p25–p75) for n ≥ 4, else min–max.  **ratio = ours / baseline** (medians, "
        "measured in the same run): below 1 ours is faster (or smaller); the speed-up is "
        "1/ratio."
    )
    L.append("")
    L.append(
        "| result | benchmark | target | median | spread | n | baseline median | "
        "ratio ours/baseline |"
    )
    L.append("|---|---|---|---|---|---|---|---|")
    for b in benches:
        target = b["module"] if b.get("whole_module") else b["name"]
        link = f"[{cell(b['name'])}](#{_anchor(target)})"
        if b["status"] == "ERROR":
            L.append(
                f"| **ERROR** | {link} | {cell(b.get('target', ''))} | "
                f"ERROR: {cell(headline(b.get('error')), 160)} | | | | |"
            )
            continue
        u = b["unit"]
        st, bst = b["stats"], b["baseline_stats"]
        res = {"PASS": "PASS", "FAIL": "**FAIL**", "INFO": "INFO"}[b["status"]]
        L.append(
            f"| {res} | {link} | {cell(b['target'])} | {fmt(st['median'], u)} | "
            f"{spread(st, u)} | {st['n']} | {fmt(bst['median'], u) if bst else '—'} | "
            f"{ratio_text(b['ratio'], u)} |"
        )
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    cpus = f"{m['nproc']} usable (os.cpu_count() = {m['cpu_count']})"
    if "cgroup_cpu_quota" in m:
        cpus += f", cgroup quota {m['cgroup_cpu_quota']} CPUs"
    L.append(f"| CPU | {cell(m['cpu_model'])} — {cpus} |")
    L.append(f"| memory | {m.get('mem_total_gib', '?')} GiB |")
    la0, la1 = report.get("loadavg_start"), report.get("loadavg_end")
    L.append(
        f"| load average (1/5/15 min) | start {la0}, end {la1} (machine shared: "
        "compare ratios, not absolute times) |"
    )
    L.append(f"| OS | {cell(m['platform'])} |")
    L.append(f"| Python | {m['python']} |")
    L.append("| packages | " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + " |")
    blas = m.get("blas")
    if isinstance(blas, list):
        desc = (
            "; ".join(
                f"{d['internal_api']} {d['version']} ({d['user_api']}, {d['num_threads']} threads, "
                f"{d['threading_layer']}, {d['architecture']}, from {d['lib']})"
                for d in blas
            )
            or "none loaded"
        )
    else:
        desc = str(blas)
    L.append(f"| BLAS (threadpoolctl) | {cell(desc)} |")
    if m.get("thread_env"):
        L.append(f"| thread env | {m['thread_env']} |")
    L.append("")
    for mod in report["modules"]:
        L.append(f"## `{mod['module']}`")
        L.append("")
        st = mod["status"]
        la = f"load average {mod.get('loadavg_before')} → {mod.get('loadavg_after')}"
        if st == "ok":
            L.append(f"Ran in {mod['elapsed_s']:.1f} s ({la}).")
        else:
            L.append(
                f"**ERROR ({st}): {cell(mod.get('error', ''))}** "
                f"(after {mod.get('elapsed_s', 0):.1f} s)."
            )
            if mod.get("traceback"):
                L += ["", "```text", mod["traceback"].rstrip(), "```"]
            elif mod.get("output_tail"):
                L += ["", "Last output:", "", "```text", *mod["output_tail"][-15:], "```"]
        L.append("")
        for b in benches:
            if b["module"] == mod["module"] and not b.get("whole_module"):
                L += _render_bench(b)
    return "\n".join(L).rstrip() + "\n"


def _render_bench(b: dict[str, Any]) -> list[str]:
    L = [f"### {cell(b['name'])}", ""]
    if b["status"] == "ERROR":
        head, _, detail = str(b.get("error", "")).strip().partition("\n")
        L.append(f"**ERROR: {cell(head)}**")
        if detail.strip():
            L += ["", "```text", detail.rstrip(), "```", ""]
        if b.get("target"):
            L.append(f"(target: {cell(b['target'])})")
        if b.get("traceback"):
            L += ["", "```text", str(b["traceback"]).rstrip(), "```"]
        if b.get("notes"):
            L += ["", str(b["notes"])]
        L.append("")
        return L
    u = b["unit"]
    st, bst = b["stats"], b["baseline_stats"]
    if b["status"] == "INFO":
        verdict = f"INFO (no target; {b['target'] or 'informational'})"
    else:
        op = "≤" if b["status"] == "PASS" else ">"
        share = (  # a zero target (a count that must be 0) has no percentage
            f"{100 * st['median'] / b['target_s']:.0f} % of the target; " if b["target_s"] else ""
        )
        verdict = (
            f"**{b['status']}** — median {fmt(st['median'], u)} {op} "
            f"{fmt(b['target_s'], u)} ({share}target: {b['target']})"
        )
    L.append(f"- result: {verdict}")
    minmax = f", min {fmt(st['min'], u)}, max {fmt(st['max'], u)}" if st["n"] >= 4 else ""
    L.append(f"- ours: median {fmt(st['median'], u)}, {spread(st, u)}{minmax}, n = {st['n']}")
    if bst:
        L.append(
            f"- baseline ({b['baseline_name'] or 'unnamed'}): median {fmt(bst['median'], u)}, "
            f"{spread(bst, u)}, n = {bst['n']}"
        )
        L.append(f"- ratio: {ratio_words(b['ratio'], u)}")
    else:
        L.append("- baseline: none measured")
    if st["n"] >= 2 and st["median"] > 0 and (st["p75"] - st["p25"]) / st["median"] > 0.25:
        L.append("- ⚠ noisy: IQR above 25 % of the median")
    if b.get("notes"):
        L += ["", str(b["notes"])]
    if b.get("table"):
        L += ["", str(b["table"]).rstrip()]
    L.append("")
    return L


# ---------------------------------------------------------------------------------------------
# main


def _command(argv: Sequence[str]) -> str:
    def rel(p: str) -> str:
        try:
            r = os.path.relpath(p)
        except ValueError:
            return p
        return p if r.startswith("..") else r

    return shlex.join([rel(sys.executable), rel(sys.argv[0]), *argv])


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Run benchmarks/bench_*.py; write BENCHMARKS.md and benchmarks/results.json.",
    )
    ap.add_argument("--quick", action="store_true", help="smaller runs (minutes, not tens)")
    ap.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="modules to run: sim, bench_sim or a glob (default: all)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=ROOT / "BENCHMARKS.md",
        help="markdown report (default: BENCHMARKS.md at the repository root)",
    )
    ap.add_argument(
        "--json",
        type=Path,
        default=BENCH_DIR / "results.json",
        help="raw results (default: benchmarks/results.json)",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds per module before it is killed (default {DEFAULT_TIMEOUT_S:g})",
    )
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="run modules in this interpreter (debugging; no isolation or timeout)",
    )
    ap.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="RESULTS_JSON",
        help="run nothing: write one report from the results of several runs (e.g. modules "
        "run side by side, each with --only and its own --json); each module's rows keep the "
        "load and time of the run that measured them",
    )
    ap.add_argument("--list", action="store_true", help="list the modules and exit")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--result-file", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return _child_main(args.child, args.result_file, args.quick)

    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if args.merge:
        return _merge(args.merge, args.out, args.json, console)
    modules = select(discover(), args.only)
    if args.list:
        for name, path in modules.items():
            console.print(f"{name}: {path or 'MISSING (expected)'}")
        return 0

    started = time.monotonic()
    report: dict[str, Any] = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": _command(argv),
        "cwd": os.getcwd(),
        "quick": args.quick,
        "machine": machine_info(),
        "loadavg_start": _loadavg(),
        "modules": [],
        "benchmarks": [],
    }
    console.print(
        f"[bold]codedcomp benchmarks[/] ({'quick' if args.quick else 'full'}): {', '.join(modules)}"
    )
    for i, (name, path) in enumerate(modules.items(), start=1):
        head = f"[{i}/{len(modules)}] {name}"
        mod: dict[str, Any] = {
            "module": name,
            "path": str(path) if path else None,
            "loadavg_before": _loadavg(),
        }
        t0 = time.monotonic()
        if path is None and (BENCH_DIR / f"{name}.py").exists():  # appeared since discovery
            path = BENCH_DIR / f"{name}.py"
            mod["path"] = str(path)
        if path is None:
            outcome: dict[str, Any] = {
                "status": "missing",
                "results": [],
                "error": f"benchmarks/{name}.py not found (an expected module)",
            }
            console.print(f"[bold red]✗ {head}: MISSING[/] — benchmarks/{name}.py not found")
        else:
            console.print(f"[bold]▶ {head}[/] started")
            if args.in_process:
                outcome = execute_module(name, path, args.quick)
            else:
                last = [""]
                with console.status(f"{head} …") as status:

                    def on_line(
                        ln: str,
                        head: str = head,
                        t0: float = t0,
                        status: Any = status,
                        last: list[str] = last,
                    ) -> None:
                        if ln:
                            last[0] = ln
                            console.print(f"  [dim]│ {escape(plain(ln, 160))}[/]")
                        status.update(
                            f"[bold]{head}[/] {time.monotonic() - t0:5.0f} s  "
                            f"[dim]{escape(plain(last[0], 90))}[/]"
                        )

                    limit = max(args.timeout, MODULE_TIMEOUT_S.get(name, 0.0))
                    outcome = run_isolated(name, path, args.quick, limit, on_line)
        mod["elapsed_s"] = time.monotonic() - t0
        mod["loadavg_after"] = _loadavg()
        mod.update({k: v for k, v in outcome.items() if k != "results"})
        rows = module_rows(name, outcome)
        report["modules"].append(mod)
        report["benchmarks"].extend(rows)
        if path is not None:
            _print_module(console, head, mod, rows)
    report["elapsed_s"] = time.monotonic() - started
    report["loadavg_end"] = _loadavg()

    out_json = dict(report)
    _write(args.json, json.dumps(_jsonable(out_json), indent=1, allow_nan=False) + "\n")
    _write(args.out, render_markdown(report))
    errors = sum(b["status"] == "ERROR" for b in report["benchmarks"])
    fails = sum(b["status"] == "FAIL" for b in report["benchmarks"])
    style = "bold red" if errors else "bold yellow" if fails else "bold green"
    console.print(
        f"[{style}]{len(report['benchmarks'])} benchmarks: "
        f"{sum(b['status'] == 'PASS' for b in report['benchmarks'])} PASS, {fails} FAIL, "
        f"{errors} ERROR[/] in {report['elapsed_s']:.0f} s → {args.out}, {args.json}"
    )
    if errors:
        console.print(f"[bold red]⚠ {errors} ERROR row(s): the report is incomplete.[/]")
    return 1 if errors else 2 if fails else 0


def _merge(paths: Sequence[Path], out: Path, out_json: Path, console: Any) -> int:
    """One report from several runs' results.json (``--merge``): modules and rows concatenated in
    the order given, the commands joined, the latest date, the longest elapsed time (the runs
    went side by side); every module keeps its own load averages.  A module measured in several
    runs is taken from the last run that has it (a re-run replaces an earlier one; the report's
    command line lists every run)."""
    runs = []
    for path in paths:
        try:
            runs.append(json.loads(Path(path).read_text()))
        except (OSError, ValueError) as e:
            console.print(f"[bold red]error:[/] --merge {path}: {e}")
            return 1
    last = {m["module"]: k for k, run in enumerate(runs) for m in run["modules"]}
    seen = set(last)
    missing = sorted(set(EXPECTED) - seen)
    report = dict(runs[0])
    report["date"] = max(r["date"] for r in runs)
    report["command"] = " + ".join(r["command"] for r in runs) + " (merged)"
    report["quick"] = any(r["quick"] for r in runs)
    report["elapsed_s"] = max(r["elapsed_s"] for r in runs)
    report["modules"] = [
        m for k, r in enumerate(runs) for m in r["modules"] if last[m["module"]] == k
    ]
    report["benchmarks"] = [
        b for k, r in enumerate(runs) for b in r["benchmarks"] if last[b["module"]] == k
    ]
    for name in missing:  # nothing dropped silently: an expected module no run measured
        outcome = {"status": "missing", "results": [], "error": f"{name}: in none of the runs"}
        report["modules"].append({"module": name, "path": None, **outcome})
        report["benchmarks"].extend(module_rows(name, outcome))
    _write(out_json, json.dumps(_jsonable(report), indent=1, allow_nan=False) + "\n")
    _write(out, render_markdown(report))
    errors = sum(b["status"] == "ERROR" for b in report["benchmarks"])
    fails = sum(b["status"] == "FAIL" for b in report["benchmarks"])
    console.print(f"merged {len(runs)} runs: {len(report['benchmarks'])} rows → {out}, {out_json}")
    return 1 if errors else 2 if fails else 0


def _print_module(console: Any, head: str, mod: dict[str, Any], rows: list[dict]) -> None:
    from rich.markup import escape

    ok = mod["status"] == "ok"
    mark = "[green]✓[/]" if ok else "[bold red]✗[/]"
    console.print(f"{mark} {head}: {mod['status']} in {mod['elapsed_s']:.0f} s")
    for b in rows:
        if b["status"] == "ERROR":
            console.print(
                f"    [bold red]ERROR[/] {escape(plain(b['name']))}: "
                f"{escape(plain(headline(b.get('error')), 200))}"
            )
            continue
        u = b["unit"]
        colour = {"PASS": "green", "FAIL": "bold red", "INFO": "cyan"}[b["status"]]
        console.print(
            f"    [{colour}]{b['status']:5}[/] {escape(plain(b['name']))}: median "
            f"{fmt(b['stats']['median'], u)} (target {escape(b['target'] or '—')}; ratio "
            f"{ratio_text(b['ratio'], u)})"
        )


if __name__ == "__main__":
    sys.exit(main())
