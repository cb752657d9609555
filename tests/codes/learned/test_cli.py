"""``codedcomp learned train|eval`` (registered on a fresh typer app, as the main CLI will)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

pytest.importorskip("torch", reason="the learned extra: pip install 'codedcomp[learned]'")

from codedcomp.cli.learned import register

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    a = typer.Typer()
    a.callback()(lambda: None)
    register(a)
    return a


def test_train_resume_and_eval(app: typer.Typer, tmp_path: Path) -> None:
    ckpt = tmp_path / "c.pt"
    base = ["learned", "train", "--dataset", "digits", "--k", "2", "--r", "1"]
    base += ["--encoder", "mlp", "--loss", "kl", "--seed", "0", "--out", str(ckpt)]
    r = runner.invoke(app, [*base, "--steps", "8", "--device", "cpu"])
    assert r.exit_code == 0, r.output
    assert "trained 8/8 steps" in r.output and ckpt.is_file()
    r = runner.invoke(app, [*base, "--steps", "12"])
    assert r.exit_code == 0, r.output
    assert "trained 12/12 steps, resumed from step 8" in r.output
    out = tmp_path / "eval.json"
    r = runner.invoke(app, ["learned", "eval", str(ckpt), "--json", str(out), "--groupings", "1"])
    assert r.exit_code == 0, r.output
    assert "recovery accuracy" in r.output and "sum-parity" in r.output
    doc = json.loads(out.read_text())
    assert doc["steps_trained"] == 12 and doc["config"]["loss"] == "kl"
    for key in ("base_accuracy", "learned", "sum_parity", "per_class", "at_rate", "ratios"):
        assert key in doc
    assert len(doc["per_class"]) == 10
    assert doc["learned"]["reconstructions"] == 360


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "cifar"], "unknown dataset 'cifar'; valid: mnist, fashion, digits"),
        (["--loss", "l1"], "unknown loss 'l1'; valid: mse, kl, xent"),
        (["--k", "0"], "TrainConfig: k=0 must be an integer >= 1"),
        (["--residual", "--r", "2"], "TrainConfig: residual=True must be False if r != 1"),
    ],
)
def test_bad_arguments_one_line_exit_2(
    app: typer.Typer, tmp_path: Path, args: list[str], message: str
) -> None:
    r = runner.invoke(app, ["learned", "train", "--out", str(tmp_path / "x.pt"), *args])
    assert r.exit_code == 2
    assert message in r.output and len(r.output.strip().splitlines()) == 1


def test_eval_of_a_missing_checkpoint(app: typer.Typer, tmp_path: Path) -> None:
    r = runner.invoke(app, ["learned", "eval", str(tmp_path / "none.pt")])
    assert r.exit_code == 2 and "does not exist" in r.output


def test_train_residual_records_it_in_the_checkpoint(app: typer.Typer, tmp_path: Path) -> None:
    ckpt = tmp_path / "res.pt"
    args = ["learned", "train", "--dataset", "digits", "--k", "2", "--steps", "4"]
    r = runner.invoke(app, [*args, "--residual", "--out", str(ckpt)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "eval.json"
    r = runner.invoke(app, ["learned", "eval", str(ckpt), "--json", str(out), "--groupings", "1"])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["config"]["residual"] is True
