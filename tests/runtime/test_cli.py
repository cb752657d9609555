"""``codedcomp run``: the DESIGN.md JSON contract, one-line errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codedcomp.cli import app

runner = CliRunner()
CONTRACT = [
    "run",
    "kernel-sum",
    "--scheme",
    "uncoded",
    "sr:d=2",
    "--workers",
    "8",
    "--delay",
    "exp:rate=50",
    "--trials",
    "1",
    "--backend",
    "thread",
    "--seed",
    "1",
    "--json",
    "-",
]
STATS = {"mean", "std", "p50", "p90", "p99", "max"}


def test_contract_json_on_stdout(tmp_path: Path) -> None:
    trace = tmp_path / "t.json"
    plot = tmp_path / "p.png"
    res = runner.invoke(app, [*CONTRACT, "--trace-out", str(trace), "--plot", str(plot)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)  # stdout is pure JSON
    assert doc["config"]["workers"] == 8 and doc["config"]["backend"] == "thread"
    assert [r["scheme"] for r in doc["results"]] == ["uncoded", "sr:d=2"]
    for r in doc["results"]:
        assert STATS <= set(r["latency"]) and STATS <= set(r["predicted_latency"])
        assert r["error"] <= 1e-9 and r["failures"] == 0
        assert {"mean", "p99"} <= set(r["received"]) and "wasted_work" in r
        assert STATS <= set(r["decode_time"])
    tdoc = json.loads(trace.read_text())
    assert len(tdoc["trials"]) == 2 and len(tdoc["trials"][0]["workers"]) == 8
    assert plot.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "kernel-sum", "--scheme", "nosuch"], "unknown scheme 'nosuch'"),
        (["run", "nosuchload"], "unknown workload 'nosuchload'"),
        (["run", "kernel-sum", "--backend", "nosuch"], "unknown backend 'nosuch'"),
        (["run", "kernel-sum", "--fail", "explode:p=1"], "unknown fault 'explode'"),
        (["run", "kernel-sum", "--fail", "crash:p=2"], "p=2 must be"),
        (["run", "kernel-sum", "--delay", "exp:rate=-1"], "rate=-1 must be"),
        (["run", "kernel-sum", "--scheme", "rep:r=9", "--workers", "4"], "r=9 must be"),
        (["run", "kernel-sum", "--workers", "9", "--m", "4"], "workers=9 must be"),
        (["run", "kernel-sum", "--scheme", "sr:d=2,nokey=1"], "unknown key 'nokey'"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], needle: str) -> None:
    res = runner.invoke(app, [*args, "--backend", "thread"] if "--backend" not in args else args)
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_bad_ray_options_fail_in_one_line_before_anything_starts() -> None:
    res = runner.invoke(app, ["run", "kernel-sum", "--backend", "ray:nokey=1"])
    assert res.exit_code == 2 and "backend 'ray': unknown key 'nokey'" in res.output
    assert "valid keys: address, hosts, num_cpus" in res.output
    assert len(res.output.strip().splitlines()) == 1
    res = runner.invoke(app, ["run", "kernel-sum", "--backend", "thread", "--ray-address", "x"])
    assert res.exit_code == 2 and "--ray-address needs --backend ray" in res.output


def test_not_decodable_exits_3_after_writing_json(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = runner.invoke(
        app,
        [
            "run",
            "kernel-sum",
            "--scheme",
            "uncoded",
            "--workers",
            "4",
            "--backend",
            "thread",
            "--fail",
            "crash:p=1",
            "--seed",
            "0",
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 3, res.output
    assert "cannot decode" in res.output and "4 of 4 workers crashed" in res.output
    assert json.loads(out.read_text())["results"][0]["failures"] == 1


def _script(*args: str) -> tuple[int, str, str]:
    """The console script itself (its warning and error handling), as a user runs it."""
    import subprocess
    import sys

    code = "import sys; from codedcomp._entry import main; sys.argv[0] = 'codedcomp'; main()"
    p = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["matdot:m=4,workers=3", "--workers", "9"], "workers=3 in the spec, but the run has 9"),
        (["optimized:m=3,k=2", "--workers", "5"], "OptimizedCode: k=2 must be >= m=3"),
    ],
)
def test_errors_found_inside_the_simulation_are_still_the_one_line(
    args: list[str], needle: str
) -> None:
    code, _, err = _script("simulate", *args, "--m", "9", "--trials", "50")
    assert code == 2 and err.splitlines() == [err.strip()] and needle in err, err


def test_a_warning_is_one_line_without_the_library_source() -> None:
    code, _, err = _script(
        "simulate", "approx-matdot:m=4,eps=1e-9", "--m", "9", "--workers", "9", "--trials", "20"
    )
    assert code == 0, err
    (line,) = [ln for ln in err.splitlines() if ln.strip()]
    assert line.startswith("warning: UserWarning: ApproxMatDotCode: epsilon=1e-09 is below")
    assert ".py:" not in err
