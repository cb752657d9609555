"""SR / SR-k codes (paper 000 §III): plan structure, exact sum recovery, decode point."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codedcomp.codes.sums import SR, Scheme, plan_from_lists, scheme
from codedcomp.codes.sums.base import Plan
from codedcomp.codes.sums.sr import (
    IllConditionedWarning,
    coverage_point,
    first_decodable,
    solve_rows,
)
from codedcomp.errors import NotDecodableError

# ----------------------------------------------------------------------------- helpers


def rows_of(plan: Plan, tasks: np.ndarray) -> list[list[int]]:
    return [plan.support(int(t)).tolist() for t in tasks]


def exact_decodable(n: int, rows: list[list[int]]) -> bool:
    """1 ∈ rowspan(G) over the rationals (Gaussian elimination with Fractions)."""
    mat = []
    for r in rows:
        row = [Fraction(0)] * n
        for s in r:
            row[s] += 1
        mat.append(row)
    target = [Fraction(1)] * n
    basis: list[tuple[int, list[Fraction]]] = []  # (pivot column, row), fully reduced on pivots
    for row in mat:
        row = row[:]
        for c, b in basis:
            if row[c]:
                f = row[c]
                row = [x - f * y for x, y in zip(row, b, strict=True)]
        piv = next((i for i, x in enumerate(row) if x), None)
        if piv is None:
            continue
        row = [x / row[piv] for x in row]
        new = []
        for c, b in basis:
            if b[piv]:
                f = b[piv]
                b = [x - f * y for x, y in zip(b, row, strict=True)]
            new.append((c, b))
        basis = [*new, (piv, row)]
    for c, b in basis:
        if target[c]:
            f = target[c]
            target = [x - f * y for x, y in zip(target, b, strict=True)]
    return not any(target)


def generic_point(s: Scheme, plan: Plan, order: np.ndarray) -> int | None:
    return Scheme.decode_point(s, plan, order)


def sr(spec: str) -> SR:
    obj = scheme(spec)
    assert isinstance(obj, SR)
    return obj


def random_order(plan: Plan, rng: np.random.Generator, drop: float) -> np.ndarray:
    """A random arrival order over a random subset of tasks (whole stragglers + lost tasks)."""
    tasks = np.arange(plan.n_tasks)
    dead = rng.random(plan.n_workers) < drop
    keep = ~dead[plan.task_worker()] & (rng.random(plan.n_tasks) > drop / 2)
    return rng.permutation(tasks[keep])


def sim_order(plan: Plan, rng: np.random.Generator, tau: float = 0.005) -> np.ndarray:
    times = plan.finish_times(rng.exponential(5.0, plan.n_workers), tau)
    return np.argsort(times, kind="stable")


# ----------------------------------------------------------------------------- parameters


def test_constructor_checks() -> None:
    with pytest.raises(ValueError, match="SR: d=0 must be an integer >= 1"):
        SR(d=0)
    with pytest.raises(ValueError, match="SR: k=1 must be an integer >= 2"):
        SR(d=1, k=1)
    with pytest.raises(ValueError, match=r"SR: d=5 must be <= k-1=2"):
        SR(d=5, k=3)
    s = SR(d=3, k=7)
    assert (s.d, s.k, s.name) == (3, 7, "sr")


def test_validate_messages() -> None:
    with pytest.raises(ValueError, match=r"sr:d=2000: d=2000 must be <= workers-1=999"):
        scheme("sr:d=2000").validate(1000, 1000)
    with pytest.raises(ValueError, match=r"sr:d=2,k=20: k=20 must be <= workers=10"):
        scheme("sr:d=2,k=20").validate(100, 10)
    with pytest.raises(ValueError, match="workers-1=0"):
        scheme("sr:d=1").validate(5, 1)
    s = scheme("sr:d=10,k=100")
    assert isinstance(s, SR) and (s.d, s.k) == (10, 100)


# ----------------------------------------------------------------------------- plans

sizes = st.integers(2, 14).flatmap(
    lambda w: st.tuples(st.integers(w, 3 * w), st.just(w), st.integers(1, w - 1))
)


@settings(max_examples=60, deadline=None)
@given(sizes, st.data(), st.integers(0, 2**32 - 1))
def test_plan_invariants(size: tuple[int, int, int], data: st.DataObject, seed: int) -> None:
    m, w, d = size
    k = data.draw(st.one_of(st.none(), st.integers(d + 1, w)))
    s = SR(d=d, k=k)
    plan = s.plan(m, w, np.random.default_rng(seed))
    access = (w if k is None else k) - 1
    per = 1 + -(-access // d)
    assert plan.n_symbols == w and plan.n_workers == w
    assert np.array_equal(np.diff(plan.worker_ptr), np.full(w, per))
    block = np.diff(plan.symbol_start)
    for i in range(w):
        tasks = plan.worker_tasks(i)
        sup = [plan.support(t) for t in range(plan.worker_ptr[i], plan.worker_ptr[i + 1])]
        assert sup[0].tolist() == [i]  # systematic first
        degs = [len(x) for x in sup[1:]]
        assert all(x == d for x in degs[:-1]) and 1 <= degs[-1] <= d
        others = np.concatenate(sup[1:])
        assert len(others) == access == len(set(others.tolist()))  # disjoint, no repeats
        assert i not in others and others.min() >= 0 and others.max() < w
        for t, x, fs in zip(
            range(plan.worker_ptr[i], plan.worker_ptr[i + 1]), sup, tasks, strict=True
        ):
            assert plan.cost[t] == block[x].sum() == len(fs)
    if k is None:  # a full worker covers every symbol exactly once
        assert all(
            sorted(np.concatenate(plan.worker_tasks(i)).tolist()) == list(range(m))
            for i in range(w)
        )


def test_lazy_fill_equals_eager() -> None:
    s = SR(d=3)
    eager = s.plan(40, 40, np.random.default_rng(5))
    eager.fill()
    lazy = s.plan(40, 40, np.random.default_rng(5))
    rng = np.random.default_rng(0)
    for t in rng.permutation(lazy.n_tasks)[:30]:
        lazy.support(int(t))
    assert lazy.filled is not None and not lazy.filled.all()
    lazy.fill()
    assert lazy.filled is None
    assert np.array_equal(eager.sup_idx, lazy.sup_idx)
    assert np.array_equal(eager.cost, lazy.cost)


def test_unequal_blocks_fill_eagerly() -> None:
    plan = SR(d=2).plan(23, 5, np.random.default_rng(1))  # blocks 5,5,5,4,4
    assert plan.filled is None
    assert sorted(np.concatenate(plan.worker_tasks(3)).tolist()) == list(range(23))


def test_sr_k_equals_n_is_full_sr() -> None:
    """Reading pinned: SR-k with k = n is exactly SR (same stream → same plan); SR-k workers
    cover their own symbol plus k-1 others, then stop."""
    for seed in range(5):
        a = SR(d=4).plan(30, 30, np.random.default_rng(seed))
        b = SR(d=4, k=30).plan(30, 30, np.random.default_rng(seed))
        a.fill()
        b.fill()
        for f in ("worker_ptr", "sup_ptr", "sup_idx", "cost"):
            assert np.array_equal(getattr(a, f), getattr(b, f))
    c = SR(d=4, k=10).plan(30, 30, np.random.default_rng(0))
    assert np.array_equal(np.diff(c.worker_ptr), np.full(30, 1 + 3))  # 9 others: 4 + 4 + 1
    assert all(len(np.concatenate(c.worker_tasks(i))) == 10 for i in range(30))


def test_parity_sets_are_uniform() -> None:
    """Which symbol lands in worker 0's first parity is uniform over the other symbols."""
    s = SR(d=3, k=6)
    counts = np.zeros(12)
    rng = np.random.default_rng(2024)
    for _ in range(1200):
        plan = s.plan(12, 12, rng)
        counts[plan.support(1)] += 1
    assert counts[0] == 0
    expected = 1200 * 3 / 11
    assert np.all(np.abs(counts[1:] - expected) < 5 * np.sqrt(expected))


# ----------------------------------------------------------------------------- decoding


def test_paper_m2_example_actually_decodes() -> None:
    """Paper 000 §V says rows [1 0] and [1 1] cover both symbols but (3) has no solution; in fact
    v = (0, 1) solves Gᵀv = 1 (the second row *is* the sum) — with m = 2 covering implies
    decodable.  We decode it (and say so in the module docstring)."""
    plan = plan_from_lists(2, np.array([0, 1, 2]), [[[0]], [[0, 1]]])
    dec = SR(d=1).decoder(plan)
    dec.add(0, 0, 3.0)
    with pytest.raises(NotDecodableError, match=r"1 result\(s\) in hand.*1 of 2 symbols not cov"):
        dec.result()
    dec.add(1, 0, 7.0)
    assert dec.ready and dec.result() == 7.0
    assert exact_decodable(2, [[0], [0, 1]])


def test_covered_but_not_decodable() -> None:
    """The smallest real instance of the paper's point: m = 3, rows [1 1 0] and [0 1 1] cover
    every symbol, yet 1 ∉ rowspan (v1 = 1, v1 + v2 = 1, v2 = 1 is inconsistent)."""
    plan = plan_from_lists(3, np.arange(4), [[[0, 1]], [[1, 2]], [[2]]])
    dec = SR(d=1).decoder(plan)
    dec.add(0, 0, 3.0)
    dec.add(1, 0, 5.0)
    assert not dec.ready
    with pytest.raises(NotDecodableError, match="1 is not in the row span of the 2 received rows"):
        dec.result()
    assert not exact_decodable(3, [[0, 1], [1, 2]])
    s = SR(d=1)
    assert s.decode_point(plan, np.array([0, 1])) is None
    assert s.decode_point(plan, np.array([0, 1, 2])) == 3 == generic_point(s, plan, [0, 1, 2])
    f = np.array([1.0, 2.0, 4.0])
    dec = SR(d=1).decoder(plan)
    for w, r in enumerate([[0, 1], [1, 2], [2]]):
        dec.add(w, 0, f[r].sum())
    assert dec.result() == pytest.approx(7.0, rel=1e-12)


def test_not_decodable_before_coverage_message() -> None:
    s = SR(d=2)
    plan = s.plan(10, 10, np.random.default_rng(0))
    dec = s.decoder(plan)
    for w in range(3):
        dec.add(w, 0, float(w))
    with pytest.raises(NotDecodableError, match=r"3 result\(s\) in hand.*7 of 10 symbols not cov"):
        dec.result()


def test_supports_only_result_raises() -> None:
    s = SR(d=2)
    plan = s.plan(6, 6, np.random.default_rng(0))
    dec = s.decoder(plan)
    for w in range(6):
        dec.add(w, 0)
    assert dec.ready
    with pytest.raises(NotDecodableError, match="supports only"):
        dec.result()


def test_plain_sums_need_no_solve() -> None:
    s = SR(d=3)
    plan = s.plan(10, 10, np.random.default_rng(3))
    f = np.random.default_rng(4).normal(size=10)
    dec = s.decoder(plan)
    for w in range(10):
        dec.add(w, 0, f[w])
    assert dec.ready and dec.solution is not None and dec.solution.method == "systematic"
    assert dec.result() == pytest.approx(f.sum(), rel=1e-12)
    dec = s.decoder(plan)  # one worker's complete output: 1 + 9/3 symbols
    for b, fs in enumerate(plan.worker_tasks(7)):
        assert not dec.ready
        dec.add(7, b, f[fs].sum())
    assert dec.ready and dec.solution is not None and dec.solution.method == "worker"
    assert dec.result() == pytest.approx(f.sum(), rel=1e-12)
    order = np.arange(plan.worker_ptr[7], plan.worker_ptr[8])
    assert s.decode_point(plan, order) == 4 == generic_point(s, plan, order)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes, st.data(), st.integers(0, 2**32 - 1), st.sampled_from([(), (3,), (2, 3)]))
def test_decoded_value_equals_sum(
    size: tuple[int, int, int], data: st.DataObject, seed: int, shape: tuple[int, ...]
) -> None:
    m, w, d = size
    k = data.draw(st.one_of(st.none(), st.integers(d + 1, w)))
    drop = data.draw(st.sampled_from([0.0, 0.2, 0.5]))
    rng = np.random.default_rng(seed)
    s = SR(d=d, k=k)
    plan = s.plan(m, w, rng)
    order = random_order(plan, rng, drop)
    f = rng.normal(size=(m, *shape))
    dec = s.decoder(plan)
    point = None
    for n, t in enumerate(order, start=1):
        wk = int(np.searchsorted(plan.worker_ptr, t, side="right") - 1)
        dec.add(wk, int(t - plan.worker_ptr[wk]), f[plan.functions(int(t))].sum(axis=0))
        if dec.ready:
            point = n
            break
    if point is None:
        with pytest.raises(NotDecodableError, match=r"result\(s\) in hand"):
            dec.result()
        assert not exact_decodable(w, rows_of(plan, order))
        return
    assert exact_decodable(w, rows_of(plan, order[:point]))
    assert not exact_decodable(w, rows_of(plan, order[: point - 1]))
    sol = dec.solution
    assert sol is not None
    if sol.rcond < 1e-6:
        return  # only well-conditioned cases are held to 1e-9
    with warnings.catch_warnings():
        warnings.simplefilter("error", IllConditionedWarning)
        got = dec.result()
    np.testing.assert_allclose(got, f.sum(axis=0), rtol=1e-9, atol=1e-9 * np.abs(f).sum())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes, st.data(), st.integers(0, 2**32 - 1))
def test_decode_point_matches_generic_and_exact(
    size: tuple[int, int, int], data: st.DataObject, seed: int
) -> None:
    m, w, d = size
    k = data.draw(st.one_of(st.none(), st.integers(d + 1, w)))
    drop = data.draw(st.sampled_from([0.0, 0.0, 0.3, 0.6]))
    rng = np.random.default_rng(seed)
    s = SR(d=d, k=k)
    plan = s.plan(m, w, rng)
    order = sim_order(plan, rng) if drop == 0 else random_order(plan, rng, drop)
    fast = s.decode_point(plan, order)
    assert fast == generic_point(s, plan, order)
    if fast is None:
        assert not exact_decodable(w, rows_of(plan, order))
    else:
        assert exact_decodable(w, rows_of(plan, order[:fast]))
        assert not exact_decodable(w, rows_of(plan, order[: fast - 1]))
        assert fast >= coverage_point(plan, order)  # type: ignore[operator]


def test_decode_point_fixed_seeds_many() -> None:
    """Fixed seeds over varied sizes, including SR-k and workers < m."""
    cases = [(12, 12, 2, None), (20, 20, 3, 6), (30, 10, 2, None), (16, 8, 3, 5), (9, 9, 8, None)]
    for m, w, d, k in cases:
        s = SR(d=d, k=k)
        for seed in range(20):
            rng = np.random.default_rng(seed)
            plan = s.plan(m, w, rng)
            order = sim_order(plan, rng, tau=rng.choice([0.005, 0.5, 5.0]))
            assert s.decode_point(plan, order) == generic_point(s, plan, order), (m, w, d, k, seed)


def test_decode_point_medium_size_confirmed() -> None:
    s = SR(d=5)
    for seed in range(3):
        rng = np.random.default_rng(seed)
        plan = s.plan(200, 200, rng)
        order = sim_order(plan, rng)
        p, sol = first_decodable(plan, order)
        assert p is not None and sol is not None
        assert p >= coverage_point(plan, order)  # type: ignore[operator]
        assert solve_rows(plan, order[:p]) is not None
        assert solve_rows(plan, order[: p - 1]) is None
        lazy_workers = 0 if plan.filled is None else int(plan.filled.sum())
        assert lazy_workers < plan.n_tasks  # only the workers that arrived were sampled


def test_rank_deficient_rows_are_not_decodable() -> None:
    """Regression: a rank-deficient set where a rank-revealing solve returned |v| ~ 1e14 whose
    componentwise backward error looked tiny; the absolute residual must reject it."""
    rows = [[6], [7], [7, 6, 1, 3, 0], [2], [11], [8, 10, 11, 2, 6], [6, 7, 8, 5, 10],
            [1, 0, 11, 3, 2], [5, 8, 4, 2, 9], [6, 0, 10, 1, 11], [4], [4, 8, 5, 10, 7],
            [8, 9, 6, 2, 11], [9, 7, 1, 3, 5]]  # fmt: skip
    plan = plan_from_lists(12, np.arange(13), [[r] for r in rows])
    for p in (13, 14):
        assert not exact_decodable(12, rows[:p])
        assert solve_rows(plan, np.arange(p)) is None


def test_ill_conditioned_decode_warns_with_condition_number() -> None:
    """Rows e_i + Σ_{k>i, i∈S_k} e_k with S_k chosen to make v grow like Fibonacci numbers."""
    n = 40
    v: list[float] = []
    members: list[list[int]] = []
    for i in range(n):  # column i of Gᵀ: v_i = 1 - Σ_{j ∈ S_i} v_j
        pos = [j for j in range(i) if v[j] > 0]
        neg = [j for j in range(i) if v[j] < 0]
        pick = neg if i % 2 == 0 else pos
        members.append(pick)
        v.append(1.0 - sum(v[j] for j in pick))
    rows = [[i] + [k for k in range(n) if i in members[k]] for i in range(n)]
    assert max(abs(x) for x in v) > 1e6
    plan = plan_from_lists(n, np.arange(n + 1), [[r] for r in rows])
    dec = SR(d=1).decoder(plan)
    f = np.random.default_rng(0).normal(size=n)
    for wk, r in enumerate(rows):
        dec.add(wk, 0, f[r].sum())
    assert dec.ready
    with pytest.warns(IllConditionedWarning, match=r"condition number ≈ \d"):
        got = dec.result()
    assert got == pytest.approx(f.sum(), rel=1e-4)


def test_simulate_end_to_end_small() -> None:
    import codedcomp as c

    res = c.simulate(
        ["sr:d=3", "sr:d=3,k=10"], m=40, tau=0.005, delay="exp:rate=0.2", trials=5, seed=1
    )
    for r in res.results:
        assert r.failures == 0
        assert np.all(r.received >= 40 / 3)  # rows hold <= 3 symbols: coverage needs 14
        assert np.all(np.isfinite(r.latency))


def test_rank_deficient_but_exact_decode_does_not_warn() -> None:
    """Duplicate rows make the system rank deficient, yet the sum is exact and well conditioned:
    no IllConditionedWarning (the condition number is that of the nonzero singular values)."""
    # 4 symbols; parities [0,1], [0,1] (duplicate), [2,3]: rank 2, and 1 = r0 + r2
    plan = plan_from_lists(4, np.arange(5), [[[0, 1]], [[0, 1]], [[2, 3]]])
    f = np.array([1.0, 2.0, 4.0, 8.0])
    dec = SR(d=2).decoder(plan)
    for w in range(3):
        dec.add(w, 0, f[plan.functions(w)].sum())
    assert dec.ready
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dec.result() == pytest.approx(15.0, rel=1e-12)
    assert dec._solution is not None and dec._solution.method == "lstsq"


def test_live_decoder_at_large_n_skips_dense_solves_below_n_rows(monkeypatch) -> None:
    """Above EXACT_READY_LIMIT symbols no dense solve runs below n rows; the ready point is
    never before the exact decode point, and equals it when that is >= n."""
    import codedcomp.codes.sums.sr as srmod

    calls = {"n": 0}
    real = srmod._solve_reduced

    def counting(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(srmod, "_solve_reduced", counting)
    n = srmod.EXACT_READY_LIMIT + 44
    s = SR(d=10)
    for seed in range(3):
        rng = np.random.default_rng(seed)
        plan = s.plan(n, n, rng)
        x = rng.exponential(5.0, size=n)
        order = np.argsort(plan.finish_times(x, 0.005), kind="stable")
        exact = s.decode_point(plan, order)
        assert exact is not None
        calls["n"] = 0
        dec = s.decoder(plan)
        worker = plan.task_worker()
        got = None
        below = 0
        for i, t in enumerate(order, start=1):
            dec.add(int(worker[t]), int(t - plan.worker_ptr[worker[t]]))
            if dec.ready:
                got = i
                break
            if i < n:
                below = calls["n"]
        assert got is not None and got >= exact
        if exact >= n:
            assert got == exact
        assert below == 0


def _rows_297_systematic_plus_one_parity(n: int = 300):
    """A non-generic decodable set below n rows: every systematic symbol except the 3 in
    worker 0's first parity, plus that parity (298 rows for 300 symbols)."""
    s = SR(d=3)
    plan = s.plan(n, n, np.random.default_rng(0))
    parity = int(plan.worker_ptr[0] + 1)
    abc = set(plan.support(parity).tolist())
    rows = [(w, 0) for w in range(n) if w not in abc] + [(0, 1)]
    return s, plan, rows, abc


def test_finalize_runs_the_exact_test_that_streaming_deferred() -> None:
    import codedcomp.codes.sums.sr as srmod

    s, plan, rows, _ = _rows_297_systematic_plus_one_parity(srmod.EXACT_READY_LIMIT + 44)
    f = np.random.default_rng(1).standard_normal(plan.m)
    dec = s.decoder(plan)
    for w, i in rows:
        dec.add(w, i, f[plan.functions(plan.task_id(w, i))].sum())
    assert not dec.ready  # below n rows only the shortcuts run while results stream in
    with pytest.raises(NotDecodableError, match="only the structural shortcuts were tried"):
        dec.result()
    dec.finalize()  # nothing more will arrive: decide exactly
    assert dec.ready
    assert dec.result() == pytest.approx(f.sum(), rel=1e-9)
