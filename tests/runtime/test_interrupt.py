"""Ctrl-C always wins: exit 130, one line, nothing left running, finished trials written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from codedcomp.runtime import interrupt


def _cli(*args: str) -> subprocess.Popen[str]:
    code = "import sys; from codedcomp._entry import main; sys.argv[0] = 'codedcomp'; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def _hosts_of(pid: int) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if "_host_main" in cmd:
            try:
                if p.ppid() == pid:
                    out.append(p)
            except psutil.NoSuchProcess:
                pass
    return out


@pytest.mark.parametrize("after", [2.5, 4.0])
def test_ctrl_c_mid_run_exits_130_with_the_trials_so_far(tmp_path: Path, after: float) -> None:
    out = tmp_path / "r.json"
    proc = _cli(
        "run",
        "kernel-sum",
        "--scheme",
        "uncoded",
        "lt:r=1",
        "--workers",
        "16",
        "--delay",
        "exp:rate=20",
        "--tau",
        "0.002",
        "--trials",
        "1000",
        "--seed",
        "1",
        "--backend",
        "local",
        "--json",
        str(out),
    )
    time.sleep(after)
    hosts = _hosts_of(proc.pid)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the run went on after Ctrl-C") from None
    assert proc.returncode == 130, err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted"), err
    assert "Traceback" not in err
    if out.exists():  # interrupted after at least one complete trial
        doc = json.loads(out.read_text())
        assert doc["config"]["interrupted_after_trials"] >= 0 and doc["results"]
    time.sleep(0.5)
    assert not [p for p in hosts if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_ctrl_c_during_imports_is_one_line() -> None:
    code = (
        "import sys\n"
        "class Stop:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'codedcomp.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Stop())\n"
        "from codedcomp._entry import main\n"
        "main()\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 130 and p.stderr.strip() == "interrupted", p.stderr


@pytest.mark.parametrize("module", ["codedcomp.runtime.api", "codedcomp.codes.sums"])
def test_ctrl_c_during_a_commands_own_set_up_is_one_line(module: str) -> None:
    """typer turns a KeyboardInterrupt inside a command into a *silent* exit 130; the CLI must
    still print its one line (found by benchmarks/bench_sigint.py: SIGINT 0.3–0.45 s after the
    start of ``codedcomp run``, while the command imported the runtime, printed nothing)."""
    _run_cli_interrupted_on_import(module, "            raise KeyboardInterrupt\n")


def test_ctrl_c_that_cpython_rewraps_is_still_one_line() -> None:
    """A Ctrl-C inside a class body's ``__set_name__`` (dataclasses) reaches us as a RuntimeError
    caused by the KeyboardInterrupt (found by benchmarks/bench_sigint.py: a traceback, exit 1)."""
    _run_cli_interrupted_on_import(
        "codedcomp.runtime.api",
        "            try:\n"
        "                raise KeyboardInterrupt\n"
        "            except KeyboardInterrupt as e:\n"
        "                raise RuntimeError('Error calling __set_name__') from e\n",
    )


def _run_cli_interrupted_on_import(module: str, raising: str) -> None:
    """``codedcomp run`` in a subprocess whose import of ``module`` runs ``raising`` (indented
    code that raises); the CLI must exit 130 with the one line "interrupted"."""
    code = (
        "import sys\n"
        "from codedcomp._entry import main\n"
        "class Stop:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {module!r}:\n"
        f"{raising}"
        "sys.meta_path.insert(0, Stop())\n"
        "sys.argv = ['codedcomp', 'run', 'kernel-sum', '--scheme', 'uncoded', '--workers', '2',\n"
        "            '--backend', 'thread']\n"
        "main()\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 130 and p.stderr.strip() == "interrupted", (p.returncode, p.stderr)


def test_a_swallowed_interrupt_is_raised_again() -> None:
    """A KeyboardInterrupt lost in a weakref callback ("Exception ignored") still stops the run."""
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("POSIX signals")
    with interrupt.guard():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)  # the handler raises here...
        except KeyboardInterrupt:
            pass  # ...and someone swallows it
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()
        interrupt.check()  # raised once
