"""The base models F of the learned codes (paper 003 §4.1.2, Table 3), trained once and cached.

- :class:`BaseMLP` — the paper's Base-MLP: FC n² → 200 → 100 → m with ReLU after all but the last
  (784–200–100–10 on MNIST and Fashion-MNIST).
- :class:`SmallCNN` — a small CNN standing in for the paper's ResNet-18, which does not fit a
  2-core CPU budget: 3×3 conv 1 → 16, ReLU, 2×2 max-pool, 3×3 conv 16 → 32, ReLU, 2×2 max-pool,
  FC → m.

Both take images ``(B, n, n)`` and return the raw last-layer outputs ``(B, m)`` (no softmax,
§3.3.2).  :func:`base_model` trains F deterministically (one thread, seeded initialisation and
shuffles; Adam, learning rate 1e-3, minibatch 64, a fixed number of epochs per data set — the
paper does not say how its base models were trained) and caches the weights in the user cache
directory (``$CODEDCOMP_CACHE_DIR``, else ``$XDG_CACHE_HOME/codedcomp``, else
``~/.cache/codedcomp``) with their SHA-256: a cached file whose checksum does not match is
retrained, never trusted.  The cache key names the data set's own fingerprint and the number of
epochs, so a changed data set or recipe never reuses a stale model.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ...errors import check
from .data import Dataset

BASES = ("mlp", "cnn")
BASE_EPOCHS = {"mnist": 30, "fashion": 15, "digits": 20}
BASE_BATCH = 64
BASE_LR = 1e-3
CACHE_VERSION = 1

# Table 3 of the paper (test accuracy of its base models); the paper has no small CNN, so the
# CNN's reference is its ResNet-18 (a much larger model: the comparison is indicative only).
PAPER_TABLE3: dict[tuple[str, str], tuple[float, str]] = {
    ("mnist", "mlp"): (0.9793, "Base-MLP"),
    ("fashion", "mlp"): (0.8947, "Base-MLP"),
    ("mnist", "cnn"): (0.9920, "ResNet-18"),
    ("fashion", "cnn"): (0.9285, "ResNet-18"),
}


class BaseMLP(nn.Module):
    """Base-MLP (§4.1.2): FC n² → 200 → 100 → m, ReLU after all but the last layer."""

    def __init__(self, *, shape: tuple[int, int], classes: int = 10) -> None:
        super().__init__()
        self.shape = tuple(shape)
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(shape[0] * shape[1], 200),
            nn.ReLU(),
            nn.Linear(200, 100),
            nn.ReLU(),
            nn.Linear(100, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SmallCNN(nn.Module):
    """Two 3×3 convolutions (16, 32 channels) with ReLU and 2×2 max-pooling, then FC → m."""

    def __init__(self, *, shape: tuple[int, int], classes: int = 10) -> None:
        super().__init__()
        self.shape = tuple(shape)
        h, w = shape[0] // 4, shape[1] // 4
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * h * w, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.unsqueeze(1))


def make_base(arch: str, *, shape: tuple[int, int], classes: int = 10) -> nn.Module:
    if arch == "mlp":
        return BaseMLP(shape=shape, classes=classes)
    if arch == "cnn":
        return SmallCNN(shape=shape, classes=classes)
    raise ValueError(f"unknown base model {arch!r}; valid: {', '.join(BASES)}")


def freeze(net: nn.Module) -> nn.Module:
    """Put ``net`` in eval mode with every parameter excluded from gradients; returns it."""
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


@dataclass
class BaseModel:
    """A trained, frozen base model F and what is known about it."""

    net: nn.Module
    arch: str
    dataset: str
    seed: int
    sha256: str  # of the serialised state dict
    test_accuracy: float
    train_seconds: float
    cached: bool = False
    path: Path | None = None

    @property
    def paper(self) -> tuple[float, str] | None:
        """The paper's Table 3 accuracy for this data set and architecture, and its model."""
        return PAPER_TABLE3.get((self.dataset, self.arch))


def cache_dir() -> Path:
    """The user cache directory of codedcomp (see the module docstring)."""
    env = os.environ.get("CODEDCOMP_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "codedcomp"


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n)``, restoring the previous count after."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def state_bytes(net: nn.Module) -> bytes:
    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    return buf.getvalue()


def state_sha256(net: nn.Module) -> str:
    """SHA-256 of the parameters and buffers, in order (independent of pickling details)."""
    h = hashlib.sha256()
    for name, t in net.state_dict().items():
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


@torch.no_grad()
def predict(net: nn.Module, x: np.ndarray, batch: int = 2048) -> np.ndarray:
    """F on a numpy batch of images ``(N, n, n)``: raw outputs ``(N, m) float32``."""
    device = next(net.parameters()).device
    out = [
        net(torch.tensor(x[i : i + batch], device=device)).cpu().numpy()
        for i in range(0, len(x), batch)
    ]
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def accuracy(net: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(predict(net, x).argmax(axis=1) == y))


def train_base(data: Dataset, arch: str = "mlp", seed: int = 0) -> nn.Module:
    """Train F on ``data`` deterministically: same inputs → bitwise the same weights."""
    check("train_base", "seed", seed, isinstance(seed, int) and seed >= 0, "an integer >= 0")
    with torch_threads(1), torch.random.fork_rng(devices=[]):
        gen = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)  # layer initialisation draws from the (forked) global generator
        net = make_base(arch, shape=data.shape, classes=data.classes)
        opt = torch.optim.Adam(net.parameters(), lr=BASE_LR)
        x = torch.tensor(np.asarray(data.x_train))
        y = torch.tensor(np.asarray(data.y_train))
        net.train()
        for _ in range(BASE_EPOCHS.get(data.name, 20)):
            order = torch.randperm(len(y), generator=gen)
            for i in range(0, len(y), BASE_BATCH):
                idx = order[i : i + BASE_BATCH]
                loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    return freeze(net)


def _cache_paths(data: Dataset, arch: str, seed: int) -> tuple[Path, Path]:
    epochs = BASE_EPOCHS.get(data.name, 20)
    stem = f"{data.name}-{arch}-seed{seed}-e{epochs}-{data.fingerprint[:16]}-v{CACHE_VERSION}"
    root = cache_dir() / "base-models"
    return root / f"{stem}.pt", root / f"{stem}.json"


def _load_cached(data: Dataset, arch: str, seed: int) -> BaseModel | None:
    pt, meta_path = _cache_paths(data, arch, seed)
    if not (pt.is_file() and meta_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
        raw = pt.read_bytes()
        if hashlib.sha256(raw).hexdigest() != meta["file_sha256"]:
            warnings.warn(f"{pt}: checksum mismatch, retraining the base model", stacklevel=3)
            return None
        net = make_base(arch, shape=data.shape, classes=data.classes)
        net.load_state_dict(torch.load(io.BytesIO(raw), weights_only=True))
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        warnings.warn(f"{pt}: unreadable ({e}), retraining the base model", stacklevel=3)
        return None
    net = freeze(net)
    if state_sha256(net) != meta["sha256"]:  # pragma: no cover - file checksum already matched
        return None
    return BaseModel(
        net,
        arch,
        data.name,
        seed,
        meta["sha256"],
        float(meta["test_accuracy"]),
        float(meta["train_seconds"]),
        cached=True,
        path=pt,
    )


def base_model(data: Dataset, arch: str = "mlp", seed: int = 0, *, cache: bool = True) -> BaseModel:
    """The trained base model for ``data`` (from the cache when its checksum matches)."""
    if arch not in BASES:
        raise ValueError(f"unknown base model {arch!r}; valid: {', '.join(BASES)}")
    if cache:
        hit = _load_cached(data, arch, seed)
        if hit is not None:
            return hit
    start = time.perf_counter()
    net = train_base(data, arch, seed)
    seconds = time.perf_counter() - start
    acc = accuracy(net, np.asarray(data.x_test), np.asarray(data.y_test))
    model = BaseModel(net, arch, data.name, seed, state_sha256(net), acc, seconds)
    if cache:
        pt, meta_path = _cache_paths(data, arch, seed)
        pt.parent.mkdir(parents=True, exist_ok=True)
        raw = state_bytes(net)
        meta: dict[str, Any] = {
            "dataset": data.name,
            "arch": arch,
            "seed": seed,
            "data_fingerprint": data.fingerprint,
            "sha256": model.sha256,
            "file_sha256": hashlib.sha256(raw).hexdigest(),
            "test_accuracy": acc,
            "train_seconds": seconds,
            "torch": str(torch.__version__),
        }
        tmp = pt.with_suffix(".pt.tmp")
        tmp.write_bytes(raw)
        tmp.replace(pt)
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
        model.path = pt
    return model
