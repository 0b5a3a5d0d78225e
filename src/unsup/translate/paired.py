"""Paired translation: the lecture's regression ``G(x) = y`` (L1 or L2), optionally with pix2pix's conditional
PatchGAN term (Isola et al. 2017): G minimises ``L_cGAN(G, D) + λ ‖G(x) - y‖₁`` with λ = 100.

With ``gan_loss = None`` no discriminator is built and this is the plain regression baseline, so the two differ
only by the adversarial term. Super-resolution is the same model on (bicubic-up-sampled LR, HR) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from unsup.gan import losses
from unsup.translate.cyclegan import set_requires_grad
from unsup.translate.generators import build_generator
from unsup.translate.patchgan import PatchDiscriminator


@dataclass
class PairedConfig:
    """Defaults are pix2pix's: U-Net-256 with dropout 0.5, conditional 70×70 PatchGAN, vanilla GAN, λ_L1 = 100."""

    ch_a: int = 3
    ch_b: int = 3
    generator: str = "unet"
    ngf: int = 64
    n_blocks: int = 9
    n_down: int = 8
    dropout: float = 0.5
    ndf: int = 64
    n_layers: int = 3
    gan_loss: str | None = "ns"
    recon: str = "l1"
    lambda_recon: float = 100.0
    lr: float = 2e-4
    beta1: float = 0.5


class PairedTranslator(nn.Module):
    """``G: [B, ch_a, H, W] -> [B, ch_b, H, W]`` trained on aligned pairs ``(a, b)``."""

    directions = ("AtoB",)

    def __init__(self, cfg: PairedConfig, seed: int = 0) -> None:
        super().__init__()
        if cfg.recon not in ("l1", "l2"):
            raise ValueError(f"recon must be 'l1' or 'l2'; got {cfg.recon!r}")
        self.cfg = cfg
        self.G = build_generator(cfg.generator, cfg.ch_a, cfg.ch_b, cfg.ngf, cfg.n_blocks, cfg.n_down, cfg.dropout)
        betas = (cfg.beta1, 0.999)
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=cfg.lr, betas=betas)
        self.optimizers = [self.opt_G]
        self.D = None
        if cfg.gan_loss is not None:
            losses.check_kind(cfg.gan_loss)
            self.D = PatchDiscriminator(cfg.ch_a + cfg.ch_b, cfg.ndf, cfg.n_layers)
            self.opt_D = torch.optim.Adam(self.D.parameters(), lr=cfg.lr, betas=betas)
            self.optimizers.append(self.opt_D)
        self.multiple = self.G.multiple

    def translate(self, x: Tensor, direction: str = "AtoB") -> Tensor:
        """``G(x)``; only 'AtoB' exists."""
        if direction != "AtoB":
            raise ValueError(f"a paired model translates AtoB only; got direction {direction!r}")
        return self.G(x)

    def visuals(self, a: Tensor, b: Tensor) -> list[tuple[str, Tensor]]:
        """Rows for a sample grid: input, output, target."""
        return [("input", a), ("G(input)", self.G(a)), ("target", b)]

    def _recon(self, fake: Tensor, target: Tensor) -> Tensor:
        diff = fake - target
        return diff.abs().mean() if self.cfg.recon == "l1" else (diff**2).mean()

    def train_step(self, a: Tensor, b: Tensor) -> dict[str, float]:
        """pix2pix order: one D step on (a, b) vs (a, G(a)), then one G step; regression: one G step."""
        fake = self.G(a)
        out = {}
        if self.D is not None:
            real_logits, fake_logits = self.D(torch.cat([a, b], 1)), self.D(torch.cat([a, fake.detach()], 1))
            loss_d = 0.5 * losses.d_loss(real_logits, fake_logits, self.cfg.gan_loss)  # halved to slow D (reference)
            self.opt_D.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_D.step()
            out["D"] = loss_d.item()
        recon = self._recon(fake, b)
        loss_g = self.cfg.lambda_recon * recon
        if self.D is not None:
            set_requires_grad([self.D], False)
            adv = losses.g_loss(self.D(torch.cat([a, fake], 1)), self.cfg.gan_loss)
            set_requires_grad([self.D], True)
            loss_g = loss_g + adv
            out["G_adv"] = adv.item()
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()
        return {"recon": recon.item(), **out}

    def full_state(self) -> dict:
        """Networks and optimisers: everything a resumed run needs."""
        state = {"nets": self.state_dict(), "opt_G": self.opt_G.state_dict()}
        if self.D is not None:
            state["opt_D"] = self.opt_D.state_dict()
        return state

    def load_full_state(self, state: dict) -> None:
        """Restore :meth:`full_state`."""
        self.load_state_dict(state["nets"])
        self.opt_G.load_state_dict(state["opt_G"])
        if self.D is not None:
            self.opt_D.load_state_dict(state["opt_D"])
