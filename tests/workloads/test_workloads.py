"""Every registered workload: partial sums add up to the exact F(x), pickle, determinism, specs."""

from __future__ import annotations

import pickle
import re
from functools import cache

import numpy as np
import pytest

from codedcomp.workloads import (
    WORKLOADS,
    FunctionList,
    KernelSum,
    RandomForest,
    TaylorSeries,
    Workload,
    family_of,
    make_workload,
)

M = 12
SEED = 7

# spec -> shape of every value (at m = M)
SPECS = {
    "kernel-sum": (),
    "kernel-sum:dim=20,queries=3,bandwidth=3": (3,),
    "random-forest": (10,),
    "random-forest:depth=3": (10,),
    "ensemble:hidden=8,epochs=1": (10,),
    "taylor": (16,),
    "taylor:function=sin,dim=5": (5,),
    "taylor:function=cos,dim=5,scale=3": (5,),
    "gradient": (65,),
    "gradient:data=synthetic,features=6": (7,),
}
SEEDED = [s for s in SPECS if not s.startswith("taylor")]  # taylor has no random data


@cache
def build(spec: str, m: int = M, seed: int | None = SEED) -> Workload:
    return make_workload(spec, m=m, seed=seed)


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(np.ravel(a - b)) / max(np.linalg.norm(np.ravel(b)), 1e-300))


def queries(w: Workload, n: int = 3, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [w.input(rng) for _ in range(n)]


# workloads of other families, tested where their schemes run
# tests/runtime/test_matmul_run.py, tests/runtime/test_inference_run.py
OTHER_FAMILIES = {"matmul", "inference"}


def test_every_registered_workload_is_tested() -> None:
    assert {s.partition(":")[0] for s in SPECS} | OTHER_FAMILIES == set(WORKLOADS.names())
    for name in OTHER_FAMILIES:
        assert family_of(name) == name != "sums"  # read off the class: nothing built
    assert {build(s).family for s in SPECS} == {"sums"}


@pytest.mark.parametrize("spec", SPECS)
def test_full_partial_equals_exact(spec: str) -> None:
    w = build(spec)
    assert w.m == M
    assert w.spec == spec  # type: ignore[attr-defined]
    for x in queries(w):
        full = w.partial(np.arange(M), x)
        exact = w.exact(x)
        assert rel(full, exact) <= 1e-9
        assert np.all(np.isfinite(exact))


@pytest.mark.parametrize("spec", SPECS)
def test_shapes_and_dtype(spec: str) -> None:
    w = build(spec)
    x = queries(w, 1)[0]
    for value in (w.partial(np.array([3]), x), w.partial(np.arange(M), x), w.exact(x)):
        assert isinstance(value, np.ndarray)
        assert value.dtype == np.float64
        assert value.shape == SPECS[spec]
    empty = w.partial(np.array([], dtype=np.int64), x)
    assert empty.shape == SPECS[spec]
    assert np.all(empty == 0)


@pytest.mark.parametrize("spec", SPECS)
def test_disjoint_partials_sum_to_whole(spec: str) -> None:
    w = build(spec)
    rng = np.random.default_rng(1)
    for x in queries(w, 2):
        parts = np.array_split(rng.permutation(M), 4)
        total = sum(w.partial(p, x) for p in parts)
        assert rel(total, w.exact(x)) <= 1e-9
        singles = sum(w.partial(np.array([i]), x) for i in range(M))
        assert rel(singles, w.exact(x)) <= 1e-9


@pytest.mark.parametrize("spec", SPECS)
def test_repeated_index_counts_twice(spec: str) -> None:
    w = build(spec)
    x = queries(w, 1)[0]
    one = w.partial(np.array([5]), x)
    assert rel(w.partial(np.array([5, 5, 2]), x), 2 * one + w.partial(np.array([2]), x)) <= 1e-12


@pytest.mark.parametrize("spec", SPECS)
def test_pickle_round_trip(spec: str) -> None:
    w = build(spec)
    blob = pickle.dumps(w)
    v = pickle.loads(blob)
    assert v.m == w.m
    xs, ys = queries(w, 2, seed=5), queries(v, 2, seed=5)
    for x, y in zip(xs, ys, strict=True):
        np.testing.assert_array_equal(x, y)
        idx = np.array([0, 4, 9])
        np.testing.assert_array_equal(v.partial(idx, x), w.partial(idx, x))
        np.testing.assert_array_equal(v.exact(x), w.exact(x))
    assert pickle.loads(pickle.dumps(v)).partial(np.arange(M), xs[0]).shape == SPECS[spec]


def test_pickles_are_small() -> None:
    sizes = {s: len(pickle.dumps(build(s))) for s in SPECS}
    for spec in ("kernel-sum", "taylor", "gradient", "gradient:data=synthetic,features=6"):
        assert sizes[spec] < 2_000, (spec, sizes[spec])  # regenerated from the seed
    assert sizes["random-forest"] < 12_000 * M  # compact trees
    big = make_workload("kernel-sum:dim=1000", m=1000, seed=0)
    assert len(pickle.dumps(big)) < 2_000


@pytest.mark.parametrize("spec", SPECS)
def test_deterministic_from_seed(spec: str) -> None:
    a = make_workload(spec, m=M, seed=SEED)
    b = build(spec)
    assert a is not b
    for x in queries(a, 2):
        np.testing.assert_array_equal(a.partial(np.arange(M), x), b.partial(np.arange(M), x))
        np.testing.assert_array_equal(a.exact(x), b.exact(x))


@pytest.mark.parametrize("spec", SEEDED)
def test_other_seed_other_functions(spec: str) -> None:
    a, b = build(spec), make_workload(spec, m=M, seed=SEED + 1)
    x = queries(a, 1)[0]
    half = np.arange(M // 2)  # (the full digits gradient does not depend on the sharding)
    assert not np.allclose(a.partial(half, x), b.partial(half, x))


def test_seed_none_is_fresh_but_pickles_reproducibly() -> None:
    a = make_workload("kernel-sum:dim=5", m=4)
    b = make_workload("kernel-sum:dim=5", m=4)
    x = a.input(np.random.default_rng(0))
    assert not np.array_equal(a.partial(np.arange(4), x), b.partial(np.arange(4), x))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.partial(np.arange(4), x), a.partial(np.arange(4), x))


def test_kernel_terms_are_gaussian_kernels() -> None:
    w = build("kernel-sum:dim=20,queries=3,bandwidth=3")
    assert isinstance(w, KernelSum)
    x = queries(w, 1)[0]
    assert x.shape == (3, 20)
    for i in (0, 7):
        want = np.exp(-np.sum((x - w.points[i]) ** 2, axis=1) / (2 * 3.0**2))
        np.testing.assert_allclose(w.partial(np.array([i]), x), want, rtol=1e-12)
    scalar = build("kernel-sum")
    assert isinstance(scalar, KernelSum) and scalar.h == pytest.approx(10.0)


def test_kernel_paper_scale_builds() -> None:
    w = make_workload("kernel-sum:dim=1000", m=1000, seed=0)
    x = w.input(np.random.default_rng(0))
    assert rel(w.partial(np.arange(1000), x), w.exact(x)) <= 1e-9
    assert 1.0 < float(w.exact(x)) < 1000.0


def test_forest_matches_scikit_learn() -> None:
    w = build("random-forest")
    assert isinstance(w, RandomForest)
    forest = w.train()
    for x in queries(w):
        want = M * forest.predict_proba(x[None, :])[0]
        assert rel(w.exact(x), want) <= 1e-12
        assert rel(w.partial(np.arange(M), x), want) <= 1e-12
        one = forest.estimators_[3].predict_proba(x[None, :])[0]
        np.testing.assert_allclose(w.partial(np.array([3]), x), one, rtol=1e-12)


def test_learned_workloads_classify_digits() -> None:
    from codedcomp.workloads.digits import digits_split

    _, _, images, labels = digits_split()
    for spec, floor in (("random-forest", 0.85), ("ensemble:hidden=8,epochs=1", 0.6)):
        w = build(spec)
        votes = [w.partial(np.arange(M), img.astype(float)) for img in images[::4]]
        accuracy = np.mean(np.argmax(votes, axis=1) == labels[::4])
        assert accuracy >= floor, (spec, accuracy)
        assert np.allclose(np.sum(votes, axis=1), M)  # every f_i is a probability vector


def test_taylor_tends_to_the_function() -> None:
    for fn in ("exp", "sin", "cos"):
        w = make_workload(f"taylor:function={fn}", m=30)
        assert isinstance(w, TaylorSeries)
        x = w.input(np.random.default_rng(0))
        x[0] = 0.0
        assert rel(w.exact(x), w.true_value(x)) <= 1e-13
        assert rel(w.partial(np.arange(30), x), w.true_value(x)) <= 1e-13
    w = make_workload("taylor", m=1000)  # far terms underflow to 0, nothing overflows
    x = w.input(np.random.default_rng(1))
    assert rel(w.partial(np.arange(1000), x), np.exp(x)) <= 1e-13
    np.testing.assert_array_equal(w.partial(np.array([999]), x), 0.0)
    two = make_workload("taylor:function=sin,dim=2", m=3)
    np.testing.assert_allclose(
        two.partial(np.array([1]), np.array([2.0, -1.0])), [-8 / 6, 1 / 6], rtol=1e-14
    )


def test_gradient_is_the_logistic_gradient() -> None:
    w = build("gradient:data=synthetic,features=6")
    x = queries(w, 1)[0]
    g = w.exact(x)
    eps = 1e-6

    def loss(v: np.ndarray) -> float:
        z = w.a @ v  # type: ignore[attr-defined]
        return float(np.mean(np.logaddexp(0.0, z) - w.y * z))  # type: ignore[attr-defined]

    numeric = [(loss(x + eps * e) - loss(x - eps * e)) / (2 * eps) for e in np.eye(len(x))]
    np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-9)
    assert make_workload("gradient", m=1797, seed=0).partial(np.array([0]), np.zeros(65)).any()


@pytest.mark.parametrize(
    ("spec", "m", "message"),
    [
        (
            "nosuch",
            M,
            "unknown workload 'nosuch'; valid: ensemble, gradient, inference, kernel-sum, matmul, "
            "random-forest, taylor",
        ),
        (
            "kernel-sum:nokey=1",
            M,
            "workload 'kernel-sum': unknown key 'nokey'; valid keys: dim, bandwidth, queries",
        ),
        ("kernel-sum:dim=0", M, "workload 'kernel-sum': dim=0 must be an integer >= 1"),
        (
            "kernel-sum:bandwidth=0",
            M,
            "workload 'kernel-sum': bandwidth=0 must be a number > 0",
        ),
        (
            "random-forest:depth=two",
            M,
            "workload 'random-forest': depth='two' must be an integer >= 1",
        ),
        ("taylor:function=tan", M, "TaylorSeries: function='tan' must be one of cos, exp, sin"),
        (
            "gradient:data=mnist",
            M,
            "LogisticGradient: data='mnist' must be one of digits, synthetic",
        ),
        ("gradient", 2000, "LogisticGradient: samples=1797 must be >= m=2000"),
        (
            "gradient:data=synthetic,samples=5",
            M,
            "LogisticGradient: samples=5 must be >= m=12 (every shard needs a sample)",
        ),
        ("", M, "empty workload spec; valid: ensemble"),
        ("taylor", 0, "make_workload: m=0 must be an integer >= 1"),
    ],
)
def test_bad_spec_fails_with_one_line(spec: str, m: int, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)) as info:
        make_workload(spec, m=m)
    assert "\n" not in str(info.value)


def test_workload_objects_pass_through() -> None:
    fl = FunctionList([np.sin, np.cos, np.exp], x=0.5)
    assert make_workload(fl, m=3) is fl
    with pytest.raises(ValueError, match="make_workload: m=4 must be the given workload's m=3"):
        make_workload(fl, m=4)
    w = build("taylor")
    assert make_workload(w, m=M) is w


def test_bad_query_shape_is_named() -> None:
    with pytest.raises(ValueError, match=r"KernelSum: x.shape=\(3,\) must be \(100,\)"):
        build("kernel-sum").partial(np.arange(2), np.zeros(3))
