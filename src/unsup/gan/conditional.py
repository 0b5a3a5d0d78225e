"""Label-conditional DCGAN (the lecture's controllable generation: train ``Q(x|c)`` to match ``P(x|c)``).

G gets the class as a learned embedding concatenated to ``z``; D is a projection discriminator (Miyato & Koyama
2018): ``f(x, y) = w . phi(x) + e_y . phi(x)``, the class entering as an inner product with D's features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from unsup.gan import losses
from unsup.gan.dcgan import Discriminator, Generator


@dataclass
class ConditionalConfig:
    """Sizes, D preset and loss of a label-conditional DCGAN (``--model cdcgan``)."""

    num_classes: int = 10
    channels: int = 1
    size: int = 28  # must divide by 4
    latent_dim: int = 64
    embed_dim: int = 16  # size of the class embedding concatenated to z
    g_width: int = 16
    d_preset: str = "base"
    loss: str = "ns"

    def __post_init__(self) -> None:
        for name in ("num_classes", "channels", "latent_dim", "embed_dim", "g_width"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1; got {getattr(self, name)}")
        if self.size < 4 or self.size % 4:
            raise ValueError(f"size must be a positive multiple of 4; got {self.size}")
        losses.check_kind(self.loss)


class ConditionalGenerator(nn.Module):
    """``(z [N, latent_dim], y [N])`` -> ``[N, C, size, size]``: DCGAN G on ``concat(z, embed(y))``."""

    def __init__(self, cfg: ConditionalConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(cfg.num_classes, cfg.embed_dim)
        self.net = Generator(cfg.latent_dim + cfg.embed_dim, cfg.channels, cfg.size, cfg.g_width)

    def forward(self, z: Tensor, y: Tensor) -> Tensor:
        return self.net(torch.cat([z, self.embed(y)], 1))


class ProjectionDiscriminator(nn.Module):
    """``(x [B, C, size, size], y [B])`` -> ``[B]`` logits ``w . phi(x) + e_y . phi(x)``."""

    def __init__(self, cfg: ConditionalConfig) -> None:
        super().__init__()
        self.net = Discriminator(cfg.channels, cfg.size, cfg.d_preset)
        self.embed = nn.Embedding(cfg.num_classes, self.net.feature_dim)
        nn.init.normal_(self.embed.weight, std=0.02)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        h = self.net.features(x)
        return self.net.head(h).squeeze(1) + (self.embed(y) * h).sum(1)


class ConditionalGAN(nn.Module):
    """Game for the shared trainer on ``(images, labels)`` batches; fakes reuse the batch's labels."""

    def __init__(self, cfg: ConditionalConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.G, self.D = ConditionalGenerator(cfg), ProjectionDiscriminator(cfg)
        self.latent_dim, self.num_classes = cfg.latent_dim, cfg.num_classes

    def d_params(self) -> list[nn.Parameter]:
        return list(self.D.parameters())

    def g_params(self) -> list[nn.Parameter]:
        return list(self.G.parameters())

    def generate(self, y: Tensor, z: Tensor | None = None) -> Tensor:
        """Images ``[N, C, H, W]`` for labels ``y [N]`` (fresh ``z ~ N(0, I)`` unless given)."""
        if z is None:
            z = torch.randn(len(y), self.latent_dim, device=y.device)
        return self.G(z, y)

    def d_loss(self, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, dict]:
        x, y = batch
        with torch.no_grad():
            fake = self.generate(y)
        r, f = self.D(x, y), self.D(fake, y)
        loss = losses.d_loss(r, f, self.cfg.loss)
        return loss, {"d_loss": loss.item(), "d_real": r.mean().item(), "d_fake": f.mean().item()}

    def g_loss(self, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, dict]:
        _, y = batch
        loss = losses.g_loss(self.D(self.generate(y), y), self.cfg.loss)
        return loss, {"g_loss": loss.item()}

    @torch.no_grad()
    def sample(self, n: int, labels: Tensor | int | None = None) -> Tensor:
        """``n`` images; ``labels``: one class for all, ``[n]`` classes, or ``None`` for ``0, 1, ..., K-1, 0, ...``.

        G runs in eval mode (BatchNorm running averages): batch statistics of a one-class batch differ from the
        mixed-class batches G was trained on, and pushed single-class samples towards other classes.
        """
        device = next(self.G.parameters()).device
        if labels is None:
            labels = torch.arange(n) % self.num_classes
        labels = torch.as_tensor(labels).expand(n) if torch.as_tensor(labels).ndim == 0 else torch.as_tensor(labels)
        if len(labels) != n or labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f"labels must be {n} classes in 0..{self.num_classes - 1}")
        flag = self.G.training
        self.G.eval()
        try:
            return self.generate(labels.long().to(device))
        finally:
            self.G.train(flag)


class FixedLabel(nn.Module):
    """``z [N, d]`` -> ``G(z, label)``: a conditional generator seen as an unconditional one (for latent tools)."""

    def __init__(self, generator: ConditionalGenerator, label: int) -> None:
        super().__init__()
        self.generator, self.label = generator, label

    def forward(self, z: Tensor) -> Tensor:
        return self.generator(z, torch.full((len(z),), self.label, dtype=torch.long, device=z.device))


def build_game(data: Any, pack: int = 1, loss: str = "ns", **opts: Any) -> ConditionalGAN:
    """``--model cdcgan`` on labelled image data (``--data-opt labels=true``); ``opts``: ConditionalConfig fields."""
    from unsup.data.images import LabelledSampler
    from unsup.gan.dcgan import config_from_options

    if not isinstance(data, LabelledSampler):
        raise ValueError("--model cdcgan needs labelled images: add --data-opt labels=true (mnist or digits)")
    if pack != 1:
        raise ValueError(f"--model cdcgan does not pack; got --pack {pack}")
    c, h, _ = data.shape
    fixed = {"num_classes": data.num_classes, "channels": c, "size": h, "loss": loss}
    return ConditionalGAN(config_from_options(ConditionalConfig, fixed, opts))
