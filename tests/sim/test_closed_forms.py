"""Closed forms of papers 000/001 (§IV) against the simulator, and exact forms against each other.

Every statistical assertion is a ``check_*(seed)`` function run here with one fixed seed; each was
also run offline for seeds 0–99 (``python tests/sim/test_closed_forms.py`` repeats that sweep).
"""

from __future__ import annotations

import itertools
import math
import sys
from fractions import Fraction

import numpy as np
import pytest

import codedcomp
from codedcomp.sim import closed_forms as cf

TAU = 0.005
EXP = "exp:rate=0.2"
PARETO = "pareto:scale=1,shape=1"
SEED = 7
Z = 4.0  # standard errors allowed for a mean / a frequency
KS_C = 2.3  # KS critical value c/√n: P(D > c/√n) ≈ 2·exp(−2c²) ≈ 5e-5 per check


def _ks(samples: np.ndarray, cdf: np.ndarray) -> float:
    """sup_t |F_n(t) − F(t)| for a continuous, possibly defective F; ``inf`` samples never decode.

    ``cdf`` is F at the sorted finite samples; the supremum over t is attained at a jump.
    """
    n = samples.size
    k = np.isfinite(samples).sum()
    i = np.arange(1, k + 1)
    d = max(float(np.max(i / n - cdf)), float(np.max(cdf - (i - 1) / n))) if k else 0.0
    return d


def _sim(specs: list[str], seed: int, **kw: object) -> codedcomp.sim.SimResult:
    return codedcomp.simulate(specs, seed=seed, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- means (001 Prop. 1, 2)


def check_exp_means(seed: int) -> None:
    m, mu = 200, 0.2
    res = _sim(["one", "uncoded", "rep:r=2", "rep:r=5"], seed, m=m, tau=TAU, delay=EXP, trials=1500)
    exact = {
        "one": cf.one_mean(m, TAU, mu),
        "uncoded": cf.uncoded_mean(m, TAU, mu),
        "rep:r=2": cf.replication_mean(m, 2, TAU, mu),
        "rep:r=5": cf.replication_mean(m, 5, TAU, mu),
    }
    for spec, value in exact.items():
        lat = res[spec].latency
        se = lat.std(ddof=1) / math.sqrt(lat.size)
        assert abs(lat.mean() - value) <= Z * se, (spec, lat.mean(), value, se)


def test_exp_means_match_simulation() -> None:
    check_exp_means(SEED)


def test_paper_closed_form_values() -> None:
    # paper 001 at its setting: m = 1000, τ = 0.005, μ = 0.2
    assert cf.one_mean(1000, TAU, 0.2) == pytest.approx(10.0)
    assert cf.uncoded_mean(1000, TAU, 0.2) == pytest.approx(0.005 + 5 * cf.harmonic(1000))
    assert cf.replication_mean(1000, 2, TAU, 0.2) == pytest.approx(0.01 + 2.5 * cf.harmonic(500))
    assert cf.harmonic(4) == pytest.approx(25 / 12)
    assert cf.sr_mean_bound(10, TAU, 0.2) == pytest.approx(5.1)
    assert cf.lt_mean_bound(1000, 2, TAU, 0.2, avg_degree=8.0) == pytest.approx(0.015 * 8 + 5)


def test_numerical_mean_of_exact_cdfs_equals_paper_formulas() -> None:
    # integrating the exact CDFs reproduces Prop. 1 and Prop. 2: each checks the other
    for r in (1, 2, 10):
        num = cf.mean_from_cdf(
            lambda t, r=r: cf.replication_cdf(t, m=1000, r=r, tau=TAU, delay=EXP)
        )
        assert num == pytest.approx(cf.replication_mean(1000, r, TAU, 0.2), rel=1e-9)
    num = cf.mean_from_cdf(lambda t: cf.one_cdf(t, m=1000, tau=TAU, delay=EXP))
    assert num == pytest.approx(cf.one_mean(1000, TAU, 0.2), rel=1e-6)


def test_parameter_errors_name_the_constraint() -> None:
    with pytest.raises(ValueError, match="r=3 must be an integer in"):
        cf.replication_mean(10, 3, TAU, 0.2)
    with pytest.raises(ValueError, match="mu=0 must be"):
        cf.one_mean(10, TAU, 0)
    with pytest.raises(ValueError, match="all batches cost the same"):
        cf.bcc_cdf([1.0], m=20, d=3, tau=TAU, delay=EXP)
    with pytest.raises(ValueError, match="workers=30 must be"):
        cf.bcc_failure_probability(20, 4, workers=30)


# --------------------------------------------------------------------------- exact CDFs (any delay)


def check_cdfs(seed: int) -> None:
    m, trials = 100, 1500
    bound = KS_C / math.sqrt(trials)
    for delay in (EXP, PARETO, "shifted-exp:shift=1,rate=0.5"):
        res = _sim(
            ["one", "uncoded", "rep:r=2", "rep:r=3", "ideal"],
            seed,
            m=m,
            tau=TAU,
            delay=delay,
            trials=trials,
        )
        forms = {
            "one": lambda t, d=delay: cf.one_cdf(t, m=m, tau=TAU, delay=d),
            "uncoded": lambda t, d=delay: cf.uncoded_cdf(t, m=m, tau=TAU, delay=d),
            "rep:r=2": lambda t, d=delay: cf.replication_cdf(t, m=m, r=2, tau=TAU, delay=d),
            # 3 does not divide 100: the last group holds one function and one replica
            "rep:r=3": lambda t, d=delay: cf.replication_cdf(t, m=m, r=3, tau=TAU, delay=d),
            "ideal": lambda t, d=delay: cf.ideal_cdf(t, m=m, tau=TAU, delay=d),
        }
        for spec, cdf in forms.items():
            lat = np.sort(res[spec].latency)
            d = _ks(lat, cdf(lat[np.isfinite(lat)]))
            assert d <= bound, (delay, spec, d, bound)


def test_exact_cdfs_match_empirical_cdfs() -> None:
    check_cdfs(SEED)


def check_cdfs_workers_lt_m(seed: int) -> None:
    # workers < m: functions grouped in near-equal blocks (sizes 3 and 4 here)
    m, w, trials = 70, 20, 1500
    bound = KS_C / math.sqrt(trials)
    res = _sim(
        ["uncoded", "rep:r=3", "ideal"], seed, m=m, workers=w, tau=0.05, delay=EXP, trials=trials
    )
    forms = {
        "uncoded": lambda t: cf.uncoded_cdf(t, m=m, tau=0.05, delay=EXP, workers=w),
        "rep:r=3": lambda t: cf.replication_cdf(t, m=m, r=3, tau=0.05, delay=EXP, workers=w),
        "ideal": lambda t: cf.ideal_cdf(t, m=m, tau=0.05, delay=EXP, workers=w),
    }
    for spec, cdf in forms.items():
        lat = np.sort(res[spec].latency)
        assert _ks(lat, cdf(lat)) <= bound, spec


def test_exact_cdfs_with_fewer_workers_than_functions() -> None:
    check_cdfs_workers_lt_m(SEED)


def check_ideal_coarse_time(seed: int) -> None:
    # τ large against the delays: the discreteness of ⌊(t − X)/τ⌋ dominates the law of T_ideal
    m, trials = 40, 1500
    res = _sim(["ideal"], seed, m=m, tau=0.5, delay="exp:rate=2", trials=trials)
    lat = np.sort(res["ideal"].latency)
    d = _ks(lat, cf.ideal_cdf(lat, m=m, tau=0.5, delay="exp:rate=2"))
    assert d <= KS_C / math.sqrt(trials)


def test_ideal_cdf_with_coarse_work_units() -> None:
    check_ideal_coarse_time(SEED)


def check_ideal_mean(seed: int) -> None:
    m, trials = 200, 1000
    lat = _sim(["ideal"], seed, m=m, tau=TAU, delay=EXP, trials=trials)["ideal"].latency
    exact = cf.mean_from_cdf(lambda t: cf.ideal_cdf(t, m=m, tau=TAU, delay=EXP))
    assert abs(lat.mean() - exact) <= Z * lat.std(ddof=1) / math.sqrt(trials)


def test_ideal_mean_matches_simulation() -> None:
    check_ideal_mean(SEED)


# --------------------------------------------------------------------------- BCC


def _cover_inclusion_exclusion(n: int, k: int) -> Fraction:
    """P(k uniform picks cover n batches) = Σ_j (−1)^j C(n, j) (1 − j/n)^k, in exact rationals."""
    return sum(
        (Fraction((-1) ** j * math.comb(n, j)) * Fraction(n - j, n) ** k for j in range(n + 1)),
        Fraction(0),
    )


def test_bcc_dp_equals_inclusion_exclusion_at_tiny_sizes() -> None:
    for n in range(1, 7):
        dp = cf.bcc_cover_probabilities(n, 15)
        for k in range(16):
            assert dp[k] == pytest.approx(float(_cover_inclusion_exclusion(n, k)), abs=1e-14)


def test_bcc_failure_probability_is_stable_at_paper_size() -> None:
    # n = 100 batches, P = 1000 workers: Bonferroni brackets P(fail) to 1e-4 relative; the
    # float inclusion–exclusion sum of 101 terms of size up to C(100, 50) cannot
    p = cf.bcc_failure_probability(1000, 10)
    first = 100 * 0.99**1000
    second = math.comb(100, 2) * 0.98**1000
    assert first - second <= p <= first
    assert cf.bcc_failure_probability(1000, 10) == pytest.approx(
        1 - cf.bcc_cover_probabilities(100, 1000)[-1], rel=1e-9
    )
    cover = cf.bcc_cover_probabilities(100, 1000)
    assert np.all(np.diff(cover) >= 0) and cover[99] == 0.0 and 0 < cover[-1] < 1
    assert cf.bcc_failure_probability(30, 1) > 0.999  # 30 workers rarely hit 30 distinct batches


def check_bcc_failure_frequency(seed: int) -> None:
    # m = workers = 20, d = 4: n = 5 batches, P(fail) ≈ 5.7 %
    trials = 3000
    p = cf.bcc_failure_probability(20, 4)
    res = _sim(["bcc:d=4"], seed, m=20, tau=TAU, delay=EXP, trials=trials)
    freq = res["bcc:d=4"].failures / trials
    assert abs(freq - p) <= Z * math.sqrt(p * (1 - p) / trials), (freq, p)


def test_bcc_failure_probability_matches_simulation() -> None:
    assert cf.bcc_failure_probability(20, 4) == pytest.approx(0.05728, abs=1e-5)
    check_bcc_failure_frequency(SEED)


def check_bcc_cdf(seed: int) -> None:
    trials = 1500
    for m, d, delay in ((100, 10, EXP), (20, 4, PARETO)):
        lat = np.sort(
            _sim([f"bcc:d={d}"], seed, m=m, tau=TAU, delay=delay, trials=trials)[
                f"bcc:d={d}"
            ].latency
        )
        exact = cf.bcc_cdf(lat[np.isfinite(lat)], m=m, d=d, tau=TAU, delay=delay)
        assert _ks(lat, exact) <= KS_C / math.sqrt(trials), (m, d, delay)


def test_bcc_cdf_matches_empirical_cdf() -> None:
    check_bcc_cdf(SEED)
    # its defect is the failure probability
    top = cf.bcc_cdf([1e9], m=20, d=4, tau=TAU, delay=EXP)[0]
    assert top == pytest.approx(1 - cf.bcc_failure_probability(20, 4), rel=1e-12)


def check_bcc_mean(seed: int) -> None:
    m, d, trials = 200, 10, 1500
    lat = _sim([f"bcc:d={d}"], seed, m=m, tau=TAU, delay=EXP, trials=trials)[f"bcc:d={d}"].latency
    ok = lat[np.isfinite(lat)]
    exact = cf.mean_from_cdf(
        lambda t: cf.bcc_cdf(t, m=m, d=d, tau=TAU, delay=EXP),
        defect=cf.bcc_failure_probability(m, d),
    )
    assert abs(ok.mean() - exact) <= Z * ok.std(ddof=1) / math.sqrt(ok.size)


def test_bcc_mean_matches_simulation() -> None:
    check_bcc_mean(SEED)


# --------------------------------------------------------------------------- LT and SR bounds


def test_robust_soliton_mean_degree() -> None:
    # k = 1: every symbol has degree 1; the mean grows like ln k (001 Thm. 1: d̄ = O(log(m/r)))
    assert cf.robust_soliton_mean_degree(1) == pytest.approx(1.0)
    d = [cf.robust_soliton_mean_degree(k) for k in (10, 100, 1000, 10000)]
    assert all(b > a for a, b in itertools.pairwise(d))
    assert 0.5 < d[-1] / math.log(10000) < 2


def _luby_mean(k: int, c: float, delta: float) -> float:
    """Luby's Robust Soliton mean written out independently (the test's oracle)."""
    i = np.arange(1, k + 1, dtype=float)
    rho = np.where(i == 1, 1.0 / k, 1.0 / (i * np.maximum(i - 1, 1)))
    big_r = c * math.log(k / delta) * math.sqrt(k)
    spike = int(min(max(math.floor(k / big_r), 1), k))
    extra = np.zeros(k)
    extra[: spike - 1] = big_r / (i[: spike - 1] * k)
    extra[spike - 1] = big_r * math.log(big_r / delta) / k if big_r > delta else 0.0
    w = rho + extra
    return float((i * w).sum() / w.sum())


def test_robust_soliton_mean_matches_an_independent_implementation() -> None:
    for k, c, delta in ((10, 0.03, 0.5), (500, 0.03, 0.5), (1000, 0.03, 0.5), (1000, 0.1, 0.05)):
        assert cf.robust_soliton_mean_degree(k, c, delta) == pytest.approx(
            _luby_mean(k, c, delta), rel=1e-12
        )


def check_ideal_lower_bounds_every_scheme(seed: int) -> None:
    specs = ["one", "uncoded", "rep:r=2", "bcc:d=5", "lt:r=1", "lt:r=2", "sr:d=5", "ideal"]
    res = _sim(specs, seed, m=100, tau=TAU, delay=EXP, trials=30)
    floor = res["ideal"].latency
    for spec in specs[:-1]:
        assert np.all(res[spec].latency >= floor - 1e-12), spec


def test_ideal_lower_bounds_every_scheme_trial_by_trial() -> None:
    check_ideal_lower_bounds_every_scheme(SEED)


def check_lt_sr_bounds(seed: int) -> None:
    m, mu = 1000, 0.2
    res = _sim(["lt:r=1", "lt:r=2", "sr:d=10"], seed, m=m, tau=TAU, delay=EXP, trials=20)
    for r in (1, 2):
        lat = res[f"lt:r={r}"].latency
        assert res[f"lt:r={r}"].failures == 0
        assert lat.mean() <= cf.lt_mean_bound(m, r, TAU, mu)
    assert res["sr:d=10"].failures == 0
    assert res["sr:d=10"].latency.mean() <= cf.sr_mean_bound(10, TAU, mu)


def test_lt_and_sr_means_are_below_their_bounds() -> None:
    check_lt_sr_bounds(SEED)


CHECKS = [
    check_exp_means,
    check_cdfs,
    check_cdfs_workers_lt_m,
    check_ideal_coarse_time,
    check_ideal_mean,
    check_bcc_failure_frequency,
    check_bcc_cdf,
    check_bcc_mean,
    check_ideal_lower_bounds_every_scheme,
    check_lt_sr_bounds,
]


if __name__ == "__main__":  # offline sweep: every statistical check over seeds 0–99
    names = sys.argv[1:]
    for check in CHECKS:
        if names and check.__name__ not in names:
            continue
        bad = []
        for s in range(100):
            try:
                check(s)
            except AssertionError as e:
                bad.append((s, str(e)[:120]))
        print(f"{check.__name__}: {100 - len(bad)}/100 seeds pass", bad[:5], flush=True)
