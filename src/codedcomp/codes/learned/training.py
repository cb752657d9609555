"""Training a learned code through the frozen base model, with resumable checkpoints (paper 003
§3.1, §4.1.4).

Each training sample is a group of k training images; per epoch the training set is permuted
and cut into groups, so no image is used twice in an epoch (§4.1.4).  Minibatches hold 64 groups
for k ≤ 2 and 32 for k ≥ 3 (the paper: 64 for k = 2, 32 for k = 5).  Per minibatch: parities
E(X), F on all k + r queries (the frozen F of the code), D on every scenario, the chosen loss
(:mod:`.losses`) averaged over the scenarios and the reconstructed outputs, one Adam step
(learning rate 1e-3, L2 regularisation 1e-5 as Adam's weight decay) on E and D only.  Reading: the
paper runs "a forward and a backward pass for each" scenario; we sum their gradients into one
optimizer step per minibatch (E and F run once, D once per scenario).

``residual=True`` (ours, a deviation from the paper; r = 1): E and D get the skip connections of
:class:`~.nets.SumSkipEncoder` and :class:`~.nets.SubtractionSkipDecoder`, so training starts from
the sum-parity code decoded by subtraction instead of from noise.

Determinism: every random choice flows from ``seed`` — the initial weights (``torch.manual_seed``)
and the groups (epoch e's permutation from ``SeedSequence(seed, spawn_key=(e,))``, so step s's
minibatch is a function of (seed, s) alone).  A checkpoint holds the configuration, E, D, Adam's
state, F's weights and checksum, the step and the loss history; training again into the same file
resumes from it, and (same device and thread count) the result is bitwise the one of an
uninterrupted run.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...errors import check
from .base import BaseModel, base_model, freeze, make_base, state_sha256, torch_threads
from .code import LearnedCode
from .data import DATASETS, Dataset, load_dataset
from .losses import LOSSES
from .nets import ENCODERS, make_decoder, make_encoder

FORMAT = "codedcomp-learned-code"
FORMAT_VERSION = 1
HISTORY_EVERY = 25


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a trained code (``steps`` only says how far to train)."""

    dataset: str = "mnist"
    k: int = 2
    r: int = 1
    encoder: str = "mlp"
    loss: str = "mse"
    steps: int = 1000
    seed: int = 0
    base: str = "mlp"
    base_seed: int = 0
    batch: int = 0  # 0: the paper's (64 groups for k <= 2, 32 for k >= 3)
    lr: float = 1e-3
    weight_decay: float = 1e-5
    linear: bool = False  # linear MLP encoder and decoder (no ReLU)
    residual: bool = False  # ours: start from the sum-parity code (skip connections, .nets)

    def __post_init__(self) -> None:
        o = "TrainConfig"
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; valid: {', '.join(DATASETS)}")
        if self.encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {self.encoder!r}; valid: {', '.join(ENCODERS)}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; valid: {', '.join(LOSSES)}")
        check(o, "k", self.k, isinstance(self.k, int) and self.k >= 1, "an integer >= 1")
        check(o, "r", self.r, isinstance(self.r, int) and self.r >= 1, "an integer >= 1")
        check(o, "steps", self.steps, self.steps >= 0, "an integer >= 0")
        check(o, "seed", self.seed, self.seed >= 0, "an integer >= 0")
        check(o, "batch", self.batch, self.batch >= 0, "an integer >= 0 (0: the paper's)")
        check(o, "lr", self.lr, 0 < self.lr < 1, "in (0, 1)")
        check(o, "weight_decay", self.weight_decay, self.weight_decay >= 0, ">= 0")
        check(
            o,
            "linear",
            self.linear,
            not (self.linear and self.encoder == "conv"),
            "False with encoder='conv'",
        )
        check(o, "residual", self.residual, not (self.residual and self.r != 1), "False if r != 1")

    @property
    def groups_per_batch(self) -> int:
        return self.batch or (64 if self.k <= 2 else 32)

    def identity(self) -> dict[str, Any]:
        """The fields a checkpoint must share to be resumed (all but ``steps``)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "steps"}


@dataclass
class TrainResult:
    code: LearnedCode
    config: TrainConfig
    base: BaseModel
    step: int
    elapsed_s: float  # training time, summed over every session of a resumed run
    resumed_from: int  # 0 for a fresh run
    history: list[list[float]] = field(default_factory=list)  # [step, mean loss since last]

    @property
    def final_loss(self) -> float | None:
        return self.history[-1][1] if self.history else None


def minibatch(n: int, k: int, groups: int, seed: int, step: int) -> np.ndarray:
    """Step ``step``'s groups ``(groups, k)`` of training-image indices (see module docstring)."""
    per_epoch = n // k
    check("minibatch", "n", n, per_epoch >= 1, f">= k={k}")
    groups = min(groups, per_epoch)
    batches = per_epoch // groups
    epoch, j = divmod(step, batches)
    perm = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(epoch,))).permutation(n)
    return perm[: per_epoch * k].reshape(per_epoch, k)[j * groups : (j + 1) * groups]


def resolve_device(device: str) -> torch.device:
    """``auto`` → CUDA when present, else CPU; ``cpu``; ``cuda`` (must be present)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' but no CUDA device is available; use --device cpu")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ValueError(f"unknown device {device!r}; valid: auto, cpu, cuda")
    return torch.device(device)


def build_code(
    config: TrainConfig, base: torch.nn.Module, data_shape: tuple[int, int], classes: int
) -> LearnedCode:
    """A fresh code around ``base`` with E and D initialised from ``config.seed`` (the global
    PyTorch generator is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        enc = make_encoder(
            config.encoder,
            k=config.k,
            r=config.r,
            shape=data_shape,
            linear=config.linear,
            residual=config.residual,
        )
        dec = make_decoder(
            k=config.k, r=config.r, m=classes, linear=config.linear, residual=config.residual
        )
    return LearnedCode(
        base=base,
        encoder=enc,
        decoder=dec,
        k=config.k,
        r=config.r,
        shape=data_shape,
        classes=classes,
    )


def train(
    config: TrainConfig,
    *,
    out: str | Path | None = None,
    device: str = "auto",
    threads: int = 1,
    checkpoint_every: int = 500,
    max_seconds: float | None = None,
    progress: Callable[[int, float], None] | None = None,
    data: Dataset | None = None,
    base: BaseModel | None = None,
) -> TrainResult:
    """Train (or resume, when ``out`` holds a checkpoint of the same configuration) up to
    ``config.steps`` steps; ``max_seconds`` stops earlier, once the training time summed over
    every session of the checkpoint reaches it (the checkpoint stays resumable).
    ``progress(step, loss)`` is called after every step.  ``data`` and ``base`` override the
    data set and the base model (tests); by default the cached base model of the data set."""
    check("train", "threads", threads, threads >= 1, "an integer >= 1")
    data = data if data is not None else load_dataset(config.dataset)
    dev = resolve_device(device)
    with torch_threads(threads):
        base = base if base is not None else base_model(data, config.base, config.base_seed)
        code = build_code(config, base.net, data.shape, data.classes).to(dev)
        opt = torch.optim.Adam(
            list(code.trainable_parameters()), lr=config.lr, weight_decay=config.weight_decay
        )
        step, elapsed, history = 0, 0.0, []
        path = Path(out) if out is not None else None
        if path is not None and path.exists():
            ckpt = read_checkpoint(path)
            _check_resumable(ckpt, config, base, path)
            code.encoder.load_state_dict(ckpt["encoder"])
            code.decoder.load_state_dict(ckpt["decoder"])
            opt.load_state_dict(ckpt["optimizer"])
            step, elapsed, history = int(ckpt["step"]), float(ckpt["elapsed_s"]), ckpt["history"]
        resumed = step
        x = torch.tensor(np.asarray(data.x_train), device=dev)
        y = torch.tensor(np.asarray(data.y_train), device=dev)
        code.train()
        start = time.perf_counter()
        window: list[float] = []
        saved = step
        while step < config.steps and (max_seconds is None or elapsed < max_seconds):
            idx = torch.as_tensor(
                minibatch(len(y), config.k, config.groups_per_batch, config.seed, step),
                device=dev,
            )
            loss = code.losses(x[idx], y[idx], config.loss)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            value = float(loss.detach())
            if not math.isfinite(value):
                raise FloatingPointError(f"training diverged at step {step}: loss={value}")
            window.append(value)
            if step % HISTORY_EVERY == 0 or step == config.steps:
                history.append([step, float(np.mean(window))])
                window = []
            if progress is not None:
                progress(step, value)
            spent = time.perf_counter() - start
            if path is not None and step - saved >= checkpoint_every:
                save_checkpoint(path, code, opt, config, base, step, elapsed + spent, history)
                saved = step
            if max_seconds is not None and elapsed + spent >= max_seconds:
                break
        elapsed += time.perf_counter() - start
        if path is not None and (step != saved or not path.exists()):
            save_checkpoint(path, code, opt, config, base, step, elapsed, history)
        code.eval()
    return TrainResult(code, config, base, step, elapsed, resumed, history)


def _check_resumable(
    ckpt: dict[str, Any], config: TrainConfig, base: BaseModel, path: Path
) -> None:
    theirs = TrainConfig(**ckpt["config"]).identity()
    ours = config.identity()
    diff = [f"{k}={theirs[k]!r} (asked {ours[k]!r})" for k in ours if theirs[k] != ours[k]]
    if diff:
        raise ValueError(
            f"{path}: a checkpoint of another configuration ({', '.join(diff)}); give another "
            "--out or delete it"
        )
    if ckpt["base"]["sha256"] != base.sha256:
        raise ValueError(
            f"{path}: trained through another base model (sha256 {ckpt['base']['sha256'][:12]}, "
            f"now {base.sha256[:12]}); give another --out or delete it"
        )


def save_checkpoint(
    path: Path,
    code: LearnedCode,
    opt: torch.optim.Optimizer,
    config: TrainConfig,
    base: BaseModel,
    step: int,
    elapsed: float,
    history: list[list[float]],
) -> None:
    """Write the checkpoint atomically (a temporary file renamed over ``path``)."""
    doc = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "torch": str(torch.__version__),
        "config": asdict(config),
        "shape": list(code.shape),
        "classes": code.classes,
        "step": step,
        "elapsed_s": elapsed,
        "history": history,
        "base": {
            "arch": base.arch,
            "dataset": base.dataset,
            "seed": base.seed,
            "sha256": base.sha256,
            "test_accuracy": base.test_accuracy,
            "state": {k: v.cpu() for k, v in code.base.state_dict().items()},
        },
        "encoder": {k: v.cpu() for k, v in code.encoder.state_dict().items()},
        "decoder": {k: v.cpu() for k, v in code.decoder.state_dict().items()},
        "optimizer": opt.state_dict(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(doc, tmp)
    tmp.replace(path)


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint's contents (tensors on the CPU); ``ValueError`` if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint {path} does not exist")
    try:
        doc = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ValueError(f"{path}: not a learned-code checkpoint ({type(e).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path}: not a learned-code checkpoint")
    if doc.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: checkpoint version {doc.get('version')} (need {FORMAT_VERSION})")
    return doc


def load_code(path: str | Path, *, device: str = "cpu") -> tuple[LearnedCode, dict[str, Any]]:
    """The trained code in a checkpoint (F, E, D; eval mode) and the checkpoint's metadata."""
    doc = read_checkpoint(path)
    config = TrainConfig(**doc["config"])
    enc_w = doc["encoder"]
    b = doc["base"]
    classes = int(doc["classes"])
    shape = (int(doc["shape"][0]), int(doc["shape"][1]))
    net = make_base(b["arch"], shape=shape, classes=classes)
    net.load_state_dict(b["state"])
    net = freeze(net)
    if state_sha256(net) != b["sha256"]:
        raise ValueError(f"{path}: the base model's weights do not match their checksum")
    code = build_code(config, net, shape, classes)
    code.encoder.load_state_dict(enc_w)
    code.decoder.load_state_dict(doc["decoder"])
    code = code.to(resolve_device(device)).eval()
    meta = {k: v for k, v in doc.items() if k not in ("encoder", "decoder", "optimizer")}
    meta["base"] = {k: v for k, v in b.items() if k != "state"}
    return code, meta
