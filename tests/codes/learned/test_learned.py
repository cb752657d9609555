"""Learned codes (paper 003): the frozen base model, the code's API, losses, metrics, training.

Small and fast (digits, 8×8): the whole file runs in well under a minute on one core.
"""

from __future__ import annotations

import gzip
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the learned extra: pip install 'codedcomp[learned]'")

from codedcomp.codes.learned import base as base_mod  # noqa: E402
from codedcomp.codes.learned.base import base_model, freeze, state_sha256  # noqa: E402
from codedcomp.codes.learned.baseline import SumParityCode  # noqa: E402
from codedcomp.codes.learned.code import LearnedCode  # noqa: E402
from codedcomp.codes.learned.data import (  # noqa: E402
    FASHION_ENV,
    MissingDependencyError,
    load_dataset,
    read_idx,
)
from codedcomp.codes.learned.erasures import pad_to_trained, scenarios  # noqa: E402
from codedcomp.codes.learned.evaluation import (  # noqa: E402
    accuracy_at_rate,
    evaluate,
    reconstruction_metrics,
)
from codedcomp.codes.learned.losses import kl_base, mse_base, xent_label  # noqa: E402
from codedcomp.codes.learned.nets import ConvEncoder, MLPDecoder, MLPEncoder  # noqa: E402
from codedcomp.codes.learned.training import (  # noqa: E402
    TrainConfig,
    load_code,
    minibatch,
    train,
)
from codedcomp.errors import NotDecodableError  # noqa: E402

# ---------------------------------------------------------------------- data


def test_datasets_shapes_and_fixed_splits(digits) -> None:  # type: ignore[no-untyped-def]
    assert digits.shape == (8, 8) and digits.x_train.dtype == np.float32
    assert len(digits.y_train) == 1437 and len(digits.y_test) == 360
    assert 0.0 <= digits.x_train.min() and digits.x_train.max() <= 1.0
    mnist = load_dataset("mnist")
    assert mnist.shape == (28, 28)
    assert len(mnist.y_train) == 4000 and len(mnist.y_test) == 1000
    assert np.bincount(mnist.y_test).tolist() == [100] * 10
    assert mnist.fingerprint == load_dataset("mnist").fingerprint


def test_unknown_dataset_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown dataset 'cifar'; valid: mnist, fashion, digits"):
        load_dataset("cifar")


def test_fashion_absent_names_the_debian_package(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(FASHION_ENV, str(tmp_path))
    with pytest.raises(MissingDependencyError, match="apt-get install -y dataset-fashion-mnist"):
        load_dataset("fashion")


def test_fashion_reads_the_idx_files(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    for stem, n in (("train", 6), ("t10k", 4)):
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        head = bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in imgs.shape)
        (tmp_path / f"{stem}-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(head + imgs.tobytes())
        )
        head = bytes([0, 0, 8, 1]) + n.to_bytes(4, "big")
        (tmp_path / f"{stem}-labels-idx1-ubyte.gz").write_bytes(
            gzip.compress(head + labels.tobytes())
        )
    monkeypatch.setenv(FASHION_ENV, str(tmp_path))
    data = load_dataset("fashion")
    assert data.x_train.shape == (6, 28, 28) and data.x_test.shape == (4, 28, 28)
    raw = read_idx(tmp_path / "train-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(data.x_train, raw.astype(np.float32) / 255.0)


# ---------------------------------------------------------------------- base model


def test_base_model_is_deterministic_and_cached_with_checksum(digits, f_digits) -> None:  # type: ignore[no-untyped-def]
    again = base_model(digits, "mlp", 0)
    assert again.cached and again.sha256 == f_digits.sha256
    assert again.test_accuracy == f_digits.test_accuracy > 0.9
    path = again.path
    assert path is not None
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match="checksum mismatch"):
        fresh = base_model(digits, "mlp", 0)  # corrupt cache: trained again, from scratch
    assert not fresh.cached and fresh.sha256 == f_digits.sha256  # bitwise the same weights
    assert base_model(digits, "mlp", 0).cached


def test_small_cnn_runs_on_digits(digits) -> None:  # type: ignore[no-untyped-def]
    net = base_mod.make_base("cnn", shape=digits.shape)
    out = net(torch.tensor(digits.x_test[:5]))
    assert out.shape == (5, 10)


# ---------------------------------------------------------------------- scenarios, losses


def test_scenarios_are_the_papers() -> None:
    s = scenarios(2, 1)
    assert s.tolist() == [[False, True, True], [True, False, True]]
    s = scenarios(2, 2)
    assert len(s) == math.comb(4, 2) - 1  # all but "both parities missing"
    assert all((~m).sum() == 2 and (~m[:2]).any() for m in s)
    assert len(scenarios(5, 1)) == 5


def test_fewer_than_r_missing_pads_to_a_trained_scenario() -> None:
    assert pad_to_trained(np.array([True, False, True, True]), 2).tolist() == [
        True,
        False,
        True,
        False,
    ]
    assert pad_to_trained(np.array([False, True, True]), 1).tolist() == [False, True, True]


def test_losses_follow_the_papers_definitions() -> None:
    g = torch.Generator().manual_seed(0)
    recon, target = torch.randn(6, 10, generator=g), torch.randn(6, 10, generator=g)
    labels = torch.arange(6)
    assert torch.allclose(mse_base(recon, target, labels), ((recon - target) ** 2).mean())
    # KL-Base reading: KL(softmax F || softmax F̂) = cross-entropy against softmax F − entropy
    p = torch.softmax(target, 1)
    ce = -(p * torch.log_softmax(recon, 1)).sum(1).mean()
    ent = -(p * torch.log_softmax(target, 1)).sum(1).mean()
    assert torch.allclose(kl_base(recon, target, labels), ce - ent, atol=1e-6)
    assert float(kl_base(target, target, labels)) == pytest.approx(0.0, abs=1e-6)
    assert torch.allclose(
        xent_label(recon, target, labels), torch.nn.functional.cross_entropy(recon, labels)
    )


# ---------------------------------------------------------------------- architectures


def test_architectures_shapes_and_init() -> None:
    x = torch.rand(3, 2, 8, 8)
    enc = MLPEncoder(k=2, r=2, shape=(8, 8))
    assert enc(x).shape == (3, 2, 8, 8)
    assert float(enc.fc1.weight.detach().std()) == pytest.approx(0.01, rel=0.05)
    assert float(enc.fc1.bias.detach().abs().sum()) == 0.0
    conv = ConvEncoder(k=2, r=1, shape=(8, 8))
    assert conv(x).shape == (3, 1, 8, 8)
    dil = [m.dilation[0] for m in conv.net if isinstance(m, torch.nn.Conv2d)]
    assert dil == [1, 1, 2, 4, 8, 1, 1]
    assert [m.out_channels for m in conv.net if isinstance(m, torch.nn.Conv2d)] == [40] * 6 + [1]
    dec = MLPDecoder(k=2, r=1, m=10)
    assert dec(torch.rand(3, 3, 10)).shape == (3, 2, 10)
    with pytest.raises(ValueError, match="MLPEncoder: k=0 must be an integer >= 1"):
        MLPEncoder(k=0, r=1, shape=(8, 8))


# ---------------------------------------------------------------------- the code's API


def _linear_code(k: int = 2) -> tuple[LearnedCode, torch.nn.Module]:
    """A linear F (with bias) and the exact linear code for it: E = sum, D = subtraction."""
    torch.manual_seed(1)
    f = freeze(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10)))
    enc = MLPEncoder(k=k, r=1, shape=(8, 8), linear=True)
    dec = MLPDecoder(k=k, r=1, m=10, linear=True)
    with torch.no_grad():
        eye = torch.eye(64 * k)
        enc.fc1.weight.copy_(eye)
        enc.fc1.bias.zero_()
        enc.fc2.weight.copy_(torch.cat([torch.eye(64)] * k, dim=1))
        enc.fc2.bias.zero_()
        m = 10
        # fc1: F̂_i = F(P) − Σ_{l≠i} F(X_l) + (k−1)·b for the missing i (inputs of i are zero)
        w = torch.zeros(k * m, (k + 1) * m)
        for i in range(k):
            for l_ in range(k):
                if l_ != i:
                    w[i * m : (i + 1) * m, l_ * m : (l_ + 1) * m] = -torch.eye(m)
            w[i * m : (i + 1) * m, k * m :] = torch.eye(m)
        dec.fc1.weight.copy_(w)
        dec.fc1.bias.copy_((k - 1) * f[1].bias.repeat(k))
        for layer in (dec.fc2, dec.fc3):
            layer.weight.copy_(torch.eye(k * m))
            layer.bias.zero_()
    code = LearnedCode(base=f, encoder=enc, decoder=dec, k=k, r=1, shape=(8, 8), classes=10)
    return code, f


def test_linear_f_with_linear_encoder_and_decoder_recovers_exactly(digits) -> None:  # type: ignore[no-untyped-def]
    for k in (2, 3):
        code, _ = _linear_code(k)
        x = digits.x_test[: 4 * k].reshape(4, k, 8, 8)
        outs = code.apply_base(x.reshape(-1, 8, 8)).reshape(4, k, 10)
        parity = code.encode(x)
        np.testing.assert_allclose(parity, x.sum(axis=1, keepdims=True), atol=1e-6)
        fp = code.apply_base(parity.reshape(-1, 8, 8))
        for miss in range(k):
            got = code.decode({i: outs[:, i] for i in range(k) if i != miss}, {0: fp})
            np.testing.assert_allclose(got[miss], outs[:, miss], rtol=1e-5, atol=1e-5)


def test_decode_contract(digits) -> None:  # type: ignore[no-untyped-def]
    code, _ = _linear_code(2)
    x = digits.x_test[:2]
    outs = code.apply_base(x)
    p = code.encode(x)  # one group: (k, n, n) → (r, n, n)
    assert p.shape == (1, 8, 8)
    assert code.encode(x.reshape(2, 64)).shape == (1, 64)  # flattened in, flattened out
    fp = code.apply_base(p)[0]
    both = code.decode({0: outs[0], 1: outs[1]}, {})
    assert both[0] is not outs[0] and np.array_equal(both[0], outs[0])
    got = code.decode({1: outs[1]}, {0: fp})
    assert sorted(got) == [0, 1] and got[0].shape == (10,)
    np.testing.assert_array_equal(got[1], outs[1])
    with pytest.raises(NotDecodableError, match=r"2 of 3 outputs unavailable"):
        code.decode({1: outs[1]}, {})
    with pytest.raises(ValueError, match="output indices"):
        code.decode({2: outs[1]}, {0: fp})


def test_sum_parity_code_is_exact_for_linear_f_and_subtracts() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(10, 64))

    def f(v: np.ndarray) -> np.ndarray:
        return v.reshape(*v.shape[:-2], 64) @ a.T

    for k, r in ((2, 1), (3, 2)):
        code = SumParityCode(k=k, r=r)
        x = rng.random((k, 8, 8))
        outs, par = f(x), f(code.encode(x))
        np.testing.assert_allclose(code.encode(x)[0], x.sum(axis=0))
        lost = list(range(r))
        got = code.decode(
            {i: outs[i] for i in range(k) if i not in lost}, {j: par[j] for j in range(r)}
        )
        for i in lost:
            np.testing.assert_allclose(got[i], outs[i], atol=1e-9)
    code = SumParityCode(k=2)
    got = code.decode({0: np.array([1.0, 2.0])}, {0: np.array([5.0, 5.0])})
    np.testing.assert_allclose(got[1], [4.0, 3.0])  # F(P) − F(X_1)
    with pytest.raises(NotDecodableError):
        code.decode({0: np.zeros(2)}, {})


# ---------------------------------------------------------------------- metrics


def test_metrics_strata_and_ranks() -> None:
    base = np.array([[3.0, 2, 1], [3, 2, 1], [1, 3, 2], [1, 2, 3]])
    recon = np.array([[9.0, 0, 0], [0, 9, 0], [0, 0, 9], [0, 0, 9]])
    labels = np.array([0, 0, 2, 2])  # F right, right, wrong, right
    m = reconstruction_metrics(recon, base, labels)
    assert m["recovery_accuracy"] == 0.5 and m["overall_accuracy"] == 0.75
    assert m["recovery_accuracy_base_correct"] == pytest.approx(2 / 3)
    assert m["recovery_accuracy_base_incorrect"] == 0.0
    assert m["wrong_rank2"] == 1.0 and m["wrong_rank3"] == 0.0 and m["wrong_top3"] == 1.0


def test_accuracy_at_rate_is_the_papers_arithmetic() -> None:
    # §1: CIFAR-10, 10 % unavailable: 93.47 % → 84.12 % without a code, 90.59 % with it
    assert accuracy_at_rate(0.9347, 0.0, 0.1) == pytest.approx(0.8412, abs=5e-5)
    assert accuracy_at_rate(0.9347, 0.6466, 0.1) == pytest.approx(0.9059, abs=5e-5)


# ---------------------------------------------------------------------- training


def test_minibatches_are_a_function_of_seed_and_step() -> None:
    a = minibatch(100, 2, 8, seed=3, step=7)
    assert a.shape == (8, 2) and np.array_equal(a, minibatch(100, 2, 8, seed=3, step=7))
    epoch = np.concatenate([minibatch(100, 2, 10, seed=3, step=s) for s in range(5)])
    assert sorted(epoch.ravel().tolist()) == list(range(100))  # no image twice per epoch


def test_training_never_changes_f_and_parities_go_through_the_serving_f(  # type: ignore[no-untyped-def]
    digits, f_digits
) -> None:
    f = f_digits.net
    before = {k: v.clone() for k, v in f.state_dict().items()}
    seen: list[tuple[int, torch.Tensor]] = []

    def hook(module, inputs, output) -> None:  # type: ignore[no-untyped-def]
        seen.append((id(module), inputs[0].detach().clone()))

    handle = f.register_forward_hook(hook)
    try:
        res = train(TrainConfig(dataset="digits", k=2, steps=6), data=digits, base=f_digits)
        code = res.code
        assert code.base is f  # the code serves with the very F it was trained through
        groups = torch.tensor(digits.x_train[minibatch(len(digits.y_train), 2, 64, 0, 0)])
        seen.clear()
        code.losses(groups, torch.zeros(64, 2, dtype=torch.long), "mse")
    finally:
        handle.remove()
    assert all(i == id(f) for i, _ in seen)
    with torch.no_grad():
        parity = code.encoder(groups).reshape(-1, 8, 8)
    assert any(t.shape == parity.shape and torch.equal(t, parity) for _, t in seen)
    for k, v in f.state_dict().items():
        assert torch.equal(v, before[k]), k  # bitwise unchanged
    assert all(not p.requires_grad for p in f.parameters())
    params = {id(p) for p in code.trainable_parameters()}
    assert not params & {id(p) for p in f.parameters()}
    assert state_sha256(f) == f_digits.sha256


def test_a_trainable_copy_of_f_would_be_caught(digits, f_digits) -> None:  # type: ignore[no-untyped-def]
    # the check above is not vacuous: training an unfrozen F changes its weights
    import copy

    g = copy.deepcopy(f_digits.net)
    for p in g.parameters():
        p.requires_grad_(True)
    opt = torch.optim.Adam(g.parameters(), 1e-3)
    loss = g(torch.tensor(digits.x_train[:32])).pow(2).mean()
    loss.backward()
    opt.step()
    assert state_sha256(g) != f_digits.sha256


def test_tiny_code_on_digits_learns_clearly_above_chance(digits, f_digits) -> None:  # type: ignore[no-untyped-def]
    res = train(
        TrainConfig(dataset="digits", k=2, loss="kl", steps=300, lr=3e-3),
        data=digits,
        base=f_digits,
    )
    ev = evaluate(res.code, digits, groupings=1)
    assert ev["learned"]["recovery_accuracy"] > 0.25  # chance 0.1; seeds 0–5 give 0.38–0.44
    assert ev["learned"]["reconstructions"] == 360
    assert ev["base_accuracy"] == pytest.approx(f_digits.test_accuracy)


def test_checkpoint_round_trip_and_resume_is_bitwise(  # type: ignore[no-untyped-def]
    digits, f_digits, tmp_path: Path
) -> None:
    cfg = TrainConfig(dataset="digits", k=2, encoder="mlp", loss="xent", steps=12)
    whole = train(cfg, data=digits, base=f_digits, out=tmp_path / "whole.pt")
    half = TrainConfig(**{**cfg.__dict__, "steps": 5})
    part = train(half, data=digits, base=f_digits, out=tmp_path / "split.pt")
    assert part.step == 5
    rest = train(cfg, data=digits, base=f_digits, out=tmp_path / "split.pt")
    assert rest.resumed_from == 5 and rest.step == 12
    for a, b in zip(whole.code.state_dict().values(), rest.code.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    code, meta = load_code(tmp_path / "split.pt")
    assert meta["step"] == 12 and meta["config"]["loss"] == "xent"
    x = digits.x_test[:2]
    np.testing.assert_array_equal(code.encode(x), rest.code.encode(x))
    outs = code.apply_base(x)
    fp = code.apply_base(code.encode(x))[0]
    np.testing.assert_array_equal(
        code.decode({1: outs[1]}, {0: fp})[0], rest.code.decode({1: outs[1]}, {0: fp})[0]
    )
    other = TrainConfig(**{**cfg.__dict__, "k": 3})
    with pytest.raises(ValueError, match=r"another configuration \(k=2 \(asked 3\)\)"):
        train(other, data=digits, base=f_digits, out=tmp_path / "split.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a learned-code checkpoint"):
        load_code(tmp_path / "junk.pt")


def test_time_budget_stops_resumably(digits, f_digits, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = TrainConfig(dataset="digits", k=2, steps=10_000)
    res = train(cfg, data=digits, base=f_digits, out=tmp_path / "c.pt", max_seconds=0.2)
    assert 0 < res.step < 10_000
    again = train(cfg, data=digits, base=f_digits, out=tmp_path / "c.pt", max_seconds=0.2)
    assert again.step == res.step  # the budget is total training time, already spent


def test_config_validation_messages() -> None:
    with pytest.raises(ValueError, match="unknown loss 'l1'; valid: mse, kl, xent"):
        TrainConfig(loss="l1")
    with pytest.raises(ValueError, match="unknown encoder 'rnn'; valid: mlp, conv"):
        TrainConfig(encoder="rnn")
    with pytest.raises(ValueError, match="TrainConfig: r=0 must be an integer >= 1"):
        TrainConfig(r=0)


def test_r2_code_trains_and_decodes_with_one_or_two_missing(digits, f_digits) -> None:  # type: ignore[no-untyped-def]
    res = train(TrainConfig(dataset="digits", k=3, r=2, steps=3), data=digits, base=f_digits)
    code = res.code
    x = digits.x_test[:3]
    outs = code.apply_base(x)
    fp = code.apply_base(code.encode(x))
    two = code.decode({2: outs[2]}, {0: fp[0], 1: fp[1]})
    one = code.decode({0: outs[0], 2: outs[2]}, {0: fp[0], 1: fp[1]})
    assert sorted(two) == sorted(one) == [0, 1, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ev = evaluate(code, digits, groupings=1)
    # 120 groups × 9 scenarios; 3 of them lose two data outputs, 6 lose one
    assert ev["learned"]["reconstructions"] == 120 * (3 * 2 + 6 * 1)
