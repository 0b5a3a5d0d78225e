"""InfoGAN and InfoGAN-CR (Lin, Thekumparampil, Fanti, Oh, ICML 2020) for 64×64 one-channel images.

The generator sees ``z = (c, s)``: ``k`` codes ``c ~ U[-1, 1]^k`` that should each control one factor and nuisance
noise ``s ~ U[-1, 1]^m``. The lecture's three wishes become three losses:

1. ``G(z)`` looks like the data — the adversarial loss of a spectrally normalised discriminator D;
2. the codes are predictable from the image — a head Q on D's trunk regresses them, ``‖ĉ(G(z)) − c‖²`` (weight
   ``info_weight``), minimised by both Q and G;
3. each code makes a *distinct* change (InfoGAN-CR only) — a network H sees two images whose codes agree in one
   coordinate ``i`` and differ by at least ``gap`` in all the others (noise shared) and names ``i`` with a
   cross-entropy loss, also minimised by G with weight ``cr_weight`` (α).

α is switched on after ``cr_start`` steps of plain InfoGAN, H is re-initialised then and whenever the gap shrinks
(the progressive gap schedule ``gaps``), and each training step makes 1 H, 1 D/Q and 2 G updates as in the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from unsup.gan import losses

if TYPE_CHECKING:
    import numpy as np

    from unsup.data.sprites import FactorImages
    from unsup.metrics.disentangle import Probe


@dataclass
class InfoGANConfig:
    """Sizes and weights of InfoGAN / InfoGAN-CR; ``cr_weight = 0`` is plain InfoGAN."""

    codes: int = 2  # k: coordinates of c ~ U[-1, 1]^k
    # m: nuisance coordinates s ~ U[-1, 1]^m, none by default: on a set whose every factor has a code (circular
    # sprites) a nuisance coordinate only gives G a direction to hide factor variation in (benchmarks: 8 of 8
    # seeds ahead of InfoGAN without it, 3 of 6 with one). The reference uses 5 on dSprites.
    noise: int = 0
    width: int = 16  # channels of the first conv layer; doubled twice on the way to 4×4
    info_weight: float = 2.0  # λ on ‖ĉ − c‖² for both Q and G
    cr_weight: float = 0.0  # α on H's cross-entropy in G's loss (0: InfoGAN)
    cr_start: int = 0  # training steps of plain InfoGAN before α switches on (H re-initialised then)
    gaps: tuple[float, ...] = (0.0,)  # progressive gap schedule: one value per stage after cr_start
    gap_every: int = 1  # steps per gap stage (the last stage lasts to the end)


def _conv_trunk(in_channels: int, width: int) -> nn.Sequential:
    """64×64 images -> ``(n, 256)`` features: four stride-2 convolutions, spectral norm on every layer."""
    w = width
    chans = [in_channels, w, w, 2 * w, 4 * w]
    layers: list[nn.Module] = []
    for a, b in zip(chans[:-1], chans[1:], strict=True):
        layers += [spectral_norm(nn.Conv2d(a, b, 4, 2, 1)), nn.LeakyReLU(0.2)]
    layers += [nn.Flatten(), spectral_norm(nn.Linear(4 * w * 16, 256)), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """``(n, codes + noise)`` latent -> ``(n, 1, 64, 64)`` images in (-1, 1)."""

    def __init__(self, latent_dim: int, width: int) -> None:
        super().__init__()
        w = width
        # two dense layers: placing a sprite is a non-linear function of the codes (e.g. polar -> pixel position)
        self.fc = nn.Sequential(
            nn.Linear(latent_dim, 256), nn.BatchNorm1d(256), nn.ReLU(),
            nn.Linear(256, 4 * w * 16), nn.BatchNorm1d(4 * w * 16), nn.ReLU(),
        )  # fmt: skip
        chans = [4 * w, 2 * w, w, w // 2]  # thin at 32×32, where a conv costs the most
        ups: list[nn.Module] = []
        for a, b in zip(chans[:-1], chans[1:], strict=True):
            ups += [nn.ConvTranspose2d(a, b, 4, 2, 1), nn.BatchNorm2d(b), nn.ReLU()]
        self.up = nn.Sequential(*ups, nn.ConvTranspose2d(w // 2, 1, 4, 2, 1))
        self.width = w

    def forward(self, z: Tensor) -> Tensor:
        return torch.tanh(self.up(self.fc(z).view(len(z), 4 * self.width, 4, 4)))


class Discriminator(nn.Module):
    """D and Q sharing one trunk: ``(n, 1, 64, 64)`` -> real/fake logits ``(n,)`` and code estimates ``(n, k)``."""

    def __init__(self, codes: int, width: int) -> None:
        super().__init__()
        self.trunk = _conv_trunk(1, width)
        self.d = spectral_norm(nn.Linear(256, 1))
        self.q = nn.Sequential(nn.Linear(256, 128), nn.LeakyReLU(0.2), nn.Linear(128, codes))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        h = self.trunk(x)
        return self.d(h).squeeze(1), self.q(h)


class ContrastiveHead(nn.Module):
    """H: two images ``(n, 1, 64, 64)`` -> logits ``(n, k)`` naming the code coordinate the pair shares."""

    def __init__(self, codes: int, width: int) -> None:
        super().__init__()
        self.net = nn.Sequential(_conv_trunk(2, width), nn.Linear(256, codes))

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return self.net(torch.cat([x1, x2], dim=1))


def cr_pairs(
    n: int, codes: int, noise: int, gap: float, generator: torch.Generator | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Latent pairs for the contrastive regulariser.

    Returns ``z1, z2`` ``(n, codes + noise)`` and labels ``i`` ``(n,)``: row r shares code ``i[r]`` exactly, every
    other code differs by at least ``gap`` (both values stay in [-1, 1]) and the nuisance noise is shared.
    """
    if not 0.0 <= gap < 2.0:
        raise ValueError(f"gap must lie in [0, 2); got {gap}")
    if codes < 2:
        raise ValueError(f"codes must be >= 2 for the contrastive regulariser; got {codes}")
    half = gap / 2
    u = lambda *s: torch.rand(*s, generator=generator)  # noqa: E731
    # Draw both values inside [-1 + gap/2, 1 - gap/2] and push them apart by gap/2 each.
    a, b = -1 + half + (2 - gap) * u(n, codes), -1 + half + (2 - gap) * u(n, codes)
    sign = torch.where(a > b, 1.0, -1.0)
    a, b = a + sign * half, b - sign * half
    label = torch.randint(codes, (n,), generator=generator)
    shared = 2 * u(n) - 1
    rows = torch.arange(n)
    a[rows, label] = shared
    b[rows, label] = shared
    s = 2 * u(n, noise) - 1
    return torch.cat([a, s], 1), torch.cat([b, s], 1), label


class InfoGAN(nn.Module):
    """The InfoGAN(-CR) game for :mod:`unsup.gan.trainer`: D/Q is the D player, G the G player, H the aux player.

    Images are ``(n, 1, 64, 64)`` in [-1, 1]. Each iteration: 1 H update, 1 D/Q update, ``g_steps = 2`` G updates.
    """

    g_steps = 2  # the reference's 1 H : 1 D/Q : 2 G ratio

    def __init__(self, cfg: InfoGANConfig, loss: str = "ns") -> None:
        super().__init__()
        if cfg.codes < 1 or cfg.noise < 0 or cfg.width < 2:
            raise ValueError(f"codes >= 1, noise >= 0 and width >= 2 needed; got {cfg}")
        if cfg.cr_weight < 0 or cfg.info_weight < 0:
            raise ValueError(f"info_weight and cr_weight must be >= 0; got {cfg.info_weight}, {cfg.cr_weight}")
        if not cfg.gaps or cfg.gap_every < 1 or cfg.cr_start < 0:
            raise ValueError(f"gaps must be non-empty, gap_every >= 1, cr_start >= 0; got {cfg}")
        if cfg.cr_weight > 0 and cfg.codes < 2:
            raise ValueError(f"the contrastive regulariser needs codes >= 2; got {cfg.codes}")
        self.cfg = cfg
        self.loss = losses.check_kind(loss)
        self.latent_dim = cfg.codes + cfg.noise
        self.G = Generator(self.latent_dim, cfg.width)
        self.D = Discriminator(cfg.codes, cfg.width)
        self.H = ContrastiveHead(cfg.codes, cfg.width) if cfg.cr_weight > 0 else None
        # the schedule stage lives in the state dict: a resumed run re-initialises H exactly when an unbroken run would
        self.register_buffer("_stage", torch.full((), -1, dtype=torch.long))

    # --- schedules: α switched on at cr_start, then one gap per stage of gap_every steps --------------------------
    def stage_at(self, step: int) -> int:
        """Index into ``gaps`` at ``step``; −1 while α is off (plain InfoGAN)."""
        if self.H is None or step < self.cfg.cr_start:
            return -1
        return min((step - self.cfg.cr_start) // self.cfg.gap_every, len(self.cfg.gaps) - 1)

    def alpha(self) -> float:
        return self.cfg.cr_weight if self._stage >= 0 else 0.0

    def gap(self) -> float:
        return self.cfg.gaps[max(int(self._stage), 0)]

    def begin_step(self, step: int) -> bool:
        """Move the schedules to ``step``; re-initialise H and return True when α switches on or the gap changes."""
        stage = self.stage_at(step)
        if stage == int(self._stage):
            return False
        self._stage.fill_(stage)
        # a fresh H: one trained on an easier gap would be over-confident. Copied from a new instance because
        # reset_parameters() leaves spectral norm's stored weights (and power-iteration vectors) untouched.
        fresh = ContrastiveHead(self.cfg.codes, self.cfg.width).to(next(self.H.parameters()).device)
        self.H.load_state_dict(fresh.state_dict())
        return True

    # --- sampling --------------------------------------------------------------------------------------------
    def latent(self, n: int) -> Tensor:
        """``(n, codes + noise)`` latents, every coordinate ~ U[-1, 1]."""
        return 2 * torch.rand(n, self.latent_dim, device=self._device) - 1

    @torch.no_grad()
    def sample(self, n: int) -> Tensor:
        """``n`` images ``(n, 1, 64, 64)`` in [-1, 1] from fresh latents."""
        return self.generate(self.latent(n))

    @torch.no_grad()
    def generate(self, z: Tensor) -> Tensor:
        """Images in [-1, 1] for given latents ``(n, codes + noise)``; G in eval mode (one image per code)."""
        was = self.G.training
        self.G.eval()
        try:
            return self.G(z.to(self._device))
        finally:
            self.G.train(was)

    @torch.no_grad()
    def encode(self, x: Tensor) -> Tensor:
        """Q's code estimates ``(n, codes)`` for images ``(n, 1, 64, 64)`` in [-1, 1]."""
        return self.D(x.to(self._device))[1]

    @property
    def _device(self) -> torch.device:
        return next(self.G.parameters()).device

    # --- losses (the trainer's protocol) ---------------------------------------------------------------------
    def _info(self, q: Tensor, z: Tensor) -> Tensor:
        return ((q - z[:, : self.cfg.codes]) ** 2).sum(1).mean()

    def d_loss(self, real: Tensor) -> tuple[Tensor, dict]:
        """D's adversarial loss plus λ‖ĉ − c‖² for Q, on ``real`` and as many generated images."""
        z = self.latent(len(real))
        with torch.no_grad():
            fake = self.G(z)
        (r, _), (f, q) = self.D(real), self.D(fake)
        adv, info = losses.d_loss(r, f, self.loss), self._info(q, z)
        return adv + self.cfg.info_weight * info, {"d_loss": adv.item(), "q_loss": info.item()}

    def g_loss(self, real: Tensor) -> tuple[Tensor, dict]:
        """G's adversarial loss + λ‖ĉ − c‖² + α·CE(H(G(z1), G(z2)), i) (``len(real) // 2`` pairs)."""
        z = self.latent(len(real))
        f, q = self.D(self.G(z))
        adv, info = losses.g_loss(f, self.loss), self._info(q, z)
        loss, logs = adv + self.cfg.info_weight * info, {"g_loss": adv.item()}
        if self.alpha() > 0:
            cr, _ = self._cr(len(real) // 2)
            loss = loss + self.alpha() * cr
            logs["g_cr_loss"] = cr.item()
        return loss, logs

    def aux_loss(self, real: Tensor) -> tuple[Tensor, dict]:
        """H's cross-entropy on ``len(real) // 2`` generated pairs (G fixed); a constant while α is off."""
        if self.alpha() == 0:
            return torch.zeros((), device=self._device), {}
        with torch.no_grad():
            z1, z2, i = cr_pairs(len(real) // 2, self.cfg.codes, self.cfg.noise, self.gap())
            x1, x2 = self.G(z1.to(self._device)), self.G(z2.to(self._device))
        logits = self.H(x1, x2)
        i = i.to(self._device)
        loss = F.cross_entropy(logits, i)
        acc = (logits.argmax(1) == i).float().mean()
        return loss, {"cr_loss": loss.item(), "cr_acc": acc.item(), "gap": self.gap()}

    def _cr(self, n: int) -> tuple[Tensor, Tensor]:
        z1, z2, i = cr_pairs(n, self.cfg.codes, self.cfg.noise, self.gap())
        logits = self.H(self.G(z1.to(self._device)), self.G(z2.to(self._device)))
        return F.cross_entropy(logits, i.to(self._device)), logits

    def d_params(self) -> list[nn.Parameter]:
        return list(self.D.parameters())

    def g_params(self) -> list[nn.Parameter]:
        return list(self.G.parameters())

    def aux_params(self) -> list[nn.Parameter]:
        return [] if self.H is None else list(self.H.parameters())


def _config(opts: dict, **defaults) -> InfoGANConfig:
    kw = {**defaults, **opts}
    unknown = set(kw) - set(InfoGANConfig.__dataclass_fields__)
    if unknown:
        raise ValueError(
            f"unknown InfoGAN option(s) {sorted(unknown)}; known: {sorted(InfoGANConfig.__dataclass_fields__)}"
        )
    if "gaps" in kw:
        kw["gaps"] = tuple(kw["gaps"]) if isinstance(kw["gaps"], (list, tuple)) else (float(kw["gaps"]),)
    return InfoGANConfig(**kw)


def _check_data(data, pack: int) -> None:
    if pack != 1:
        raise ValueError(f"InfoGAN does not pack its discriminator; pack must be 1, got {pack}")
    if getattr(data, "shape", None) != (1, 64, 64):
        raise ValueError(
            f"InfoGAN needs 1×64×64 images (--data sprites or dsprites); got shape {getattr(data, 'shape', None)}"
        )


def build_infogan(data: Any, pack: int = 1, loss: str = "ns", **opts: Any) -> InfoGAN:
    """InfoGAN (``--model infogan``): options are :class:`InfoGANConfig` fields; α is fixed at 0."""
    _check_data(data, pack)
    if opts.get("cr_weight", 0):
        raise ValueError("infogan has no contrastive regulariser; use --model infogan-cr for cr_weight > 0")
    return InfoGAN(_config(opts), loss)


def build_infogan_cr(data: Any, pack: int = 1, loss: str = "ns", **opts: Any) -> InfoGAN:
    """InfoGAN-CR (``--model infogan-cr``) with the recipe of ``CR_DEFAULTS`` unless overridden."""
    _check_data(data, pack)
    return InfoGAN(_config(opts, **CR_DEFAULTS), loss)


# The circular-sprites recipe of benchmarks/infogan_cr.py (with the InfoGANConfig defaults for the rest).
CR_DEFAULTS = dict(cr_weight=2.0, cr_start=800, gaps=(1.5, 1.0, 0.0), gap_every=300)


def q_encoder(game: InfoGAN, chunk: int = 256) -> Callable[[np.ndarray | Tensor], np.ndarray]:
    """Q as a metric encoder: ``{0, 1}`` images ``(n, 1, 64, 64)`` (as the sprite sets render them) -> ``(n, k)``."""

    def encode(x: np.ndarray | Tensor) -> np.ndarray:
        x = torch.as_tensor(x, dtype=torch.float32) * 2 - 1
        return torch.cat([game.encode(x[i : i + chunk]).cpu() for i in range(0, len(x), chunk)]).numpy()

    return encode


def centrality_pair(
    game: InfoGAN,
) -> tuple[Callable[[np.ndarray], Tensor], Callable[[np.ndarray | Tensor], np.ndarray]]:
    """``(generate, encode)`` of a game as :func:`~unsup.metrics.disentangle.model_centrality` takes them: latents
    ``(n, codes + noise)`` -> images on the game's device, images in [-1, 1] -> Q's codes ``(n, codes)`` (NumPy)."""
    return (lambda z: game.generate(torch.as_tensor(z)), lambda x: game.encode(torch.as_tensor(x)).cpu().numpy())


def q_probe(game: InfoGAN, factors: FactorImages) -> Probe:
    """A :class:`~unsup.metrics.disentangle.Probe` of Q's codes on a factor-image set; images are drawn on the
    game's device (``factors.render_on``), so a GPU run is not held up by rendering on one CPU core."""
    from unsup.metrics.disentangle import dataset_probe

    return dataset_probe(factors, q_encoder(game), render=lambda f: factors.render_on(f, game._device))
