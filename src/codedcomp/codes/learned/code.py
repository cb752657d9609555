"""A learned code: encoder E, the frozen base model F, decoder D (paper 003 §3, Fig. 1–2).

k queries X_1 … X_k form a group; E makes r parity queries P_1 … P_r = E(X_1 … X_k); the same F
that serves the queries computes F(P_j); when at most r of the k + r outputs are unavailable, D
maps them (zeros in place of the unavailable ones, §3.3.1) to reconstructions F̂(X_i) of the
missing data outputs.  F is never modified: it is frozen (eval mode, no gradients) and excluded
from the trainable parameters; gradients flow *through* it into E (§3.1).

:class:`LearnedCode` is both the training module (``trainable_parameters``, :meth:`losses`) and
the serving API on numpy arrays:

- :meth:`LearnedCode.apply_base` — F on a numpy batch of queries → raw outputs ``(B, m)``;
- :meth:`LearnedCode.encode` — k queries → r parity queries (to be sent through F);
- :meth:`LearnedCode.decode` — ``{i: F(X_i)}`` that arrived and ``{j: F(P_j)}`` → all k
  outputs, the missing ones reconstructed; too few outputs raise
  :class:`~codedcomp.errors.NotDecodableError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from ...errors import NotDecodableError, check
from .erasures import pad_to_trained, scenarios
from .losses import get_loss


class LearnedCode(nn.Module):
    """A (k, r) learned code around a frozen base model ``base`` (images ``shape``, m classes)."""

    def __init__(
        self,
        *,
        base: nn.Module,
        encoder: nn.Module,
        decoder: nn.Module,
        k: int,
        r: int,
        shape: tuple[int, int],
        classes: int,
    ) -> None:
        super().__init__()
        check("LearnedCode", "k", k, isinstance(k, int) and k >= 1, "an integer >= 1")
        check("LearnedCode", "r", r, isinstance(r, int) and r >= 1, "an integer >= 1")
        self.k, self.r, self.shape, self.classes = k, r, tuple(shape), classes
        self.base = base
        self.encoder = encoder
        self.decoder = decoder
        self.freeze_base()
        self.register_buffer("masks", torch.as_tensor(scenarios(k, r)), persistent=False)

    def __repr__(self) -> str:
        return f"LearnedCode(k={self.k}, r={self.r}, shape={self.shape}, classes={self.classes})"

    def freeze_base(self) -> None:
        self.base.eval()
        for p in self.base.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True) -> LearnedCode:
        super().train(mode)
        self.base.eval()  # F serves as it is, in training too
        return self

    def trainable_parameters(self) -> Iterator[nn.Parameter]:
        """The parameters of E and D only: F is never trained."""
        yield from self.encoder.parameters()
        yield from self.decoder.parameters()

    @property
    def device(self) -> torch.device:
        return next(self.decoder.parameters()).device

    # ------------------------------------------------------------------ tensors

    def f(self, x: torch.Tensor) -> torch.Tensor:
        """F on images ``(..., n, n)`` → ``(..., m)`` (leading dimensions kept)."""
        lead = x.shape[:-2]
        return self.base(x.reshape(-1, *self.shape)).reshape(*lead, -1)

    def outputs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """For groups ``x`` ``(B, k, n, n)``: F(X) ``(B, k, m)`` and F(E(X)) ``(B, r, m)``."""
        with torch.no_grad():
            fx = self.f(x)
        fp = self.f(self.encoder(x))
        return fx, fp

    def reconstruct(self, outputs: torch.Tensor, available: torch.Tensor) -> torch.Tensor:
        """D on ``outputs`` ``(..., k + r, m)`` with the unavailable ones (``available`` False,
        broadcast ``(..., k + r)``) replaced by zeros → ``(..., k, m)``."""
        x = outputs * available.unsqueeze(-1).to(outputs.dtype)
        lead = x.shape[:-2]
        out = self.decoder(x.reshape(-1, self.k + self.r, x.shape[-1]))
        return out.reshape(*lead, self.k, -1)

    def losses(self, x: torch.Tensor, labels: torch.Tensor, loss: str) -> torch.Tensor:
        """The training loss of groups ``x`` ``(B, k, n, n)`` with labels ``(B, k)``: the mean over
        every scenario and every unavailable data output of the loss of its reconstruction."""
        fx, fp = self.outputs(x)
        every = torch.cat([fx, fp], dim=1)  # (B, k+r, m)
        masks: torch.Tensor = self.masks  # type: ignore[assignment]  # (S, k+r)
        recon = self.reconstruct(every.unsqueeze(0), masks.unsqueeze(1))  # (S, B, k, m)
        missing = ~masks[:, : self.k]  # (S, k)
        sel = missing.unsqueeze(1).expand(-1, x.shape[0], -1)  # (S, B, k)
        target = fx.unsqueeze(0).expand_as(recon)
        lab = labels.unsqueeze(0).expand(masks.shape[0], -1, -1)
        return get_loss(loss)(recon[sel], target[sel], lab[sel])

    # ------------------------------------------------------------------ numpy serving API

    def _as_images(self, x: ArrayLike, what: str) -> tuple[torch.Tensor, bool]:
        """``x`` as float32 images ``(..., n, n)``; the flag says it came flattened (n²)."""
        a = np.array(x, dtype=np.float32)  # a copy: callers' arrays may be read-only
        n2 = self.shape[0] * self.shape[1]
        if a.shape[-2:] == self.shape:
            return torch.as_tensor(a, device=self.device), False
        if a.shape[-1:] == (n2,):
            return torch.as_tensor(a.reshape(*a.shape[:-1], *self.shape), device=self.device), True
        raise ValueError(f"LearnedCode: {what} shape={a.shape} must end in {self.shape} or ({n2},)")

    @torch.no_grad()
    def apply_base(self, queries: ArrayLike) -> np.ndarray:
        """The frozen F on a numpy batch ``(B, n, n)`` or ``(B, n²)`` → raw outputs ``(B, m)``."""
        x, _ = self._as_images(queries, "queries")
        return self.f(x).cpu().numpy()

    @torch.no_grad()
    def encode(self, queries: ArrayLike) -> np.ndarray:
        """k queries ``(k, n, n)`` (or a batch of groups ``(B, k, n, n)``; n² flattened is fine)
        → the r parity queries ``(r, n, n)`` (``(B, r, n, n)``), in the layout given."""
        x, flat = self._as_images(queries, "queries")
        single = x.dim() == 3
        if single:
            x = x.unsqueeze(0)
        if x.dim() != 4 or x.shape[1] != self.k:
            raise ValueError(f"LearnedCode: encode needs k={self.k} queries, got {tuple(x.shape)}")
        p = self.encoder(x).cpu().numpy()
        if flat:
            p = p.reshape(*p.shape[:-2], -1)
        return p[0] if single else p

    @torch.no_grad()
    def decode(
        self,
        available: Mapping[int, ArrayLike],
        parity_outputs: Mapping[int, ArrayLike],
    ) -> dict[int, np.ndarray]:
        """All k outputs from those that arrived: ``available`` maps data index i (0 … k−1) to
        F(X_i), ``parity_outputs`` maps parity index j (0 … r−1) to F(P_j); each value is ``(m,)``
        or a batch ``(B, m)``.  Returns ``{i: output}`` for every i < k: available ones as given,
        missing ones reconstructed by D.  At most r of the k + r outputs may be missing."""
        bad = [i for i in available if not 0 <= i < self.k]
        bad += [self.k + j for j in parity_outputs if not 0 <= j < self.r]
        if bad:
            raise ValueError(
                f"LearnedCode: output indices must be data 0…{self.k - 1} and parity "
                f"0…{self.r - 1}; got {sorted(available)} and {sorted(parity_outputs)}"
            )
        missing = [i for i in range(self.k) if i not in available]
        values = {i: np.asarray(v, dtype=np.float32) for i, v in available.items()}
        if not missing:
            return values
        lost = len(missing) + self.r - len(parity_outputs)
        if lost > self.r:
            raise NotDecodableError(
                f"LearnedCode(k={self.k}, r={self.r}): {lost} of {self.k + self.r} outputs "
                f"unavailable (data {missing}, parities "
                f"{[j for j in range(self.r) if j not in parity_outputs]}); at most r={self.r} "
                "can be reconstructed"
            )
        given = [*values.values(), *(np.asarray(v, np.float32) for v in parity_outputs.values())]
        single = given[0].ndim == 1
        batch = [g.reshape(1, -1) if single else g for g in given]
        b, m = batch[0].shape
        every = np.zeros((b, self.k + self.r, m), dtype=np.float32)
        have = np.zeros(self.k + self.r, dtype=bool)
        for i, value in values.items():
            every[:, i] = value.reshape(b, m)
            have[i] = True
        for j, pv in parity_outputs.items():
            every[:, self.k + j] = np.asarray(pv, np.float32).reshape(b, m)
            have[self.k + j] = True
        mask = pad_to_trained(have, self.r)
        recon = (
            self.reconstruct(
                torch.as_tensor(every, device=self.device),
                torch.as_tensor(mask, device=self.device),
            )
            .cpu()
            .numpy()
        )
        out = dict(values)
        for i in missing:
            out[i] = recon[0, i] if single else recon[:, i]
        return dict(sorted(out.items()))
