"""The residual learned code (ours, ``TrainConfig(residual=True)``): it starts as the sum-parity
code decoded by subtraction, and the paper's plain networks are unchanged.  Fast (digits, 8×8)."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the learned extra: pip install 'codedcomp[learned]'")

from codedcomp.codes.learned.baseline import SumParityCode  # noqa: E402
from codedcomp.codes.learned.evaluation import evaluate, reconstructions  # noqa: E402
from codedcomp.codes.learned.nets import (  # noqa: E402
    ConvEncoder,
    MLPDecoder,
    MLPEncoder,
    SubtractionSkipDecoder,
    SumSkipEncoder,
)
from codedcomp.codes.learned.training import TrainConfig, build_code, train  # noqa: E402


@pytest.mark.parametrize("encoder", ["mlp", "conv"])
def test_residual_code_at_initialisation_is_the_sum_parity_code(digits, f_digits, encoder) -> None:  # type: ignore[no-untyped-def]
    k = 3
    cfg = TrainConfig(dataset="digits", k=k, encoder=encoder, residual=True)
    code = build_code(cfg, f_digits.net, digits.shape, digits.classes).eval()
    assert isinstance(code.encoder, SumSkipEncoder) and isinstance(
        code.decoder, SubtractionSkipDecoder
    )
    x = digits.x_test[: 4 * k].reshape(4, k, 8, 8)
    np.testing.assert_allclose(code.encode(x), SumParityCode(k=k).encode(x), atol=1e-6)
    rec = reconstructions(code, digits, groupings=1)
    np.testing.assert_allclose(rec["learned"], rec["sum"], atol=1e-4)
    ev = evaluate(code, digits, groupings=1)
    assert ev["learned"]["recovery_accuracy"] == ev["sum_parity"]["recovery_accuracy"]
    # the serving API: one missing output, subtraction
    outs = code.apply_base(x[0])
    fp = code.apply_base(code.encode(x[0]))[0]
    got = code.decode({1: outs[1], 2: outs[2]}, {0: fp})
    np.testing.assert_allclose(got[0], fp - outs[1] - outs[2], atol=1e-5)


def test_residual_code_trains_away_from_the_sum_parity_code(digits, f_digits) -> None:  # type: ignore[no-untyped-def]
    cfg = TrainConfig(dataset="digits", k=2, encoder="mlp", loss="kl", steps=3, residual=True)
    res = train(cfg, data=digits, base=f_digits)
    enc, dec = res.code.encoder, res.code.decoder
    assert isinstance(enc, SumSkipEncoder) and isinstance(dec, SubtractionSkipDecoder)
    # the zero-initialised last layers moved, and the gradient reached the layers before them
    assert float(enc.inner.fc2.weight.detach().abs().sum()) > 0
    assert float(dec.inner.fc3.weight.detach().abs().sum()) > 0
    fresh = build_code(cfg, f_digits.net, digits.shape, digits.classes)
    assert not torch.equal(dec.inner.fc1.weight, fresh.decoder.inner.fc1.weight)  # type: ignore[union-attr]


def test_paper_networks_are_unchanged_and_old_configs_load(digits, f_digits) -> None:  # type: ignore[no-untyped-def]
    cfg = TrainConfig(dataset="digits", k=2, encoder="conv")
    code = build_code(cfg, f_digits.net, digits.shape, digits.classes)
    assert type(code.encoder) is ConvEncoder and type(code.decoder) is MLPDecoder
    assert float(code.encoder.net[-1].weight.detach().abs().sum()) > 0  # Xavier, not zeroed
    mlp = build_code(TrainConfig(dataset="digits", k=2), f_digits.net, digits.shape, 10)
    assert type(mlp.encoder) is MLPEncoder
    assert float(mlp.decoder.fc3.weight.detach().std()) == pytest.approx(0.01, rel=0.1)  # type: ignore[union-attr]
    old = {k: v for k, v in asdict(cfg).items() if k != "residual"}  # a checkpoint before it
    assert TrainConfig(**old).identity() == cfg.identity()


def test_residual_needs_r_1() -> None:
    with pytest.raises(ValueError, match="TrainConfig: residual=True must be False if r != 1"):
        TrainConfig(r=2, residual=True)
    with pytest.raises(ValueError, match="SubtractionSkipDecoder: r=2 must be 1"):
        SubtractionSkipDecoder(MLPDecoder(k=2, r=2, m=10), k=2, r=2)


def test_residual_checkpoint_round_trips(digits, f_digits, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from codedcomp.codes.learned.training import load_code

    cfg = TrainConfig(dataset="digits", k=2, encoder="conv", steps=2, residual=True)
    res = train(cfg, data=digits, base=f_digits, out=tmp_path / "res.pt")
    code, meta = load_code(tmp_path / "res.pt")
    assert meta["config"]["residual"] is True
    assert isinstance(code.encoder, SumSkipEncoder)
    x = digits.x_test[:2]
    np.testing.assert_array_equal(code.encode(x), res.code.encode(x))
    plain = TrainConfig(dataset="digits", k=2, encoder="conv", steps=2)
    msg = r"another configuration \(residual=True \(asked False\)\)"
    with pytest.raises(ValueError, match=msg):
        train(plain, data=digits, base=f_digits, out=tmp_path / "res.pt")
