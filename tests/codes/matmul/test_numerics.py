"""Numerics: point families, bit-reversal order, ill-conditioning, ε-MatDot, Algorithm 1."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codedcomp.codes.matmul import (
    ApproxMatDotCode,
    MatDotCode,
    OptimizedCode,
    PolynomialCode,
    alternating_minimization,
    float64_floor,
)
from codedcomp.errors import IllConditionedWarning, NotDecodableError

from .helpers import products, rel_err


def _all_products(code, A, B):
    return products(code, A, B, range(code.workers))


def _err(code, R, C, ids):
    got = code.decode({i: R[i] for i in ids})
    return float(np.linalg.norm(got - C) / np.linalg.norm(C))


def test_bit_reversal_beats_contiguous_assignment_under_consecutive_failures():
    # K = 36 results of 40 Chebyshev workers; every run of 4 consecutive worker ids fails
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((36, 24)), rng.standard_normal((24, 36))
    C = A @ B
    worst = {}
    for order in ("natural", "bitrev"):
        code = PolynomialCode(x=6, y=6, workers=40, points="chebyshev", order=order)
        R = _all_products(code, A, B)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IllConditionedWarning)
            worst[order] = max(
                _err(code, R, C, sorted(set(range(40)) - {(s + j) % 40 for j in range(4)}))
                for s in range(40)
            )
    assert worst["natural"] > 1e-10  # an arc at the end of the interval opens
    assert worst["bitrev"] < 1e-12  # the same failed ids are spread over the interval
    assert worst["natural"] / worst["bitrev"] > 1e3


def test_roots_of_unity_are_the_accurate_default():
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((36, 16)), rng.standard_normal((16, 36))
    C = A @ B
    errs = {}
    for points in ("roots", "chebyshev", "equispaced"):
        code = PolynomialCode(x=6, y=6, workers=40, points=points, order="natural")
        R = _all_products(code, A, B)
        ids = list(range(4, 40))  # the first 4 points missing: the hard case
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IllConditionedWarning)
            errs[points] = _err(code, R, C, ids)
    assert PolynomialCode(x=2, y=2).points == "roots"
    assert errs["roots"] < 1e-11 and 100 * errs["roots"] < errs["chebyshev"] < errs["equispaced"]


def test_ill_conditioned_decode_warns_with_the_condition_number():
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((36, 12)), rng.standard_normal((12, 36))
    code = PolynomialCode(x=6, y=6, workers=40, points="equispaced")
    with pytest.warns(IllConditionedWarning, match=r"condition number \d\.\d+e\+\d+"):
        err = rel_err(code, A, B, range(36))
    assert err > 1e-6  # and the warning was deserved


# ----------------------------------------------------------------------------- ε-MatDot


def _eps_err(m, eps, k, seed=3, points="roots"):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((20, 8 * m)), rng.standard_normal((8 * m, 20))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        code = ApproxMatDotCode(m=m, workers=2 * m + 1, epsilon=eps, points=points)
    errs = []
    for _ in range(5):
        ids = rng.choice(code.workers, k, replace=False)
        errs.append(rel_err(code, A, B, ids))
    return float(np.median(errs))


def test_eps_matdot_decodes_from_m_results_with_error_shrinking_in_eps():
    m = 3
    errs = [_eps_err(m, eps, k=m) for eps in (1e-1, 1e-2, 1e-3, 1e-4)]
    assert all(a > 3 * b for a, b in itertools.pairwise(errs))  # ∝ eps
    for eps, e in zip((1e-1, 1e-2, 1e-3, 1e-4), errs, strict=True):
        assert e < eps  # the relative error promised from exactly m results


def test_eps_matdot_error_stops_at_the_float64_limit_and_says_so():
    m = 3
    with pytest.warns(UserWarning, match="below what float64 reaches"):
        ApproxMatDotCode(m=m, workers=5, epsilon=1e-9)
    floor = _eps_err(m, 1e-12, k=m)
    near = _eps_err(m, 2 * float64_floor(m), k=m)
    assert floor < float64_floor(m) and floor == pytest.approx(near, rel=1)  # no further gain
    # what a naive Δ = eps/m would give past the limit: round-off explodes
    rng = np.random.default_rng(3)
    A, B = rng.standard_normal((20, 24)), rng.standard_normal((24, 20))
    naive = ApproxMatDotCode(m=m, workers=7, epsilon=0.5, delta=1e-12 / m)
    with pytest.warns(IllConditionedWarning, match="imaginary part"):
        assert rel_err(naive, A, B, [0, 1, 2]) > 1e3 * floor


def test_eps_matdot_uses_every_result_in_hand():
    # Δ ≈ eps64^{1/(2m-2)}: ~1e-8 from 2m-2 results, far worse from exactly m
    for m in (2, 3, 4, 5):
        delta = np.finfo(float).eps ** (1 / (2 * m - 2))
        errs = {}
        for k in (m, 2 * m - 2, 2 * m - 1):
            rng = np.random.default_rng(4)
            A, B = rng.standard_normal((16, 8 * m)), rng.standard_normal((8 * m, 16))
            code = ApproxMatDotCode(m=m, workers=2 * m + 1, delta=delta)
            errs[k] = np.median(
                [rel_err(code, A, B, rng.choice(2 * m + 1, k, replace=False)) for _ in range(7)]
            )
        assert errs[2 * m - 2] < 1e-7, (m, errs)
        if m > 2:
            assert errs[m] > 100 * errs[2 * m - 2]
        assert errs[2 * m - 1] < 1e-7  # exact MatDot decode once 2m-1 are in


def test_eps_matdot_threshold_is_m():
    code = ApproxMatDotCode(m=4, workers=9, epsilon=1e-3)
    assert code.threshold == 4 and code.decodable([0, 5, 7, 8]) and not code.decodable([1, 2, 3])
    with pytest.raises(NotDecodableError, match=r"3 result\(s\) in hand.*4 needed"):
        code.weights([1, 2, 3])


def test_construction2_meets_its_absolute_bound_where_float64_allows():
    rng = np.random.default_rng(5)
    A, B = rng.standard_normal((10, 20)), rng.standard_normal((20, 10))
    eta = max(np.linalg.norm(A), np.linalg.norm(B))
    C = A @ B
    for m, eps, ok in ((2, 1e-2, True), (2, 1e-4, True), (3, 1e-10, False)):
        code = ApproxMatDotCode.construction2(m=m, epsilon=eps, eta=eta, workers=m + 2)
        bound = eps / (6 * eta**2 * np.sqrt(2 * m - 1) * (m - 1) * m)
        assert np.all(np.abs(code.z) < bound) and np.isrealobj(code.z)
        got = code.decode(products(code, A, B, range(m)))
        assert (np.max(np.abs(got - C)) <= eps) == ok, (m, eps)


def test_construction2_rejects_eps_outside_eq_15():
    with pytest.raises(ValueError, match=r"epsilon=3 must be in \(0, min"):
        ApproxMatDotCode.construction2(m=2, epsilon=3, eta=10.0)


# ----------------------------------------------------------------------------- Algorithm 1


def test_alternating_minimization_never_increases_the_loss_and_beats_1_over_m2():
    d = alternating_minimization(3, 4, 5, iterations=600, restarts=3, seed=0)
    assert np.all(np.diff(d.trace_loss) <= 1e-12 * d.trace_loss[0])
    assert d.loss < 1e-2 < 1 / 9 and d.loss == min(d.losses)
    assert d.alpha.shape == (5, 3)


def test_optimized_code_decodes_to_about_sqrt_loss_and_obeys_theorem_5():
    rng = np.random.default_rng(6)
    A, B = rng.standard_normal((12, 30)), rng.standard_normal((30, 12))
    code = OptimizedCode(m=3, k=4, workers=5, iterations=800, restarts=2)
    assert code.threshold == 4 and code.workers == 5 and np.isrealobj(code.alpha)
    eta = max(np.linalg.norm(A), np.linalg.norm(B))
    for ids in ([0, 1, 2, 3], [1, 2, 3, 4], [0, 2, 3, 4]):
        C = A @ B
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IllConditionedWarning)
            got = code.decode(products(code, A, B, ids))
            loss = code.loss(ids)
        assert np.linalg.norm(got - C) <= np.sqrt(loss) * 3 * eta**2  # Theorem 5
        assert np.linalg.norm(got - C) / np.linalg.norm(C) < 0.1
    assert MatDotCode(m=3, workers=5).threshold == 5 > code.threshold


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(2, 4),
    k_extra=st.integers(0, 2),
    points=st.sampled_from(["roots", "chebyshev"]),
    dims=st.tuples(st.integers(1, 7), st.integers(1, 9), st.integers(1, 7)),
    seed=st.integers(0, 2**32 - 1),
)
def test_eps_matdot_any_m_results_meet_the_promised_relative_error(m, k_extra, points, dims, seed):
    rng = np.random.default_rng(seed)
    eps = 10 * float64_floor(m)
    code = ApproxMatDotCode(m=m, workers=2 * m + 1, epsilon=eps, points=points)
    A = rng.standard_normal(dims[:2])
    B = rng.standard_normal(dims[1:])
    ids = rng.choice(code.workers, m + min(k_extra, m - 2), replace=False)
    # relative to ‖A‖‖B‖ (the paper's scale, Remark 1): C itself may be tiny by cancellation
    got = code.decode(products(code, A, B, ids))
    assert np.linalg.norm(got - A @ B) <= eps * np.linalg.norm(A) * np.linalg.norm(B)
