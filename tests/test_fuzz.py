"""Fuzzing the CLI and the API: every bad input is one line and exit 2 (or 3 when the answer
cannot be decoded), never a traceback, never invalid JSON, never a hang.

Hypothesis with a fixed seed (``derandomize``) and ``CODEDCOMP_FUZZ`` examples per test (200
by default, thousands in ``benchmarks/bench_fuzz.py``).  Inputs mix valid specs and options with
mutated ones, out-of-range and non-numeric values, bad output paths, broken trace files and user
functions that return the wrong things.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import codedcomp
from codedcomp.cli import main
from codedcomp.errors import NotDecodableError

EXAMPLES = int(os.environ.get("CODEDCOMP_FUZZ", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

VALID_SCHEMES = [
    "uncoded", "one", "rep:r=2", "bcc:d=2", "lt:r=1", "lt:r=2,c=0.05", "sr:d=2", "sr:d=2,k=3",
    "ideal", "hedge:after=p95", "hedge:after=0.01,copies=3", "speculate",
    "speculate:quantile=0.5,multiplier=1.5,interval=0.01,min_runtime=0",
    # matrix-multiplication codes (simulate reads them when no sums scheme has the name; in a
    # sums run they are refused in one line, in a matmul run they run)
    "matdot:m=2", "polynomial:x=2,y=2,points=half", "approx-matdot:m=2,eps=1e-3",
    "mds:k=3,points=chebyshev", "matdot:m=2,points=half,order=natural",
]  # fmt: skip
VALID_DELAYS = ["exp:rate=5", "pareto:scale=0.01,shape=1.5", "shifted-exp:shift=0,rate=9", "none"]
WEIRD = [
    "", " ", ":", ",", "=", "sr:d=", "sr:d=0", "sr:d=-3", "sr:d=1e3", "sr:d=１２", "sr:d=1_0",
    "sr:d=4,", "sr: d=4", "lt:me=1000000000000000000000", "hedge:after=p150", "hedge:after=inf",
    "speculate:quantile=2", "exp:rate=1e-320", "pareto:scale=1,shape=0", "trace:", "trace:/",
    "nan", "inf", "-1", "1e308", "NaN", "☃", "sr:d=2,d=3", "rep:r=2:r=3", "x" * 300, "\x00",
]  # fmt: skip


def _mutate(draw: Any, base: str) -> str:
    if not base:
        return base
    i = draw(st.integers(0, len(base)))
    junk = draw(st.sampled_from([",", ":", "=", " ", "0", "-", "1e9", "x", "é", ""]))
    return base[:i] + junk + base[i:]


@st.composite
def specs(draw: Any, valid: list[str]) -> str:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.sampled_from(valid))
    if kind == 1:
        return _mutate(draw, draw(st.sampled_from(valid)))
    return draw(st.sampled_from(WEIRD))


NUMBERS = st.sampled_from(
    ["0", "-1", "1", "2", "3", "abc", "1e308", "inf", "nan", "-0", "1.5", "99999999999999999999"]
)


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.argv
    sys.argv = ["codedcomp", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as e:
                code = int(e.code or 0)
    finally:
        sys.argv = old
    return code, out.getvalue(), err.getvalue()


def _strict_json(text: str) -> Any:
    def no_constants(name: str) -> Any:
        raise AssertionError(f"invalid JSON constant {name}")

    return json.loads(text, parse_constant=no_constants)


def _check(code: int, out: str, err: str, args: list[str]) -> None:
    assert "Traceback" not in out + err, (args, err)
    assert code in (0, 2, 3), (args, code, err)
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    if code == 2:  # a bad input: one line, before any work (nothing else printed)
        assert len(lines) == 1 and lines[0].startswith("error:"), (args, err)
    if code == 3:  # not decodable: the results were reported, then one line says why
        assert lines[-1].startswith("error:") and sum(ln.startswith("error:") for ln in lines) == 1


@st.composite
def simulate_args(draw: Any, tmp: Path) -> list[str]:
    args = ["simulate", *draw(st.lists(specs(VALID_SCHEMES), min_size=1, max_size=3))]
    m = draw(st.one_of(st.sampled_from(["10", "16"]), NUMBERS))
    args += ["--m", m, "--trials", draw(st.one_of(st.just("3"), NUMBERS))]
    if draw(st.booleans()):
        args += ["--workers", draw(st.one_of(st.just("8"), NUMBERS))]
    if draw(st.booleans()):
        args += ["--tau", draw(st.one_of(st.just("0.01"), NUMBERS))]
    args += ["--delay", draw(specs(VALID_DELAYS))]
    if draw(st.booleans()):
        args += ["--seed", draw(st.one_of(st.just("1"), NUMBERS))]
    if draw(st.booleans()):
        args += ["--service", draw(specs(VALID_DELAYS))]
    args += draw(_outputs(tmp))
    return args


@st.composite
def _outputs(draw: Any, tmp: Path) -> list[str]:
    bad = [str(tmp), "", str(tmp / "f.txt" / "x.json"), "/dev/full", "/proc/nope.json", "-"]
    good = [str(tmp / "out.json"), str(tmp / "sub" / "o.json")]
    out: list[str] = []
    if draw(st.booleans()):
        out += ["--json", draw(st.sampled_from(bad + good))]
    if draw(st.booleans()):
        plots = [str(tmp / "p.png"), str(tmp / "p.gif"), str(tmp / "p"), str(tmp), ""]
        out += [draw(st.sampled_from(["--plot", "--plot-work"])), draw(st.sampled_from(plots))]
    return out


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fuzz")
    (d / "f.txt").write_text("a file, not a directory")
    return d


@FUZZ
@given(data=st.data())
def test_fuzz_simulate(data: st.DataObject, tmp: Path) -> None:
    args = data.draw(simulate_args(tmp))
    code, out, err = _cli(args)
    _check(code, out, err, args)
    if code == 0 and "--json" in args and args[args.index("--json") + 1] == "-":
        doc = _strict_json(out)
        assert doc["results"] and all("work" in r for r in doc["results"])


@FUZZ
@given(data=st.data())
def test_fuzz_run(data: st.DataObject, tmp: Path) -> None:
    workloads = ["kernel-sum:dim=3", "taylor:dim=2", "nosuch", "taylor:dim=0"]
    wl = data.draw(st.sampled_from([*workloads, "matmul:n=8", "matmul:n=0"]))
    args = [
        "run",
        wl,
        "--scheme",
        *data.draw(st.lists(specs(VALID_SCHEMES), min_size=1, max_size=2)),
    ]
    args += ["--workers", data.draw(st.one_of(st.sampled_from(["4", "6"]), NUMBERS))]
    args += ["--backend", data.draw(st.sampled_from(["thread", "thread:threads=2", "nosuch"]))]
    args += ["--delay", data.draw(st.sampled_from(["exp:rate=200", "none", "exp:rate=-1"]))]
    args += ["--timeout", data.draw(st.sampled_from(["5", "inf", "0", "1e300", "-2"]))]
    if data.draw(st.booleans()):
        args += ["--fail", data.draw(st.sampled_from(["crash:p=0.2", "raise:p=2", "hang:p=0.1"]))]
    if data.draw(st.booleans()):
        args += ["--trace-out", data.draw(st.sampled_from([str(tmp), str(tmp / "t.json"), ""]))]
    args += data.draw(_outputs(tmp))
    code, out, err = _cli(args)
    _check(code, out, err, args)
    if code in (0, 3) and "--json" in args and args[args.index("--json") + 1] == "-":
        _strict_json(out)


TRACES = [
    "[null, 1]", '{"trials": 5}', "[[1, [2]]]", "[1, 2", "{}", "[]", "[[]]", '"text"', "[-1, 2]",
    '{"delays": [[1, 2], [3]]}', '{"trials": [{"workers": [{"injected_delay": "x"}]}]}',
    "1,2,3\n4,x,6", "a,b\n1,2", "[1e400]", "[true, false]",
]  # fmt: skip


@FUZZ
@given(content=st.one_of(st.sampled_from(TRACES), st.binary(max_size=64).map(repr)))
def test_fuzz_trace_files(content: str, tmp: Path) -> None:
    path = tmp / "trace.json"
    path.write_text(content)
    args = ["simulate", "uncoded", "--m", "6", "--trials", "2", "--delay", f"trace:{path}"]
    code, out, err = _cli(args)
    _check(code, out, err, args)
    if code != 0:
        assert str(path) in err  # the message names the file


RETURNS = [None, 1.0, 2, 1j, "x", [1.0, 2.0], np.ones(3), np.ones((2, 2)), float("nan"), [], {}]


@FUZZ
@given(
    values=st.lists(st.sampled_from(range(len(RETURNS))), min_size=2, max_size=6),
    spec=st.sampled_from(["uncoded", "rep:r=2", "sr:d=1", "lt:r=1", "ideal"]),
)
def test_fuzz_user_functions(values: list[int], spec: str) -> None:
    fns = [lambda x, v=RETURNS[k]: v for k in values]
    try:
        res = codedcomp.run(fns, 0.0, scheme=spec, backend="thread", seed=0, timeout=5)
    except (ValueError, NotDecodableError) as e:
        assert str(e) and "\n" not in str(e)
        return
    assert res.values[0] is not None


API_VALUES = st.sampled_from([1.5, "x", float("nan"), float("inf"), True, -1, None, 0, 10**30])


@FUZZ
@given(key=st.sampled_from(["m", "tau", "trials", "seed", "workers"]), value=API_VALUES)
def test_fuzz_simulate_api(key: str, value: Any) -> None:
    kwargs: dict[str, Any] = dict(m=8, tau=0.01, delay="exp:rate=1", trials=2, seed=0)
    kwargs[key] = value
    try:
        codedcomp.simulate(["uncoded", "sr:d=2"], **kwargs)
    except ValueError as e:
        assert key in str(e) and "\n" not in str(e)
