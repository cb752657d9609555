"""Exact matmul codes (polynomial, MatDot, MDS, uncoded, replication): recovery, shapes, types."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codedcomp.codes.matmul import (
    ApproxMatDotCode,
    MatDotCode,
    MDSCode,
    PolynomialCode,
    ReplicationCode,
    UncodedCode,
    bit_reversal,
    matmul_scheme,
)
from codedcomp.errors import IllConditionedWarning, NotDecodableError

from .helpers import products, rel_err

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    x=st.integers(1, 4),
    y=st.integers(1, 4),
    extra=st.integers(0, 4),
    points=st.sampled_from(["roots", "chebyshev"]),
    dims=st.tuples(st.integers(1, 13), st.integers(1, 9), st.integers(1, 13)),
    seed=st.integers(0, 2**32 - 1),
)
def test_polynomial_recovers_from_any_threshold_subset(x, y, extra, points, dims, seed):
    rng = np.random.default_rng(seed)
    code = PolynomialCode(x=x, y=y, workers=x * y + extra, points=points)
    A = rng.standard_normal(dims[:2])
    B = rng.standard_normal(dims[1:])
    ids = rng.choice(code.workers, code.threshold, replace=False)
    assert rel_err(code, A, B, ids) < 1e-9  # worst subsets at K ≤ 16: cond ~1e5


@FAST
@given(
    m=st.integers(1, 6),
    extra=st.integers(0, 4),
    points=st.sampled_from(["roots", "chebyshev"]),
    dims=st.tuples(st.integers(1, 9), st.integers(1, 14), st.integers(1, 9)),
    seed=st.integers(0, 2**32 - 1),
)
def test_matdot_recovers_from_any_threshold_subset(m, extra, points, dims, seed):
    rng = np.random.default_rng(seed)
    code = MatDotCode(m=m, workers=2 * m - 1 + extra, points=points)
    A = rng.standard_normal(dims[:2])
    B = rng.standard_normal(dims[1:])
    ids = rng.choice(code.workers, code.threshold, replace=False)
    assert rel_err(code, A, B, ids) < 1e-9  # worst subsets at K ≤ 16: cond ~1e5


@FAST
@given(
    kind=st.sampled_from(["polynomial", "matdot", "mds", "approx-matdot"]),
    size=st.integers(1, 4),
    extra=st.integers(0, 6),
    more=st.integers(0, 6),
    order=st.sampled_from(["bitrev", "natural"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_real_data_reads_one_product_per_conjugate_pair(kind, size, extra, more, order, seed):
    rng = np.random.default_rng(seed)
    if kind == "polynomial":
        code = PolynomialCode(x=size, y=size + 1, workers=size * (size + 1) + extra, order=order)
    elif kind == "matdot":
        code = MatDotCode(m=size, workers=2 * size - 1 + extra, order=order)
    elif kind == "mds":
        code = MDSCode(k=size + 1, workers=size + 1 + extra, order=order)
    else:
        code = ApproxMatDotCode(m=size + 1, workers=size + 1 + extra, epsilon=1e-2, order=order)
    A = rng.standard_normal((7, 6))
    B = rng.standard_normal(6) if kind == "mds" else rng.standard_normal((6, 5))
    k = min(code.workers, code.threshold + more)
    ids = [int(i) for i in rng.choice(code.workers, k, replace=False)]
    res = products(code, A, B, ids)
    full = code.decode(res, verify=True)  # every product, complex decode, real part
    fast = code.decode(res)
    plan = code.real_plan(ids)
    partner = code.conjugates()
    assert all(partner[partner[i]] == i for i in range(code.workers))  # an involution
    read = set(plan.read)
    assert read <= set(ids) and all(partner[i] == i or partner[i] not in read for i in read)
    if code.exact:  # the fewest classes: every one read is needed by the count
        assert len(read) <= len(ids) and fast.dtype == np.float64
    else:  # approximate: every class in hand is read (ε-MatDot gains from each)
        assert {min(i, partner[i]) for i in ids} == {min(i, partner[i]) for i in read}
    virtual = code.exact and any(partner[i] != i for i in read)  # stands for its partner
    assert plan.folded == (len(read) < len(ids) or virtual)
    scale = np.linalg.norm(full)
    # the same sum in exact arithmetic: rounding only, amplified by the weights
    tol = 1e-13 * max(1.0, plan.cond, float(np.abs(plan.weights).max()))
    assert np.linalg.norm(fast - full) <= tol * scale


def test_real_data_decodes_matdot_and_polynomial_from_half_the_products():
    rng = np.random.default_rng(7)
    A, B = rng.standard_normal((16, 16)), rng.standard_normal((16, 16))
    for code in (MatDotCode(m=4, workers=9), PolynomialCode(x=4, y=4, workers=20)):
        reads, fewest = [], 0
        for _ in range(40):
            ids = rng.choice(code.workers, code.threshold, replace=False)
            read = code.real_plan(ids).read
            # a pair gives two real equations, a real point (product real, half the bytes) one:
            # the decode reads the threshold's worth (one more when no real point helps), unless
            # that subset is > 10× worse conditioned than all in hand: then all of them
            eqs = sum(1 if code.real_rows[i] else 2 for i in read)
            odd = code.threshold % 2 and not any(code.real_rows[i] for i in ids)
            assert eqs >= code.threshold
            fewest += eqs == code.threshold + (1 if odd else 0)
            assert rel_err(code, A, B, ids) < 1e-13
            reads.append(len(read))
        assert fewest >= 30 and np.median(reads) == -(-code.threshold // 2)  # m, or x·y / 2
    # complex data: no conjugate symmetry, every product is read
    code = MatDotCode(m=2, workers=4)
    Z = A + 1j * rng.standard_normal(A.shape)
    assert np.allclose(code.decode(products(code, Z, B, [0, 1, 2])), Z @ B)


def test_equal_and_conjugate_operands_are_stored_once_and_every_pair_is_right():
    rng = np.random.default_rng(8)
    A, B = rng.standard_normal((16, 12)), rng.standard_normal((12, 16))
    code = PolynomialCode(x=4, y=4, workers=20)
    enc = code.encode(A, B)
    # A: 2 real points + 9 conjugate pairs; B̃ depends on z^4 only: 1 real + 5 complex
    assert (len(enc.a), len(enc.b)) == (11, 6)
    a_blk, b_blk = A.reshape(4, 4, 12), B.reshape(12, 4, 4).transpose(1, 0, 2)
    for i in range(20):  # each worker's pair is Σ α_ia A_a, Σ β_ib B_b, conjugated or not
        a, b = enc[i]
        np.testing.assert_allclose(a, np.tensordot(code.alpha[i], a_blk, 1), atol=1e-12)
        np.testing.assert_allclose(b, np.tensordot(code.beta[i], b_blk, 1), atol=1e-12)
    assert (
        enc.nbytes
        == sum(x.nbytes for x in enc.a + enc.b)
        < 0.45 * sum(x.nbytes + y.nbytes for x, y in enc)
    )
    mds = MDSCode(k=4, workers=6)  # a matrix-vector product: the vector itself, twice
    menc = mds.encode(A, B[:, 0])
    assert len(menc.b) == 2 and menc.b[0].dtype == complex and menc.b[1].dtype == float


def test_tiny_disc_codes_keep_their_workers_apart():
    # ε-MatDot's rows (1, Δu, Δ²u², …) differ only at the scale of Δ^k: equal / conjugate rows
    # are found column by column (an absolute tolerance merged distinct workers: error 1.0)
    rng = np.random.default_rng(9)
    A, B = rng.standard_normal((20, 20)), rng.standard_normal((20, 20))
    code = ApproxMatDotCode.construction2(m=2, epsilon=0.01, eta=1000.0, workers=80)
    enc = code.encode(A, B)
    assert len(enc.a) == len(enc.b) == 80
    assert rel_err(code, A, B, [0, 1]) < 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IllConditionedWarning)
        roots = ApproxMatDotCode(m=2, workers=8, delta=1e-12, order="natural")
        assert list(np.flatnonzero(roots.real_rows)) == [0, 4]  # Δ·1 and Δ·(−1) only
        assert len(roots.encode(A, B).a) == 5  # 2 real + 3 conjugate pairs
        assert rel_err(roots, A, B, [1, 2]) < 1e-3


def test_complex_data_under_a_real_layout_is_refused_not_folded():
    rng = np.random.default_rng(10)
    Z = rng.standard_normal((4, 6)) + 1j * rng.standard_normal((4, 6))
    B = rng.standard_normal((6, 4))
    code = MatDotCode(m=2, workers=4)
    res = products(code, Z, B, [0, 2, 3])
    lay = code.layout_for(Z.shape, B.shape, real=True)  # wrong: Z is complex
    with pytest.raises(ValueError, match=r"result\[0\] \(a real point\).*real=False"):
        code.decode(res, layout=lay)
    got = code.decode(res, layout=code.layout_for(Z.shape, B.shape, real=False))
    np.testing.assert_allclose(got, Z @ B, atol=1e-12)


def test_one_result_short_is_not_decodable_and_says_what_it_needs():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((6, 8)), rng.standard_normal((8, 4))
    code = MatDotCode(m=3, workers=7, points="chebyshev")  # real points: partners are no help
    res = products(code, A, B, [0, 2, 3, 6])
    assert not code.decodable(res) and not code.decodable(res, real=True)
    with pytest.raises(NotDecodableError, match=r"4 result\(s\) in hand.*5 needed"):
        code.decode(res)
    res |= products(code, A, B, [5])
    assert code.decodable(res) and code.decode_point([0, 2, 3, 6, 5, 1]) == 5
    # roots: two workers of one conjugate pair and the real point determine 3 points, not 5
    roots = MatDotCode(m=3, workers=7)
    partner = roots.conjugates()
    pair = next(i for i in range(7) if partner[i] > i)
    real_pt = int(np.flatnonzero(roots.real_rows)[0])
    short = products(roots, A, B, [pair, int(partner[pair]), real_pt])
    assert roots.real_closure(short) == tuple(sorted({pair, int(partner[pair]), real_pt}))
    assert not roots.decodable(short, real=True)
    need = r"3 result\(s\) in hand.*5 points needed.*partners give 3"
    with pytest.raises(NotDecodableError, match=need):
        roots.decode(short)


@FAST
@given(
    kind=st.sampled_from(["matdot", "polynomial", "mds"]),
    size=st.integers(2, 5),
    extra=st.integers(0, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_real_data_decodes_once_the_conjugate_closure_reaches_the_threshold(
    kind, size, extra, seed
):
    # real A, B and roots of unity: worker j at z̄_i returns conj(R_i), so i's result counts
    # for j too.  The decoder stops at the first prefix of an arrival order whose closure has
    # `threshold` points, and decodes exactly from it (integer data: exact up to rounding)
    rng = np.random.default_rng(seed)
    if kind == "matdot":
        code = MatDotCode(m=size, workers=2 * size - 1 + extra)
    elif kind == "polynomial":
        code = PolynomialCode(x=size, y=2, workers=2 * size + extra)
    else:
        code = MDSCode(k=size + 1, workers=size + 1 + extra)
    n = 4 * size
    A = rng.integers(-9, 10, (n, n)).astype(float)
    B = rng.integers(-9, 10, (n, 1 if kind == "mds" else n)).astype(float)
    if kind == "mds":
        B = B[:, 0]
    order = [int(i) for i in rng.permutation(code.workers)]
    k = code.decode_point(order, real=True)
    assert k is not None and k <= code.threshold == code.decode_point(order)
    ids = order[:k]
    closure = code.real_closure(ids)
    assert len(closure) >= code.threshold and code.decodable(ids, real=True)
    assert len(code.real_closure(order[: k - 1])) < code.threshold  # the first such prefix
    assert set(ids) <= set(closure) and all(code.conjugates()[i] in closure for i in ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IllConditionedWarning)
        got = code.decode(products(code, A, B, ids))
    np.testing.assert_allclose(got, A @ B, rtol=0, atol=1e-9 * max(1.0, np.abs(A @ B).max()))
    if k < code.threshold:  # the full complex decode (verify=True) needs the threshold itself
        with pytest.raises(NotDecodableError, match="verify=True"):
            code.decode(products(code, A, B, ids), verify=True)
        # complex data: no symmetry, so the threshold again
        res = products(code, A + 1j * rng.standard_normal(A.shape), B, ids)
        assert code.layout is not None and not code.layout.real
        with pytest.raises(NotDecodableError, match=f"{code.threshold} needed"):
            code.decode(res)


def test_matdot_decodes_with_one_coefficient_not_a_full_interpolation():
    code = MatDotCode(m=4, workers=9)
    w, _ = code.weights(range(7))
    assert w.shape == (1, 7)  # one row of weights: the coefficient of z^{m-1} only


def test_more_results_than_threshold_are_all_used():
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((5, 12)), rng.standard_normal((12, 5))
    code = PolynomialCode(x=2, y=2, workers=8, points="chebyshev")
    w, _ = code.weights(range(8))
    assert w.shape == (4, 8) and np.all(np.abs(w) > 0)
    assert rel_err(code, A, B, range(8)) < 1e-13


@pytest.mark.parametrize(
    "code",
    [
        UncodedCode(x=2, y=3),
        ReplicationCode(x=2, y=2, r=3),
        PolynomialCode(x=2, y=2, workers=6, points="roots"),
        PolynomialCode(x=2, y=2, workers=6, points="chebyshev"),
        MatDotCode(m=3, workers=6, points="roots"),
        MatDotCode(m=3, workers=6, points="chebyshev"),
        MDSCode(k=3, workers=5),
    ],
    ids=lambda c: c.label,
)
def test_integer_matrices_decode_to_the_exact_integer_product(code):
    rng = np.random.default_rng(7)
    A = rng.integers(-9, 10, size=(7, 10))
    B = rng.integers(-9, 10, size=(10, 5))
    ids = np.sort(rng.choice(code.workers, code.recovery_threshold, replace=False))
    got = code.decode(products(code, A, B, ids))
    assert got.dtype == np.float64 and got.shape == (7, 5)
    exact = (A @ B).astype(float)
    if code.name in ("uncoded", "rep"):
        assert np.array_equal(got, exact)  # no arithmetic on the values: bit-exact
    else:
        assert np.max(np.abs(got - exact)) < 1e-9
        assert np.array_equal(np.rint(got), exact)


def test_padding_is_undone_for_non_divisible_shapes():
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((7, 5)), rng.standard_normal((5, 11))
    code = PolynomialCode(x=3, y=4, workers=14)
    enc = code.encode(A, B)
    assert enc[0][0].shape == (3, 5) and enc[0][1].shape == (5, 3)  # ceil(7/3), ceil(11/4)
    got = code.decode({i: enc[i][0] @ enc[i][1] for i in range(2, 14)})
    assert got.shape == (7, 11) and np.allclose(got, A @ B, atol=1e-12)
    mat = MatDotCode(m=4, workers=7)
    enc = mat.encode(A, B)
    assert enc[0][0].shape == (7, 2)  # inner dimension 5 padded to 8
    assert np.allclose(mat.decode({i: enc[i][0] @ enc[i][1] for i in range(7)}), A @ B)


def test_matrix_vector_with_mds_returns_a_vector():
    rng = np.random.default_rng(3)
    A, b = rng.standard_normal((10, 6)), rng.standard_normal(6)
    code = MDSCode(k=4, workers=6, points="chebyshev")
    enc = code.encode(A, b)
    got = code.decode({i: enc[i][0] @ enc[i][1] for i in (5, 1, 3, 0)})
    assert got.shape == (10,) and np.allclose(got, A @ b, atol=1e-12)


def test_value_types_real_in_real_out_complex_products_for_roots():
    rng = np.random.default_rng(4)
    A, B = rng.standard_normal((4, 6)), rng.standard_normal((6, 4))
    roots = MatDotCode(m=2, workers=4, points="roots")
    cheb = MatDotCode(m=2, workers=4, points="chebyshev")
    assert roots.value_dtype == np.complex128 and cheb.value_dtype == np.float64
    enc = roots.encode(A, B)  # 4th roots of unity: ±1 are real points, ±i complex
    assert [enc[i][0].dtype for i in range(4)] == [np.float64, np.float64, complex, complex]
    assert list(roots.real_rows) == [True, True, False, False]  # bit-reversal: 1, -1, i, -i
    assert cheb.encode(A, B)[0][0].dtype == np.float64
    assert roots.relative_cost == pytest.approx(4 * cheb.relative_cost)
    np.testing.assert_allclose(roots.worker_costs, [0.5, 0.5, 2.0, 2.0])  # a real product: 1/4
    np.testing.assert_allclose(cheb.worker_costs, 0.5)
    flops = roots.worker_flops(A.shape, B.shape)
    assert flops[0] == 2 * 4 * 3 * 4 and flops[2] == 4 * flops[0]
    assert roots.decode(products(roots, A, B, [0, 1, 3])).dtype == np.float64
    Z = A + 1j * rng.standard_normal(A.shape)
    got = roots.decode(products(roots, Z, B, [0, 2, 3]))
    assert got.dtype == np.complex128 and np.allclose(got, Z @ B)
    got = cheb.decode(products(cheb, Z, B, [1, 2, 3]))  # real points, complex data
    assert got.dtype == np.complex128 and np.allclose(got, Z @ B)
    poly = PolynomialCode(x=2, y=2, workers=5, points="chebyshev")
    assert np.allclose(poly.decode(products(poly, B, Z, [0, 1, 3, 4])), B @ Z)


def test_large_imaginary_part_of_a_real_product_warns():
    rng = np.random.default_rng(5)
    A, B = rng.standard_normal((4, 6)), rng.standard_normal((6, 4))
    code = MatDotCode(m=2, workers=4)
    res = products(code, A, B, [0, 1, 2])
    res[1] = res[1] + 1e-3j  # a corrupted (or mis-typed) worker result
    with pytest.warns(IllConditionedWarning, match="imaginary part"):
        code.decode(res, verify=True)
    # the default decode reads one product per conjugate pair: here not worker 1's at all
    plan = code.real_plan([0, 1, 2])
    assert 1 not in plan.read and plan.folded
    assert np.allclose(code.decode(res), A @ B)


def test_weights_are_cached_per_received_set():
    code = PolynomialCode(x=2, y=2, workers=6)
    w1, _ = code.weights([0, 1, 2, 3])
    w2, _ = code.weights([3, 2, 1, 0])
    assert w1 is w2
    assert code.weights([0, 1, 2, 4])[0] is not w1


def test_replication_needs_every_block_not_a_count():
    code = ReplicationCode(x=2, y=2, r=2)
    assert code.threshold == 4 and code.recovery_threshold == 7
    assert code.decodable([0, 1, 2, 3]) and code.decodable([4, 1, 6, 3])
    assert not code.decodable([0, 4, 1, 5, 2, 6])  # block 3 missing from both its copies
    with pytest.raises(NotDecodableError, match=r"block\(s\) \(1,1\)"):
        code.weights([0, 4, 1, 5, 2, 6])
    assert code.decode_point([0, 4, 1, 5, 2, 6, 7]) == 7
    assert UncodedCode(x=2, y=2).decode_point([3, 2, 1]) is None


def test_per_worker_cost():
    assert PolynomialCode(x=3, y=3, workers=13, points="chebyshev").relative_cost == 1 / 9
    assert MatDotCode(m=4, workers=9, points="chebyshev").relative_cost == 1 / 4
    flops = MatDotCode(m=4, workers=9).worker_flops((100, 80), (80, 60))
    assert flops.shape == (9,) and flops[1] == 4 * 2 * 100 * 20 * 60  # complex: ×4
    assert flops[0] == 2 * 100 * 20 * 60  # worker 0 sits at the real point 1: a real product


def test_bit_reversal_is_a_permutation_spreading_neighbours():
    for n in (1, 2, 5, 16, 37):
        p = bit_reversal(n)
        assert sorted(p.tolist()) == list(range(n))
    assert bit_reversal(8).tolist() == [0, 4, 2, 6, 1, 5, 3, 7]


def test_no_warning_on_well_conditioned_decodes():
    rng = np.random.default_rng(6)
    A, B = rng.standard_normal((16, 16)), rng.standard_normal((16, 16))
    code = PolynomialCode(x=4, y=4, workers=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rel_err(code, A, B, rng.choice(20, 16, replace=False)) < 1e-13


@FAST
@given(
    kind=st.sampled_from(["matdot", "polynomial", "mds"]),
    size=st.integers(1, 4),
    extra=st.integers(0, 4),
    order=st.sampled_from(["bitrev", "natural"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_half_points_decode_real_data_from_any_half_of_the_threshold(
    kind, size, extra, order, seed
):
    # points="half": the workers sit in the upper half plane, none conjugate to another; for
    # real A, B each result also gives the product at the mirror point z̄ (a virtual worker
    # P + i), so ANY ⌈K/2⌉ results decode exactly, while complex data still need K
    rng = np.random.default_rng(seed)
    if kind == "matdot":
        code = MatDotCode(m=size + 1, workers=2 * size + 1 + extra, points="half", order=order)
    elif kind == "polynomial":
        code = PolynomialCode(x=size, y=2, workers=2 * size + extra, points="half", order=order)
    else:
        code = MDSCode(k=size + 1, workers=size + 1 + extra, points="half", order=order)
    assert code.mirror and not code.real_rows.any()
    assert list(code.conjugates()) == [code.workers + i for i in range(code.workers)]
    half = -(-code.threshold // 2)
    n = 4 * code.threshold
    A = rng.integers(-9, 10, (n, n)).astype(float)
    B = rng.integers(-9, 10, (n, 1 if kind == "mds" else n)).astype(float)
    if kind == "mds":
        B = B[:, 0]
    enc = code.encode(A, B)
    assert not any(enc.stored(i)[2] for i in range(code.workers))  # no conjugate workers
    ids = [int(i) for i in rng.choice(code.workers, half, replace=False)]
    assert code.decodable(ids, real=True) and not code.decodable(ids[:-1], real=True)
    assert code.decode_point(ids + [i for i in range(code.workers) if i not in ids], real=True)
    assert code.decode_point(list(range(code.workers)), real=True) == half
    closure = code.real_closure(ids)
    assert sorted(closure) == sorted(ids + [code.workers + i for i in ids])
    res = {i: enc[i][0] @ enc[i][1] for i in ids}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IllConditionedWarning)
        got = code.decode(res)
    scale = max(1.0, float(np.abs(A @ B).max()))
    np.testing.assert_allclose(got, A @ B, rtol=0, atol=1e-9 * scale)
    assert got.dtype == np.float64
    if half < code.threshold:  # complex data: the threshold itself
        Z = A + 1j * rng.integers(-9, 10, A.shape)
        zres = products(code, Z, B, ids)
        with pytest.raises(NotDecodableError, match=f"{code.threshold} needed"):
            code.decode(zres)
    every = products(code, A + 1j * A, B, range(code.threshold))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IllConditionedWarning)
        zgot = code.decode(every)
    ref = (A + 1j * A) @ B
    assert np.linalg.norm(zgot - ref) <= 1e-6 * np.linalg.norm(ref)


def test_half_points_cost_what_roots_cost_and_run_for_real() -> None:
    half = MatDotCode(m=4, workers=9, points="half")
    roots = MatDotCode(m=4, workers=9)
    assert half.relative_cost == roots.relative_cost  # complex products
    assert np.all(half.worker_costs == half.relative_cost)  # no real point (roots has 1)
    assert matmul_scheme("matdot:m=4,points=half", workers=9).mirror
    with pytest.raises(ValueError, match="points='upper' must be one of roots, chebyshev"):
        matmul_scheme("matdot:m=4,points=upper", workers=9)
