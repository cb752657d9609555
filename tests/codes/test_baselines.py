"""One, Uncoded, r-Replication and BCC: plans, decoders with real values, fast vs generic paths."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import codedcomp
from codedcomp import NotDecodableError
from codedcomp.codes.sums import block_starts
from codedcomp.sim import simulate_trial
from codedcomp.sim.oneshot import simulate_delays

BASELINES = ["one", "uncoded", "rep:r=2", "rep:r=3", "bcc:d=2", "bcc:d=3"]


def values_for(m: int, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((m, *shape))


def feed(scheme, plan, f: np.ndarray, order: np.ndarray):
    """Feed results in ``order`` until ready; return (decoder, number fed)."""
    dec = scheme.decoder(plan)
    worker = plan.task_worker()
    for n, t in enumerate(order, start=1):
        w = int(worker[t])
        dec.add(w, int(t - plan.worker_ptr[w]), f[plan.functions(int(t))].sum(axis=0))
        if dec.ready:
            return dec, n
    return dec, len(order)


@settings(max_examples=60, deadline=None)
@given(
    spec=st.sampled_from(BASELINES),
    m=st.integers(3, 40),
    wfrac=st.floats(0.3, 1.0),
    shape=st.sampled_from([(), (3,), (2, 2)]),
    seed=st.integers(0, 2**31),
)
def test_decoded_value_is_the_direct_sum(spec, m, wfrac, shape, seed) -> None:
    rng = np.random.default_rng(seed)
    workers = max(3, int(m * wfrac))
    s = codedcomp.scheme(spec)
    s.validate(m, workers)
    plan = s.plan(m, workers, rng)
    f = values_for(m, shape, rng)
    order = rng.permutation(plan.n_tasks)
    dec, n = feed(s, plan, f, order)
    if spec.startswith("bcc") and not dec.ready:
        with pytest.raises(NotDecodableError, match="partial sums not yet received"):
            dec.result()
        return
    assert dec.ready
    np.testing.assert_allclose(dec.result(), f.sum(axis=0), rtol=1e-9, atol=1e-12)
    # the supports-only decoder agrees on the decode point
    assert s.decode_point(plan, order) == n


def test_plans_match_the_papers_definitions() -> None:
    rng = np.random.default_rng(0)
    rep = codedcomp.scheme("rep:r=2").plan(6, 6, rng)
    assert [rep.functions(t).tolist() for t in range(6)] == [
        [0, 1],
        [0, 1],
        [2, 3],
        [2, 3],
        [4, 5],
        [4, 5],
    ]
    one = codedcomp.scheme("one").plan(5, 3, rng)
    assert one.worker_tasks(0)[0].tolist() == [0, 1, 2, 3, 4] and one.worker_tasks(1) == []
    unc = codedcomp.scheme("uncoded").plan(7, 3, rng)  # workers < m: contiguous blocks
    assert [t[0].tolist() for t in map(unc.worker_tasks, range(3))] == [[0, 1, 2], [3, 4], [5, 6]]
    assert unc.cost.tolist() == [3, 2, 2]
    bcc = codedcomp.scheme("bcc:d=2").plan(6, 6, rng)
    assert set(np.unique(bcc.sup_idx)) <= {0, 1, 2} and bcc.cost.tolist() == [2.0] * 6


def test_replication_with_r_not_dividing_workers_has_a_smaller_last_group() -> None:
    plan = codedcomp.scheme("rep:r=3").plan(7, 7, np.random.default_rng(0))
    groups = [plan.functions(t).tolist() for t in range(7)]
    assert groups[-1] == [6] and groups[0] == groups[2] == [0, 1, 2]


def test_not_decodable_message_says_what_is_missing() -> None:
    s = codedcomp.scheme("rep:r=2")
    plan = s.plan(6, 6, np.random.default_rng(0))
    dec = s.decoder(plan)
    dec.add(0, 0, 1.0)
    with pytest.raises(NotDecodableError, match=r"1 result\(s\) in hand.*2 of 3 partial sums"):
        dec.result()
    dec2 = s.decoder(plan)
    for w in (0, 2, 4):
        dec2.add(w, 0)
    assert dec2.ready
    with pytest.raises(NotDecodableError, match="supports only"):
        dec2.result()


@pytest.mark.parametrize(
    ("spec", "m", "workers", "message"),
    [
        ("rep:r=5", 4, 3, r"rep:r=5: r=5 must be <= workers=3"),
        ("bcc:d=5", 4, 3, r"bcc:d=5: d=5 must be <= workers=3"),
        ("uncoded", 4, 5, r"uncoded: workers=5 must be an integer in \[1, m=4\]"),
    ],
)
def test_validate_names_the_size_constraint(spec, m, workers, message) -> None:
    with pytest.raises(ValueError, match=message):
        codedcomp.scheme(spec).validate(m, workers)


@pytest.mark.parametrize("spec", BASELINES)
def test_fast_path_equals_trial_by_trial_path(spec) -> None:
    rng = np.random.default_rng(3)
    m, workers, tau, trials = 30, 15, 0.01, 40
    x = rng.exponential(1.0, size=(trials, workers))
    fast = simulate_delays([spec], x=x, m=m, tau=tau, seed=5).results[0]
    s = codedcomp.scheme(spec)
    from codedcomp.rng import root_sequence, substream, trial_sequence

    root = root_sequence(5)
    for t in range(trials):
        lat, rec = simulate_trial(
            s, m=m, tau=tau, x=x[t], rng=substream(trial_sequence(root, t), spec)
        )
        assert lat == pytest.approx(fast.latency[t], rel=1e-12)
        if np.isfinite(lat):
            assert rec <= fast.received[t]  # ties at the decode instant count as received


def test_block_starts_are_near_equal() -> None:
    assert block_starts(10, 3).tolist() == [0, 4, 7, 10]
    assert block_starts(4, 4).tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("make", "label"),
    [
        (lambda: codedcomp.codes.sums.Replication(r=4), "rep:r=4"),
        (lambda: codedcomp.codes.sums.Replication(), "rep"),
        (lambda: codedcomp.codes.sums.Uncoded(), "uncoded"),
        (lambda: codedcomp.codes.sums.BCC(d=3), "bcc:d=3"),
        (lambda: codedcomp.codes.sums.LT(r=2, c=0.1), "lt:r=2,c=0.1"),
        (lambda: codedcomp.codes.sums.SR(d=3, k=5), "sr:d=3,k=5"),
    ],
)
def test_schemes_built_in_python_carry_their_parameters_in_their_label(make, label) -> None:
    s = make()
    assert s.label == label
    # the label is a spec that rebuilds the same scheme (traces are replayed from it)
    assert codedcomp.scheme(label).canonical == s.canonical


def test_direct_schemes_with_different_parameters_get_different_results() -> None:
    from codedcomp.codes.sums import Replication

    r = codedcomp.simulate(
        [Replication(r=1), Replication(r=4)], m=16, tau=0.01, delay="exp:rate=1", trials=5, seed=0
    )
    assert [x.scheme for x in r.results] == ["rep:r=1", "rep:r=4"]
    assert not np.array_equal(r.results[0].latency, r.results[1].latency)
