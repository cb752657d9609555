"""Fuzzing at scale (issue 13 §3): the hypothesis tests of ``tests/test_fuzz.py`` at thousands of
examples — every bad input one line and exit 2/3, never a traceback, invalid JSON or a hang.

``run(quick) -> list[dict]`` for ``benchmarks/run.py``.

Runs, in a subprocess (this tree's ``src`` on ``PYTHONPATH``)::

    CODEDCOMP_FUZZ=3000 python -m pytest tests/test_fuzz.py -q -p no:cacheprovider \
        --hypothesis-show-statistics

(quick: ``CODEDCOMP_FUZZ=300``).  The number of cases is counted from hypothesis's own
statistics — passing + failing test cases of the explicit and generate phases of every test,
not examples × tests (a test whose input space is exhausted stops early, and shrinking replays
are not new cases); cases hypothesis rejected as invalid are shown apart.  Failures are the
tests pytest reports failed or in error (target 0); the table names each test's falsifying
example and whether its report shows a CLI traceback.  Wall time is the whole subprocess.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = {True: 600.0, False: 1800.0}  # a hang is reported, not waited out

_TEST = re.compile(r"^(\S+::(\w+)):\s*$")
_PHASE = re.compile(r"^\s*- during (\w+) phase \(([\d.]+) seconds\):")
_COUNTS = re.compile(
    r"^\s*- (\d+) passing, (\d+) failing, and (\d+) invalid test cases", re.IGNORECASE
)
_STOP = re.compile(r"^\s*- Stopped because (.+?)\s*$")
_SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")


def parse_statistics(text: str) -> dict[str, dict[str, Any]]:
    """Per test: cases passing / failing / invalid per phase, seconds per phase, stop reason."""
    tests: dict[str, dict[str, Any]] = {}
    cur: dict[str, Any] | None = None
    phase = ""
    for ln in text.splitlines():
        if m := _TEST.match(ln):
            cur = tests.setdefault(m.group(2), {"phases": {}, "stop": ""})
            continue
        if cur is None:
            continue
        if m := _PHASE.match(ln):
            phase = m.group(1)
            cur["phases"][phase] = {"seconds": float(m.group(2))}
        elif (m := _COUNTS.match(ln)) and phase:
            p, f, inv = (int(g) for g in m.groups())
            cur["phases"][phase].update(passing=p, failing=f, invalid=inv)
        elif m := _STOP.match(ln):
            cur["stop"] = m.group(1)
    return tests


def _cases(t: dict[str, Any], key: str, phases: tuple[str, ...] = ("explicit", "generate")) -> int:
    return sum(int(ph.get(key, 0)) for name, ph in t["phases"].items() if name in phases)


def _falsifying(output: str) -> dict[str, str]:
    """Failed test → its falsifying example (one line) and whether its report shows a traceback."""
    out: dict[str, str] = {}
    parts = re.split(r"^_{3,} (test_\w+)\S* _{3,}$", output, flags=re.M)
    for name, body in zip(parts[1::2], parts[2::2], strict=False):
        lines = body.splitlines()
        start = next(
            (
                i
                for i, ln in enumerate(lines)
                if "Falsifying example:" in ln or "Failing test case:" in ln
            ),
            None,
        )
        if start is None:
            first = "(no falsifying example shown)"
        else:
            shown = []
            for ln in lines[start : start + 15]:
                ln = re.sub(r"^E\s+", "", ln).strip()
                shown.append(ln)
                if ln == ")" or (len(shown) == 1 and ln.endswith(")")):
                    break
            first = " ".join(shown).split(":", 1)[1].strip()
        if "Traceback (most recent call last)" in body:
            first += " — its report shows a traceback"
        out[name] = first[:300]
    return out


def measure(examples: int, timeout: float) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "tests/test_fuzz.py",
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
    ]
    env = dict(os.environ, CODEDCOMP_FUZZ=str(examples), PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p
    )
    print(f"fuzz: CODEDCOMP_FUZZ={examples} {' '.join(cmd[1:])}", flush=True)
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as e:
        return {"timeout": True, "wall_s": time.monotonic() - t0, "output": str(e.stdout or "")}
    wall = time.monotonic() - t0
    output = proc.stdout + proc.stderr
    summary: dict[str, int] = {}
    tail = output.strip().splitlines()[-1] if output.strip() else ""
    for n, what in _SUMMARY.findall(tail):
        summary[what.rstrip("s") if what.startswith("error") else what] = int(n)
    return {
        "timeout": False,
        "wall_s": wall,
        "returncode": proc.returncode,
        "summary": summary,
        "summary_line": tail,
        "tests": parse_statistics(output),
        "falsifying": _falsifying(output),
        "cli_tracebacks": sum("traceback" in v for v in _falsifying(output).values()),
        "command": f"CODEDCOMP_FUZZ={examples} python {' '.join(cmd[1:])}",
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    examples = 300 if quick else 3000
    r = measure(examples, TIMEOUT_S[quick])
    if r["timeout"]:
        return [
            {
                "name": f"fuzz: tests/test_fuzz.py at {examples} examples",
                "error": f"pytest did not finish within {TIMEOUT_S[quick]:g} s (a hang?)",
                "target": "0 failures, no hang",
            }
        ]
    tests = r["tests"]
    if not tests:
        return [
            {
                "name": f"fuzz: tests/test_fuzz.py at {examples} examples",
                "error": "no hypothesis statistics in pytest's output: "
                + (r["summary_line"] or "no output"),
                "target": "0 failures",
            }
        ]
    rows = [
        "| test | cases run (passing + failing) | failing | invalid (rejected) | "
        "generate phase (s) | cases/s | stopped because | falsifying example |",
        "|---|---|---|---|---|---|---|---|",
    ]
    total = failing = invalid = 0
    for name, t in tests.items():
        p, f, inv = _cases(t, "passing"), _cases(t, "failing"), _cases(t, "invalid")
        gen = t["phases"].get("generate", {}).get("seconds", 0.0)
        total, failing, invalid = total + p + f, failing + f, invalid + inv
        fals = r["falsifying"].get(name, "—").replace("|", "\\|")
        rate = f"{(p + f) / gen:.0f}" if gen > 0 else "—"
        rows.append(
            f"| `{name}` | {p + f} | {f} | {inv} | {gen:.1f} | {rate} | "
            f"{t['stop'].replace('|', '/')} | {fals} |"
        )
    rows.append(f"| **all** | **{total}** | **{failing}** | {invalid} | | | | |")
    s = r["summary"]
    failed = s.get("failed", 0) + s.get("error", 0)
    common = (
        f"`{r['command']}` (PYTHONPATH = this tree's src), {len(tests)} hypothesis tests; "
        f"pytest: {r['summary_line']!r} (exit {r['returncode']})."
    )
    return [
        {
            "name": f"fuzz: failed tests ({len(tests)} tests, {total} cases)",
            "target": "0 failures (no traceback, wrong exit code, invalid JSON or hang)",
            "target_s": 0,
            "unit": "tests",
            "samples": [failed],
            "baseline_name": "",
            "baseline_samples": [],
            "notes": common
            + f" Failing cases found in generation: {failing}; failed tests whose report shows "
            f"a traceback: {r['cli_tracebacks']}. Before issue 13: 44 tracebacks in 2,400 inputs.",
            "table": "\n".join(rows),
        },
        {
            "name": "fuzz: cases run",
            "target": f"informational (CODEDCOMP_FUZZ={examples} per test; fewer when a test's "
            "input space is exhausted)",
            "target_s": None,
            "unit": "cases",
            "samples": [total],
            "baseline_name": "",
            "baseline_samples": [],
            "notes": "Passing + failing test cases of hypothesis's explicit and generate phases, "
            f"from --hypothesis-show-statistics; {invalid} rejected (invalid) cases not counted.",
        },
        {
            "name": "fuzz: wall time",
            "target": "informational",
            "target_s": None,
            "samples": [r["wall_s"]],
            "baseline_name": "",
            "baseline_samples": [],
            "notes": f"The whole pytest subprocess (imports included): "
            f"{total / r['wall_s']:.0f} cases/s.",
        },
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print({k: v for k, v in row.items() if k != "table"})
        if "table" in row:
            print(row["table"])
