"""The simulator: common random numbers, replayable trials, the ideal bound, JSON shape."""

import numpy as np
import pytest

import codedcomp
from codedcomp.codes.sums.ideal import mth_unit_time
from codedcomp.rng import root_sequence, substream, trial_sequence
from codedcomp.sim import simulate_trial
from codedcomp.sim.oneshot import sample_delays

KW = dict(m=40, tau=0.01, delay="exp:rate=1", trials=30)


def test_common_random_numbers_and_order_independence() -> None:
    a = codedcomp.simulate(["uncoded", "rep:r=2", "bcc:d=4"], seed=3, **KW)
    b = codedcomp.simulate(["bcc:d=4", "uncoded"], seed=3, **KW)
    # the same delays X per trial whatever the scheme list, and a scheme's plan does not
    # depend on which schemes were simulated beside it
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a["bcc:d=4"].latency, b["bcc:d=4"].latency)
    np.testing.assert_array_equal(a["uncoded"].latency, b["uncoded"].latency)
    # paired: every scheme saw the same X, so uncoded is exactly the slowest worker plus τ
    np.testing.assert_allclose(a["uncoded"].latency, a.x.max(axis=1) + KW["tau"], rtol=1e-12)


def test_seed_reproducible_and_trial_replayable_alone() -> None:
    a = codedcomp.simulate(["bcc:d=4"], seed=11, **KW)
    b = codedcomp.simulate(["bcc:d=4"], seed=11, **KW)
    np.testing.assert_array_equal(a["bcc:d=4"].latency, b["bcc:d=4"].latency)
    root = root_sequence(11)
    x = sample_delays(codedcomp.delay("exp:rate=1"), 40, 30, root)
    t = 17
    lat, _ = simulate_trial(
        codedcomp.scheme("bcc:d=4"),
        m=40,
        tau=0.01,
        x=x[t],
        rng=substream(trial_sequence(root, t), "bcc:d=4"),
    )
    assert lat == a["bcc:d=4"].latency[t]
    c = codedcomp.simulate(["bcc:d=4"], seed=12, **KW)
    assert not np.array_equal(a.x, c.x)


def test_trial_sequence_matches_spawn() -> None:
    root = root_sequence(5)
    spawned = np.random.SeedSequence(5).spawn(4)[3]
    assert trial_sequence(root, 3).generate_state(4).tolist() == spawned.generate_state(4).tolist()


def brute_mth_unit(x: np.ndarray, tau: float, m: int) -> float:
    times = (x[:, None] + tau * np.arange(1, m + 1)[None, :]).ravel()
    return float(np.sort(times)[m - 1])


def test_ideal_is_the_mth_smallest_unit_completion() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        workers, m = rng.integers(1, 12), int(rng.integers(1, 40))
        x = rng.exponential(1.0, size=int(workers))
        tau = float(rng.choice([0.001, 0.05, 0.3]))
        assert mth_unit_time(x[None, :], tau, m)[0] == pytest.approx(brute_mth_unit(x, tau, m))


def test_ideal_lower_bounds_every_scheme() -> None:
    r = codedcomp.simulate(["ideal", "uncoded", "rep:r=2", "bcc:d=4", "one"], seed=0, **KW)
    for name in ["uncoded", "rep:r=2", "bcc:d=4", "one"]:
        lat = r[name].latency
        ok = np.isfinite(lat)
        assert np.all(r["ideal"].latency[ok] <= lat[ok] + 1e-12)


def test_json_shape_and_failure_counting() -> None:
    r = codedcomp.simulate(
        ["bcc:d=4"], m=20, tau=0.01, delay="exp:rate=1", trials=200, seed=1, workers=8
    )
    doc = r.to_json()
    res = doc["results"][0]
    assert set(res["latency"]) == {"mean", "std", "p50", "p90", "p99", "max"}
    assert res["failures"] == int((~np.isfinite(r.results[0].latency)).sum()) > 0
    assert doc["config"]["workers"] == 8 and doc["config"]["delay"] == "exp:rate=1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(m=0), "m=0 must be"),
        (dict(trials=0), "trials=0 must be"),
        (dict(tau=-1.0), "tau=-1.0 must be"),
        (dict(workers=50), r"workers=50 must be an integer in \[1, m=40\]"),
    ],
)
def test_bad_parameters_fail_before_work(kwargs, message) -> None:
    args = {**KW, **kwargs}
    with pytest.raises(ValueError, match=message):
        codedcomp.simulate(["uncoded"], **args)


def test_ideal_with_free_work_is_the_first_start() -> None:
    r = codedcomp.simulate(["ideal"], m=20, tau=0.0, delay="exp:rate=1", trials=5, seed=0)
    np.testing.assert_allclose(r["ideal"].latency, r.x.min(axis=1))
    assert r["ideal"].failures == 0
