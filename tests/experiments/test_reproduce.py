"""``codedcomp reproduce``: every registered experiment runs with ``--quick`` (papers 000/001)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from codedcomp.cli import app
from codedcomp.experiments import EXPERIMENTS, get, names, run_experiment
from codedcomp.experiments.report import Number, Summary, fmt, rel_diff

runner = CliRunner()

# what each summary must name: the paper's numbers (or, where it gives none, its claims)
PAPER_TEXT = {
    "sr-fig2a": [
        "τm + 1/μ (001 Prop. 2)",
        "2τd + 1/μ (000 Thm. 1)",
        "(001 Thm. 1)",
        "lighter tail probability of latency than all baselines",
    ],
    "sr-fig2b": ["even with k = 20", "SR Codes continue to outperform LT Codes"],
    "sr-fig2c": ["Coupon-Collector (CC)", "fewer encoded symbols for sum-recovery"],
    "lt-fig2a": [
        "τm + 1/μ (001 Prop. 2)",
        "τ + H_m/μ (001 Prop. 1, r = 1)",
        "τr + H_{m/r}/(rμ) (001 Prop. 1)",
        "τ(r+1)d̄ + 1/μ",
        "highest for the Uncoded",
    ],
    "lt-fig2b": ["highest for the Uncoded", "One (All-at-One)", "Pareto(1, 1)"],
    "lt-mprime": [
        "1400 (§V, m = 1000)",
        "783 (§V, m = 1000)",
        "55 (§V, AWS Lambda)",
        "29 (§V, AWS Lambda)",
    ],
}
FILES = {
    "sr-fig2a": ["latency.csv", "tail.png", "tail_logx.png"],
    "sr-fig2b": ["latency.csv", "tail.png", "tail_logx.png"],
    "sr-fig2c": ["mprime.csv", "mprime.png", "mprime_tail.png"],
    "lt-fig2a": ["latency.csv", "tail.png", "tail_logx.png"],
    "lt-fig2b": ["latency.csv", "tail.png", "tail_logx.png"],
    "lt-mprime": ["mprime.csv", "mprime.png"],
}


# experiments tested in their own files: real runs (worker processes), paper 004's, paper 003's
REAL_RUNS = {
    "lt-fig2c",
    "codes-vs-copies",
    "learned-table4",
}  # tests/experiments/test_lt_fig2c.py, test_codes_vs_copies.py, test_learned_table4.py
MATMUL = {"approx-matdot-fig1a", "approx-matdot-fig1b", "logreg-mnist"}  # test_matmul_repro.py


def test_every_experiment_is_registered() -> None:
    assert names() == sorted(set(PAPER_TEXT) | REAL_RUNS | MATMUL)
    for n in names():
        mod = EXPERIMENTS[n].run.__module__
        doc = __import__(mod, fromlist=["_"]).__doc__
        cites = ("paper 000", "paper 001", "paper 003", "paper 004", "Paper 004")
        assert doc and any(c in doc for c in cites), mod  # each cites its paper


@pytest.mark.parametrize("name", sorted(PAPER_TEXT))
def test_quick_run_writes_csv_png_and_summary(name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    res = runner.invoke(app, ["reproduce", name, "--quick", "--out", str(out), "--seed", "3"])
    assert res.exit_code == 0, res.output
    for f in [*FILES[name], "summary.md", "summary.json"]:
        assert (out / f).is_file() and (out / f).stat().st_size > 0, f
    md = (out / "summary.md").read_text()
    assert "Quick run" in md and f"reproduce {name} --quick" in md
    for text in PAPER_TEXT[name]:
        assert text in md, text
    doc = json.loads((out / "summary.json").read_text())
    assert doc["name"] == name and doc["quick"] is True and doc["seed"] == 3
    assert doc["claims"], "every experiment checks at least one claim of its paper"
    for c in doc["claims"]:
        assert c["verdict"] in ("reproduced", "NOT reproduced") and c["evidence"]
        assert (c["verdict"] == "reproduced") == c["holds"]
    for n in doc["numbers"]:  # a relative difference wherever the paper gives a finite number
        if n["paper"] is not None and n["ours"] is not None and math.isfinite(n["ours"]):
            assert n["rel_diff"] == pytest.approx((n["ours"] - n["paper"]) / abs(n["paper"]))
    header = (out / FILES[name][0]).read_text().splitlines()[0]
    assert header.startswith("trial,")


def test_per_trial_csv_holds_every_trial(tmp_path: Path) -> None:
    run_experiment("lt-fig2a", tmp_path, quick=True, seed=1)
    lines = (tmp_path / "latency.csv").read_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    schemes = {r[1] for r in rows}
    assert schemes == {"One", "Uncoded", "2-Replication", "LT-1", "LT-2", "ideal"}
    assert len(rows) == 6 * len({r[0] for r in rows})
    lat = np.array([float(r[3]) for r in rows])
    assert np.all(lat > 0)


def test_same_seed_same_outputs(tmp_path: Path) -> None:
    a = run_experiment("sr-fig2c", tmp_path / "a", quick=True, seed=5)
    b = run_experiment("sr-fig2c", tmp_path / "b", quick=True, seed=5)
    assert (tmp_path / "a" / "mprime.csv").read_text() == (
        tmp_path / "b" / "mprime.csv"
    ).read_text()
    assert [c.holds for c in a.claims] == [c.holds for c in b.claims]


def test_list_names_every_experiment() -> None:
    res = runner.invoke(app, ["reproduce", "--list"])
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == names()
    assert "Fig. 2a" in res.stdout and "1400 / 783" in res.stdout


def test_unknown_name_is_one_line_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["reproduce", "sr-fig9", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    lines = [line for line in res.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown experiment 'sr-fig9'" in lines[0] and "sr-fig2a" in lines[0]
    with pytest.raises(
        ValueError,
        match="unknown experiment 'nope'; valid: approx-matdot-fig1a, approx-matdot-fig1b",
    ):
        get("nope")


def test_missing_name_or_out_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["reproduce"])
    assert res.exit_code == 2 and "--list" in res.output
    res = runner.invoke(app, ["reproduce", "sr-fig2a"])
    assert res.exit_code == 2 and "--out DIR is required" in res.output
    assert not list(tmp_path.iterdir())


def test_json_to_stdout(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["reproduce", "sr-fig2a", "--quick", "--out", str(tmp_path), "--json", "-"]
    )
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["name"] == "sr-fig2a" and doc["elapsed_s"] > 0


def test_summary_formats_numbers_and_relative_differences() -> None:
    assert fmt(None) == "—" and fmt(math.inf) == "∞" and fmt(10.0) == "10"
    assert rel_diff(1356.0, 1400.0) == pytest.approx(-44 / 1400)
    assert rel_diff(1.0, None) is None and rel_diff(math.inf, 2.0) is None
    s = Summary("x", "001 (test)", "Fig. 0", "title")
    s.numbers.append(Number("M′", 1400.0, "1400", 1330.0, "1330", kind="reported"))
    s.claim("001 §V", "a claim", False, "because")
    md = s.to_markdown()
    assert "-5.0 %" in md and "**NOT reproduced**" in md and "(0 of 1 reproduced)" in md


def test_exact_survival_crossing_of_one_and_two_replication() -> None:
    # Exp(0.2), m = 1000: P(T_One > t) = e^{-0.2(t-5)} decays at rate 0.2, 2-Replication's at
    # 0.4·(500 groups): they cross where e^{-0.2t+1} ≈ 500·e^{-0.4t}, i.e. t ≈ 26
    from codedcomp.experiments.latency import survival_crossings
    from codedcomp.sim import closed_forms as cf

    one = lambda t: cf.one_cdf(t, m=1000, tau=0.005, delay="exp:rate=0.2")  # noqa: E731
    rep = lambda t: cf.replication_cdf(t, m=1000, r=2, tau=0.005, delay="exp:rate=0.2")  # noqa: E731
    cross = survival_crossings(one, rep, 5.0, 500.0)
    assert len(cross) == 1
    t, p, one_heavier = cross[0]
    assert 25 < t < 27 and 0.01 < p < 0.02 and one_heavier


def test_index_lists_each_reproduction_with_its_command(tmp_path: Path) -> None:
    for name in ("sr-fig2a", "lt-mprime"):
        run_experiment(name, tmp_path / name, quick=True, seed=0)
    res = runner.invoke(app, ["reproduce", "--index", str(tmp_path)])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "README.md").read_text()
    for name in ("sr-fig2a", "lt-mprime"):
        assert f"[{name}]({name}/summary.md)" in text
        assert f"codedcomp reproduce {name} --quick --out {tmp_path / name} --seed 0" in text
    assert "M′ for 99 % decoding, LT-1: 1400 →" in text and "## Claims not reproduced" in text
    res = runner.invoke(app, ["reproduce", "--index", str(tmp_path / "empty")])
    assert res.exit_code == 2 and "no */summary.json" in res.output
