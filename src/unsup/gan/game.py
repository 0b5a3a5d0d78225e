"""The GAN game played by the shared trainer: a generator, a (possibly packed) discriminator and a loss.

``GAN`` is the game of the lecture, ``min_w max_θ Σ log D_θ(x_i) + Σ log(1 - D_θ(G_w(z_i)))``, with the loss
swappable (see :mod:`unsup.gan.losses`). Other model families subclass it or write their own class with the same
methods (see :mod:`unsup.gan.trainer` for the protocol).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from unsup.gan import losses
from unsup.gan.latent import render
from unsup.gan.pack import Packed


@contextlib.contextmanager
def frozen_batchnorm_stats(module: nn.Module) -> Iterator[None]:
    """Use batch statistics (as in training) without updating BatchNorm running averages."""
    bns = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.momentum, None if m.num_batches_tracked is None else m.num_batches_tracked.clone()) for m in bns]
    for m in bns:
        m.momentum = 0.0  # running = (1 - 0)·running + 0·batch
    try:
        yield
    finally:
        for m, (momentum, count) in zip(bns, saved, strict=True):
            m.momentum = momentum
            if count is not None:
                m.num_batches_tracked.copy_(count)


class GAN(nn.Module):
    """G: ``(n, latent_dim) -> (n, ...)`` samples; D: ``(B·pack, ...) -> (B,)`` logits.

    With ``pack = m > 1`` D is wrapped in :class:`~unsup.gan.pack.Packed` and each of the ``m`` pack slots is a
    separate call of G on its own ``B`` latent codes, as in the reference PacGAN code (BatchNorm statistics per slot).
    ``pack`` is also what the trainer reads to draw ``batch · pack`` real samples per step.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        latent_dim: int,
        loss: str = "minimax",
        pack: int = 1,
        gp_weight: float = 10.0,
    ) -> None:
        super().__init__()
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be >= 1; got {latent_dim}")
        self.G = generator
        self.D = Packed(discriminator, pack)
        self.latent_dim = latent_dim
        self.loss = losses.check_kind(loss)
        self.pack = pack
        self.gp_weight = gp_weight
        # without batch statistics in D, one pass over real and fake together gives the same logits
        self._one_d_pass = not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in discriminator.modules())

    def d_params(self) -> list[nn.Parameter]:
        return list(self.D.parameters())

    def g_params(self) -> list[nn.Parameter]:
        return list(self.G.parameters())

    def generate(self, n: int) -> Tensor:
        """``n`` samples as ``n // pack`` packs, one G call per pack slot (``n`` must divide by ``pack``)."""
        b = n // self.pack
        device = next(self.G.parameters()).device
        slots = [self.G(torch.randn(b, self.latent_dim, device=device)) for _ in range(self.pack)]
        return torch.stack(slots, 1).flatten(0, 1)  # (b, pack, ...) -> consecutive samples form a pack

    @torch.no_grad()
    def sample(self, n: int, chunk: int = 1000, running_stats: bool = False) -> Tensor:
        """``n`` samples with training-mode BatchNorm (batch statistics over ``chunk``), running stats untouched;
        ``running_stats``: G in eval mode (BatchNorm's running averages), as the reference PacGAN code scores."""
        if running_stats:
            return torch.cat([render(self.G, torch.randn(min(chunk, n - i), self.latent_dim, device=self._device))
                              for i in range(0, n, chunk)])  # fmt: skip
        with frozen_batchnorm_stats(self.G):
            out = [
                self.G(torch.randn(min(chunk, n - i), self.latent_dim, device=self._device)) for i in range(0, n, chunk)
            ]
        return torch.cat(out)

    @property
    def _device(self) -> torch.device:
        return next(self.G.parameters()).device

    def _d_loss(self, real: Tensor, fake: Tensor) -> tuple[Tensor, dict, Tensor]:
        if self._one_d_pass:  # same logits, half the matrix products' calls
            r, f = self.D(torch.cat([real, fake])).split([len(real) // self.pack, len(fake) // self.pack])
        else:
            r, f = self.D(real), self.D(fake)
        loss = losses.d_loss(r, f, self.loss)
        logs = {"d_loss": loss.item(), "d_real": r.mean().item(), "d_fake": f.mean().item()}
        if self.loss == "wgan-gp":
            gp = losses.gradient_penalty(self.D, real, fake, self.pack)
            loss = loss + self.gp_weight * gp
            logs["gp"] = gp.item()
        return loss, logs, f

    def d_loss(self, real: Tensor) -> tuple[Tensor, dict]:
        """D's loss on ``real`` ``(B·pack, ...)`` and as many generated samples (G not differentiated)."""
        with torch.no_grad():
            fake = self.generate(real.shape[0])
        loss, logs, _ = self._d_loss(real, fake)
        return loss, logs

    def g_loss(self, real: Tensor) -> tuple[Tensor, dict]:
        """G's loss on ``real.shape[0]`` fresh generated samples (``real`` only sets the batch size)."""
        loss = losses.g_loss(self.D(self.generate(real.shape[0])), self.loss)
        return loss, {"g_loss": loss.item()}

    def joint_loss(self, real: Tensor) -> tuple[Tensor, Tensor, dict]:
        """Both losses from one forward pass (the reference code's simultaneous update)."""
        fake = self.generate(real.shape[0])
        ld, logs, f = self._d_loss(real, fake)
        lg = losses.g_loss(f, self.loss)  # same D pass; the trainer takes each loss's gradient for one net only
        logs["g_loss"] = lg.item()
        return ld, lg, logs
