"""Paper 004 reproductions (``approx-matdot-fig1a``, ``approx-matdot-fig1b``, ``logreg-mnist``)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from codedcomp.codes.matmul import MatDotCode
from codedcomp.experiments import get, run_experiment
from codedcomp.experiments.approx_matdot_fig1b import best_effort
from codedcomp.experiments.report import Summary

FILES = {
    "approx-matdot-fig1a": ["trace.csv", "starts.csv", "loss.png"],
    "approx-matdot-fig1b": ["error.csv", "error.png"],
    "logreg-mnist": ["accuracy.csv", "accuracy.png"],
}
PAPER_TEXT = {
    "approx-matdot-fig1a": ["~1e-5", "much smaller than 1/m²", "converges to a local minimum"],
    "approx-matdot-fig1b": ["~1e-16", "outperform Chebyshev and MatDot codes"],
    "logreg-mnist": ["91.17 ± 0.25", "91.17 ± 0.26", "MNIST 5k vs full MNIST"],
}


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Summary, Path]]:
    """Each experiment's quick run, once for the module (logreg-mnist alone is ~10 s)."""
    out = {}
    for name in FILES:
        path = tmp_path_factory.mktemp(name)
        out[name] = (run_experiment(name, path, quick=True, seed=1), path)
    return out


@pytest.mark.parametrize("name", sorted(FILES))
def test_quick_run_writes_data_plot_and_summary_with_the_papers_numbers(name, quick):
    s, tmp_path = quick[name]
    for f in [*FILES[name], "summary.md", "summary.json"]:
        assert (tmp_path / f).is_file() and (tmp_path / f).stat().st_size > 0, f
    md = (tmp_path / "summary.md").read_text()
    assert "Quick run" in md and "paper 004" in md
    for text in PAPER_TEXT[name]:
        assert text in md, text
    doc = json.loads((tmp_path / "summary.json").read_text())
    assert doc["claims"] and all(c["evidence"] for c in doc["claims"])
    for n in doc["numbers"]:
        if n["paper"] not in (None, 0) and n["ours"] is not None and math.isfinite(n["ours"]):
            assert n["rel_diff"] == pytest.approx((n["ours"] - n["paper"]) / abs(n["paper"]))
    doc = __import__(get(name).run.__module__, fromlist=["_"]).__doc__
    assert s.elapsed is not None and doc and "paper 004" in doc


def test_fig1b_best_effort_matches_decode_where_decodable_and_degrades_below():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((8, 12)), rng.standard_normal((12, 8))
    code = MatDotCode(m=3, workers=5, points="chebyshev")
    enc = code.encode(A, B)
    R = {i: enc[i][0] @ enc[i][1] for i in range(5)}
    assert np.allclose(best_effort(code, R, [0, 1, 2, 3, 4]), A @ B)
    err = np.linalg.norm(best_effort(code, R, [0, 1, 2]) - A @ B) / np.linalg.norm(A @ B)
    assert 1e-3 < err < 10  # a least-squares guess, not an exact decode


def test_logreg_trains_with_coded_products_to_the_uncoded_accuracy(quick):
    s, tmp_path = quick["logreg-mnist"]
    with (tmp_path / "accuracy.csv").open() as fh:
        rows = list(csv.reader(fh))[1:]
    acc: dict[str, list[float]] = {}
    for r in rows:
        acc.setdefault(r[1], []).append(float(r[3]))
    assert np.mean(acc["uncoded"]) > 75  # it learned (10 classes: chance is 10 %)
    eps = next(v for k, v in acc.items() if k.startswith("ε-MatDot"))
    assert abs(np.mean(eps) - np.mean(acc["uncoded"])) < 2
    errs = [float(r[4]) for r in rows if r[1].startswith("ε-MatDot")]
    assert 1e-6 < min(errs) and max(errs) < 1e-2  # the products really were approximate
    assert s.claims[0].holds


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FILES))
def test_full_reproduction_verdicts(name, tmp_path: Path):
    s = run_experiment(name, tmp_path, quick=False, seed=0)
    assert s.claims
