"""GAN losses on discriminator logits f(x), where the lecture's D(x) = σ(f(x)).

Every function takes logits of shape ``(B,)`` or ``(B, 1)`` and returns a scalar to *minimise*.

- ``minimax``: the lecture's game ``min_G max_D E log D(x) + E log(1 - D(G(z)))``; D minimises
  ``softplus(-f(x)) + softplus(f(G(z)))`` and G minimises ``log(1 - D(G(z))) = -softplus(f(G(z)))`` (saturating).
- ``ns``: same D loss; G minimises ``-log D(G(z)) = softplus(-f(G(z)))`` (non-saturating, Goodfellow et al. 2014).
- ``hinge``: D minimises ``relu(1 - f(x)) + relu(1 + f(G(z)))``, G minimises ``-f(G(z))``.
- ``ls``: least squares (Mao et al. 2017), D: ``½(f(x) - 1)² + ½ f(G(z))²``, G: ``½(f(G(z)) - 1)²``.
- ``wgan-gp``: Wasserstein critic (Gulrajani et al. 2017), D: ``f(G(z)) - f(x)`` plus ``gp_weight`` times
  :func:`gradient_penalty`, G: ``-f(G(z))``. The penalty needs the critic, so games add it themselves.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from unsup.gan.config import LOSSES

__all__ = ["LOSSES", "check_kind", "d_loss", "g_loss", "gradient_penalty"]


def check_kind(kind: str) -> str:
    """Return ``kind`` if it names a loss in :data:`LOSSES`, else raise ``ValueError``."""
    if kind not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {kind!r}")
    return kind


def d_loss(real_logits: Tensor, fake_logits: Tensor, kind: str = "minimax") -> Tensor:
    """Discriminator loss (mean over the batch) for logits on real and generated items."""
    r, f = real_logits.flatten(), fake_logits.flatten()
    if check_kind(kind) in ("minimax", "ns"):
        return F.softplus(-r).mean() + F.softplus(f).mean()  # -log σ(r) - log(1 - σ(f))
    if kind == "hinge":
        return F.relu(1 - r).mean() + F.relu(1 + f).mean()
    if kind == "ls":
        return 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f**2).mean()
    return f.mean() - r.mean()  # wgan-gp, without the penalty


def g_loss(fake_logits: Tensor, kind: str = "minimax") -> Tensor:
    """Generator loss (mean over the batch) for logits on generated items."""
    f = fake_logits.flatten()
    if check_kind(kind) == "minimax":
        return -F.softplus(f).mean()  # log(1 - σ(f)): the lecture's saturating loss
    if kind == "ns":
        return F.softplus(-f).mean()
    if kind == "ls":
        return 0.5 * ((f - 1) ** 2).mean()
    return -f.mean()  # hinge and wgan-gp


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor, pack: int = 1) -> Tensor:
    """WGAN-GP penalty ``E (‖∇ critic(x̂)‖ - 1)²`` at ``x̂ = εx + (1-ε)G(z)``.

    ``real`` and ``fake`` are ``(B·pack, ...)`` samples; ``critic`` maps them to ``B`` scores (a packed critic
    when ``pack > 1``), so the gradient norm is taken per pack of ``pack`` consecutive samples.
    """
    if real.shape != fake.shape:
        raise ValueError(f"real and fake must have the same shape; got {tuple(real.shape)} and {tuple(fake.shape)}")
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    x = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return ((grad.reshape(real.shape[0] // pack, -1).norm(dim=1) - 1) ** 2).mean()
