"""Bad parameters and bad inputs fail before any work with one line; spec strings and registry."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codedcomp.codes.matmul import (
    MATMUL_SCHEMES,
    ApproxMatDotCode,
    MatDotCode,
    MDSCode,
    OptimizedCode,
    PolynomialCode,
    ReplicationCode,
    matmul_scheme,
)
from codedcomp.codes.matmul.family import matmul_family_scheme
from codedcomp.errors import NotDecodableError

A = np.ones((4, 6))
B = np.ones((6, 4))


def one_line(excinfo: pytest.ExceptionInfo) -> str:
    msg = str(excinfo.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: MatDotCode(m=4, workers=3),
            r"MatDotCode: workers=3 must be an integer >= 2\*m-1=7",
        ),
        (lambda: MatDotCode(m=0), "MatDotCode: m=0 must be an integer >= 1"),
        (lambda: MatDotCode(m=2.5), "MatDotCode: m=2.5 must be an integer >= 1"),
        (
            lambda: PolynomialCode(x=3, y=3, workers=8),
            "PolynomialCode: workers=8 must be an integer >= x\\*y=9",
        ),
        (
            lambda: PolynomialCode(x=2, y=2, points="chebychev"),
            "PolynomialCode: points='chebychev' must be one of roots, chebyshev, equispaced",
        ),
        (lambda: MatDotCode(m=2, order="random"), "order='random' must be one of bitrev, natural"),
        (
            lambda: ApproxMatDotCode(m=2, epsilon=0),
            "ApproxMatDotCode: epsilon=0 must be a number in \\(0, 1\\)",
        ),
        (
            lambda: ApproxMatDotCode(m=2, epsilon=1e-3, delta=2.0),
            "ApproxMatDotCode: delta=2.0 must be a number in \\(0, 1\\]",
        ),
        (lambda: ApproxMatDotCode(m=3, workers=2), "workers=2 must be an integer >= m=3"),
        (lambda: OptimizedCode(m=3, k=4, workers=4), "workers=4 must be an integer > k=4"),
        (lambda: OptimizedCode(m=3, k=2, workers=5), "OptimizedCode: k=2 must be >= m=3"),
        (lambda: ReplicationCode(x=2, y=2, r=2, workers=7), "workers=7 must be r\\*x\\*y=8"),
    ],
)
def test_bad_parameters_fail_at_construction_with_one_line(make, match):
    with pytest.raises(ValueError, match=match) as exc:
        make()
    one_line(exc)


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        (np.ones((4, 6)), np.ones((5, 4)), r"B.shape=\(5, 4\) must be \(6, …\) to match A.shape"),
        (np.ones(6), np.ones((6, 4)), r"A.shape=\(6,\) must be 2-D"),
        (np.ones((4, 6)), np.ones((6, 4, 1)), r"B.shape=\(6, 4, 1\) must be 1-D or 2-D"),
        (np.ones((0, 6)), np.ones((6, 4)), r"A.shape=\(0, 6\) must be non-empty"),
        (np.full((4, 6), np.nan), np.ones((6, 4)), "A='non-finite' must be finite"),
        (np.ones((4, 6)), np.full((6, 4), np.inf), "B='non-finite' must be finite"),
        (np.array([["a"] * 6] * 4), np.ones((6, 4)), "A.dtype='<U1' must be numeric"),
        (np.full((4, 6), 2**60), np.ones((6, 4)), r"max\|A\|=.* must be < 2\*\*53"),
    ],
)
def test_bad_operands_fail_before_any_work_with_one_line(a, b, match):
    code = MatDotCode(m=2, workers=3)
    with pytest.raises(ValueError, match=match) as exc:
        code.encode(a, b)
    one_line(exc)
    assert code.layout is None  # nothing was recorded: no work was done


def test_integer_and_float32_inputs_are_converted_not_rejected():
    code = MatDotCode(m=2, workers=3, points="chebyshev")
    enc = code.encode(np.ones((4, 6), dtype=np.int32), np.ones((6, 4), dtype=np.float32))
    assert enc[0][0].dtype == np.float64 and enc[0][1].dtype == np.float64


def test_bad_results_fail_with_one_line():
    code = MatDotCode(m=2, workers=3)
    enc = code.encode(A, B)
    res = {i: enc[i][0] @ enc[i][1] for i in range(3)}
    with pytest.raises(ValueError, match=r"worker=3 must be an integer in \[0, workers=3\)"):
        code.decode({**res, 3: res[0]})
    with pytest.raises(ValueError, match=r"result\[1\].shape=\(2, 2\) must be \(4, 4\)"):
        code.decode({**res, 1: np.ones((2, 2))})
    with pytest.raises(ValueError, match="decode needs a layout"):
        MatDotCode(m=2, workers=3).decode(res)


def test_spec_strings_of_design_md():
    for spec, cls, thr in [
        ("polynomial:x=2,y=2", "PolynomialCode", 4),
        ("matdot:m=4", "MatDotCode", 7),
        ("approx-matdot:m=4,eps=1e-3", "ApproxMatDotCode", 4),
        ("optimized:m=2,k=2,iterations=50", "OptimizedCode", 2),
        ("mds:k=8", "MDSCode", 8),
        ("uncoded:x=2,y=3", "UncodedCode", 6),
        ("rep:x=2,y=2,r=3", "ReplicationCode", 4),
    ]:
        code = matmul_scheme(spec)
        assert type(code).__name__ == cls and code.threshold == thr and code.label == spec
    code = ApproxMatDotCode(m=3, workers=6, epsilon=1e-2, points="chebyshev")
    assert code.canonical == "approx-matdot:m=3,eps=0.01,workers=6,points=chebyshev"
    assert matmul_scheme(code.canonical).canonical == code.canonical  # round trip
    code = matmul_scheme("matdot:m=4,points=chebyshev", workers=12)
    assert code.workers == 12 and code.points == "chebyshev"
    with pytest.warns(UserWarning, match="below what float64 reaches from m=4 results"):
        assert matmul_scheme("approx-matdot:m=4,eps=1e-6,workers=9").epsilon == 1e-6
    assert matmul_scheme("polynomial:x=3,y=3,workers=13,points=equispaced").workers == 13


def test_bad_specs_list_what_is_valid():
    with pytest.raises(ValueError, match="unknown matmul scheme 'matdoot'; valid: approx-matdot"):
        matmul_scheme("matdoot:m=4")
    with pytest.raises(ValueError, match=r"valid: approx-matdot, .*, uncoded, hedge, speculate$"):
        matmul_family_scheme("matdoot:m=4")  # a matmul job also takes the copies policies
    with pytest.raises(ValueError, match="unknown key 'n'; valid keys: m, workers, points, order"):
        matmul_scheme("matdot:n=4")
    with pytest.raises(ValueError, match="points='roots2' must be one of roots, chebyshev"):
        matmul_scheme("matdot:m=4,points=roots2")
    with pytest.raises(ValueError, match="eps=2 must be a number > 0 and <= 1"):
        matmul_scheme("approx-matdot:m=4,eps=2")
    assert set(MATMUL_SCHEMES.names()) == {
        "approx-matdot",
        "matdot",
        "mds",
        "optimized",
        "polynomial",
        "rep",
        "uncoded",
    }


_BAD = ("str", "none", "object", "nan", "complex64", "int", "bool", "shape", "flat", "list")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(
        ["polynomial", "matdot", "mds", "approx-matdot", "matdot-half", "polynomial-half"]
    ),
    bad=st.sampled_from(_BAD),
    complex_data=st.booleans(),
    verify=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_any_bad_result_decodes_or_fails_in_one_line(kind, bad, complex_data, verify, seed):
    rng = np.random.default_rng(seed)
    code = {
        "polynomial": PolynomialCode(x=2, y=2, workers=6),
        "matdot": MatDotCode(m=2, workers=5),
        "mds": MDSCode(k=3, workers=5),
        "approx-matdot": ApproxMatDotCode(m=2, workers=4),
        "matdot-half": MatDotCode(m=2, workers=5, points="half"),
        "polynomial-half": PolynomialCode(x=2, y=2, workers=6, points="half"),
    }[kind]
    a = rng.standard_normal((4, 6)) + (1j * rng.standard_normal((4, 6)) if complex_data else 0)
    b = rng.standard_normal(6) if kind == "mds" else rng.standard_normal((6, 4))
    enc = code.encode(a, b)
    # from half the threshold (real data may decode from the results and their partners) to it
    k = int(rng.integers(-(-code.threshold // 2), code.threshold + 1))
    ids = [int(i) for i in rng.choice(code.workers, k, replace=False)]
    res: dict[int, object] = {i: enc[i][0] @ enc[i][1] for i in ids}
    i = ids[int(rng.integers(len(ids)))]
    v = np.asarray(res[i])
    res[i] = {
        "str": "abc",
        "none": None,
        "object": v.astype(object),
        "nan": np.full_like(v, np.nan),
        "complex64": v.astype(np.complex64),
        "int": np.ones(v.shape, dtype=int),
        "bool": np.ones(v.shape, dtype=bool),
        "shape": np.ones((3, 3)),
        "flat": v.ravel(),
        "list": v.tolist(),
    }[bad]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            code.decode(res, verify=verify)
        except (ValueError, NotDecodableError) as e:  # nothing else: no traceback
            assert "\n" not in str(e)
