"""GAN-inversion restoration: with a trained generator fixed, search its latent space, ``min_z l(G_w(z))``.

Several restarts run side by side as one batch (Adam is element-wise, so they stay independent); the learning rate
warms up linearly and ramps down with a cosine, and optional latent noise that decays to zero helps the search
leave poor basins early (the schedule of Karras et al.'s StyleGAN2 projector).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from unsup.restore.images import to_numpy
from unsup.restore.problem import Problem


@dataclass(frozen=True)
class InvertConfig:
    """Search settings; ramps and the noise schedule are fractions of ``iters``."""

    restarts: int = 8
    iters: int = 500
    lr: float = 0.1
    ramp_up: float = 0.05  # linear warm-up of the learning rate
    ramp_down: float = 0.25  # cosine ramp-down to zero at the end
    noise: float = 0.0  # std of the latent noise at the start, relative to N(0, I) latents
    noise_ramp: float = 0.75  # the noise decays as (1 - t / noise_ramp)^2 and is gone after this fraction

    def __post_init__(self) -> None:
        if self.restarts < 1 or self.iters < 1:
            raise ValueError("restarts and iters must be >= 1")
        if not (0 < self.ramp_up <= 1 and 0 < self.ramp_down <= 1 and 0 < self.noise_ramp <= 1):
            raise ValueError("ramp_up, ramp_down and noise_ramp must be in (0, 1]")
        if self.lr <= 0 or self.noise < 0:
            raise ValueError("lr must be > 0 and noise >= 0")

    def schedule(self, t: float) -> tuple[float, float]:
        """(learning rate, latent-noise std) at progress ``t`` in [0, 1]."""
        down = 0.5 - 0.5 * math.cos(math.pi * min(1.0, (1 - t) / self.ramp_down))
        lr = self.lr * down * min(1.0, t / self.ramp_up)
        return lr, self.noise * max(0.0, 1 - t / self.noise_ramp) ** 2


@dataclass
class InvertResult:
    """Best restart: image (H, W, C) in [0, 1], latent ``z``, data loss per restart and the loss trace of the best."""

    image: np.ndarray
    z: torch.Tensor
    loss: float
    restart_losses: list[float]
    history: list[tuple[int, float]]
    seconds: float

    @property
    def psnr_observed(self) -> float:
        """Reconstruction error as PSNR (dB) over the observed (masked/down-sampled) pixels."""
        return -10 * math.log10(max(self.loss, 1e-12))


def _search(
    render: Callable[[torch.Tensor], torch.Tensor],
    problem: Problem,
    z: torch.Tensor,
    opt: torch.optim.Optimizer,
    config: InvertConfig,
    progress: bool,
) -> list[tuple[int, float]]:
    """Adam on the latents ``z`` (restarts, *latent_shape) under ``config``'s learning-rate and latent-noise
    schedule; returns ``(iteration, lowest data loss over the restarts)`` for every step."""
    history = []
    for i in tqdm(range(config.iters), desc="GAN inversion", disable=not progress, leave=False):
        lr, noise = config.schedule(i / config.iters)
        for group in opt.param_groups:
            group["lr"] = lr
        losses = problem.loss(render(z + noise * torch.randn_like(z)))
        # gradients for z only: the generator's weights stay out of the backward pass
        (z.grad,) = torch.autograd.grad(losses.sum(), [z])
        opt.step()
        history.append((i, float(losses.detach().min())))
    return history


def invert(
    generator: nn.Module,
    problem: Problem,
    latent_shape: tuple[int, ...],
    config: InvertConfig = InvertConfig(),
    *,
    output_range: tuple[float, float] = (-1.0, 1.0),
    seed: int = 0,
    progress: bool = True,
) -> InvertResult:
    """Find ``z`` (``latent_shape`` per sample, N(0, I) prior) with ``G(z)`` explaining ``problem``'s observation.

    ``generator`` maps (B, *latent_shape) to (B, C, H, W) images in ``output_range`` (tanh GANs: (-1, 1)); they
    are mapped to [0, 1] before the data term. Only ``z`` is optimised; the generator is run in eval mode.
    """
    lo, hi = output_range
    device = next(generator.parameters()).device
    problem = problem.to(device)
    z = torch.randn(config.restarts, *latent_shape, generator=torch.Generator().manual_seed(seed)).to(device)
    z.requires_grad_(True)
    opt = torch.optim.Adam([z], lr=config.lr, betas=(0.9, 0.999))
    was_training = generator.training
    generator.eval()

    def render(latent: torch.Tensor) -> torch.Tensor:
        x = (generator(latent) - lo) / (hi - lo)
        if x.shape[1:] != (problem.channels, *problem.out_size):
            raise ValueError(
                f"generator makes {tuple(x.shape[1:])} images but the problem needs "
                f"{(problem.channels, *problem.out_size)}"
            )
        return x

    t0 = time.perf_counter()
    try:
        history = _search(render, problem, z, opt, config, progress)
        with torch.no_grad():
            final = problem.loss(render(z))
            best = int(final.argmin())
            image = to_numpy(render(z[best : best + 1]).clamp(0, 1))
    finally:
        generator.train(was_training)
    return InvertResult(
        image, z[best].detach().cpu(), float(final[best]), final.tolist(), history, time.perf_counter() - t0
    )
