"""The training losses of paper 003 §4.1.1, on the reconstructions of unavailable outputs only.

``recon`` and ``target`` are ``(N, m)``: one row per reconstructed (unavailable) data output and
the base model's true output for it; ``labels`` ``(N,)`` the true labels.  Each loss is the mean
over the N reconstructions.

- **MSE-Base** (``mse``): mean squared error between F̂(X) and F(X) over the m raw outputs.
- **KL-Base** (``kl``): KL(softmax F(X) ‖ softmax F̂(X)) = Σ_c p_c (log p_c − log p̂_c).  Reading:
  the paper says only "KL-divergence between F̂(X) and F(X)" of raw outputs (§3.3.2: no softmax
  in the decoder); we turn both into distributions with a softmax and take the base model's as
  the reference (forward KL, PyTorch's ``kl_div`` convention); a test pins it as the cross-entropy
  against softmax F(X) minus its entropy.
- **XENT-Label** (``xent``): cross-entropy between softmax F̂(X) and the true label of X.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.nn import functional as nnf

Loss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def mse_base(recon: torch.Tensor, target: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return ((recon - target) ** 2).mean()


def kl_base(recon: torch.Tensor, target: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return nnf.kl_div(
        nnf.log_softmax(recon, dim=1),
        nnf.log_softmax(target, dim=1),
        reduction="batchmean",
        log_target=True,
    )


def xent_label(recon: torch.Tensor, target: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return nnf.cross_entropy(recon, labels)


LOSSES: dict[str, Loss] = {"mse": mse_base, "kl": kl_base, "xent": xent_label}
LOSS_NAMES = {"mse": "MSE-Base", "kl": "KL-Base", "xent": "XENT-Label"}


def get_loss(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; valid: {', '.join(LOSSES)}") from None
