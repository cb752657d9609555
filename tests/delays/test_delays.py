"""Delay models: samplers agree with their analytic mean, cdf and quantile."""

import json

import numpy as np
import pytest

import codedcomp
from codedcomp.delays import TraceDelay

MODELS = ["exp:rate=0.2", "pareto:scale=1,shape=3", "shifted-exp:shift=1,rate=2", "none"]


@pytest.mark.parametrize("spec", MODELS)
def test_sample_mean_matches_analytic_mean(spec: str) -> None:
    model = codedcomp.delay(spec)
    x = model.sample(np.random.default_rng(0), 200_000)
    assert x.shape == (200_000,) and np.all(x >= 0)
    se = x.std() / np.sqrt(x.size) + 1e-12
    assert abs(x.mean() - model.mean) <= 5 * se


@pytest.mark.parametrize("spec", [*MODELS[:3], "pareto:scale=1,shape=1"])
def test_empirical_cdf_and_quantiles_match(spec: str) -> None:
    model = codedcomp.delay(spec)
    x = np.sort(model.sample(np.random.default_rng(1), 50_000))
    ecdf = np.arange(1, x.size + 1) / x.size
    ks = np.max(np.abs(ecdf - model.cdf(x)))
    assert ks < 1.36 / np.sqrt(x.size) * 1.5  # well inside the 5 % KS band
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(model.cdf(model.quantile(q)), q, rtol=1e-12)
    np.testing.assert_allclose(np.quantile(x, q), model.quantile(q), rtol=0.05)


def test_pareto_with_shape_one_has_infinite_mean() -> None:
    assert codedcomp.delay("pareto:scale=1,shape=1").mean == float("inf")


def test_sampling_is_reproducible_from_rng() -> None:
    m = codedcomp.delay("exp:rate=1")
    assert np.array_equal(m.sample(7, (3, 4)), m.sample(7, (3, 4)))
    assert not np.array_equal(m.sample(7, 5), m.sample(8, 5))


def test_trace_csv_rows_are_sampled_by_trial(tmp_path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("w0,w1,w2\n1,2,3\n10,20,30\n")
    model = codedcomp.delay(f"trace:{p}")
    x = model.sample(np.random.default_rng(0), (50, 3))
    rows = {tuple(r) for r in x}
    assert rows <= {(1.0, 2.0, 3.0), (10.0, 20.0, 30.0)} and len(rows) == 2
    # a different worker count draws workers with replacement from one recorded row
    y = model.sample(np.random.default_rng(0), (20, 5))
    for r in y:
        assert set(r) <= {1.0, 2.0, 3.0} or set(r) <= {10.0, 20.0, 30.0}
    assert model.mean == pytest.approx(11.0)


def test_trace_json_shapes(tmp_path) -> None:
    run_doc = {"trials": [{"workers": [{"injected_delay": 0.5}, {"injected_delay": 1.5}]}]}
    for doc in ([0.5, 1.5], [[0.5, 1.5]], {"delays": [[0.5, 1.5]]}, run_doc):
        p = tmp_path / "t.json"
        p.write_text(json.dumps(doc))
        x = TraceDelay(path=str(p)).sample(np.random.default_rng(0), (1, 2))
        assert x.tolist() == [[0.5, 1.5]]


def test_trace_rejects_negative_or_empty(tmp_path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("1,-2\n")
    with pytest.raises(ValueError, match="finite and >= 0"):
        TraceDelay(path=str(p))
    q = tmp_path / "empty.csv"
    q.write_text("")
    with pytest.raises(ValueError, match="holds no delays"):
        TraceDelay(path=str(q))


def test_trace_json_is_recognised_by_content_whatever_the_suffix(tmp_path) -> None:
    p = tmp_path / "run.trace"  # `codedcomp run --trace-out` writes JSON under any name
    p.write_text(json.dumps({"trials": [{"workers": [{"injected_delay": 0.25}]}]}))
    assert codedcomp.delay(f"trace:{p}").mean == pytest.approx(0.25)
