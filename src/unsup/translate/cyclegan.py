"""CycleGAN (Zhu et al. 2017): ``G: A -> B`` and ``F: B -> A`` with discriminators ``D_B``, ``D_A``.

G minimises ``L_GAN(G, D_B) + L_GAN(F, D_A) + λ (‖F(G(a)) - a‖₁ + ‖G(F(b)) - b‖₁)
+ λ·λ_idt (‖G(b) - b‖₁ + ‖F(a) - a‖₁)``; each D sees real images and fakes drawn through a history pool.
With ``lambda_semantic > 0`` G also minimises CyCADA's ``λ_sem (CE(f_B(G(a)), f_A(a)) + CE(f_A(F(b)), f_B(b)))``
for frozen classifiers, one shared ``f`` trained on one domain's labels or one per domain
(see :func:`unsup.translate.losses.semantic_loss` and :mod:`unsup.translate.semantic`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from unsup.gan import losses
from unsup.translate.generators import build_generator
from unsup.translate.losses import cycle_loss, identity_loss, semantic_loss
from unsup.translate.patchgan import PatchDiscriminator
from unsup.translate.pool import HistoryPool
from unsup.translate.semantic import DomainClassifiers


@dataclass
class CycleGANConfig:
    """Defaults are the reference's: ResNet-9 generators, 70×70 PatchGAN, LSGAN, λ = 10, λ_idt = 0.5, pool 50."""

    ch_a: int = 3
    ch_b: int = 3
    generator: str = "resnet"
    ngf: int = 64
    n_blocks: int = 9
    n_down: int = 2
    ndf: int = 64
    n_layers: int = 3
    gan_loss: str = "ls"
    lambda_cycle: float = 10.0
    lambda_identity: float = 0.5
    lambda_semantic: float = 0.0  # 0: plain CycleGAN; > 0 needs a classifier (uses one domain's labels)
    semantic_jitter: bool = False  # f judges randomly jittered translations: G must not exploit f's pixel quirks
    pool_size: int = 50
    lr: float = 2e-4
    beta1: float = 0.5


def set_requires_grad(nets: list[nn.Module], flag: bool) -> None:
    """Freeze (``False``) or unfreeze networks: D needs no gradients while G is updated."""
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


def _two(net: nn.Module, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """``net(x), net(y)`` in one call: instance norm works per image, so this is exact, and one big batch runs
    faster than two small ones (fewer kernel launches, better use of the cores)."""
    out = net(torch.cat([x, y]))
    return out[: len(x)], out[len(x) :]


class CycleGAN(nn.Module):
    """Unpaired translation; :meth:`train_step` takes batches ``a [B, ch_a, H, W]`` and ``b [B, ch_b, H, W]``.

    ``classifier`` (needed iff ``cfg.lambda_semantic > 0``) maps images of either domain to class logits
    ``[B, n_classes]``, or is a :class:`DomainClassifiers` with one reader per domain; it is frozen, kept in eval
    mode, and saved with the networks.
    """

    directions = ("AtoB", "BtoA")

    def __init__(self, cfg: CycleGANConfig, seed: int = 0, classifier: nn.Module | None = None) -> None:
        super().__init__()
        losses.check_kind(cfg.gan_loss)
        if cfg.lambda_identity > 0 and cfg.ch_a != cfg.ch_b:
            raise ValueError(f"lambda_identity > 0 needs ch_a == ch_b; got {cfg.ch_a} and {cfg.ch_b}")
        if cfg.lambda_semantic < 0 or (cfg.lambda_semantic > 0) != (classifier is not None):
            raise ValueError(f"lambda_semantic must be >= 0, and > 0 exactly when a classifier is given; got "
                             f"{cfg.lambda_semantic} with classifier={type(classifier).__name__}")  # fmt: skip
        self.cfg = cfg
        self.classifier = classifier.eval().requires_grad_(False) if classifier is not None else None
        self.G_AB = build_generator(cfg.generator, cfg.ch_a, cfg.ch_b, cfg.ngf, cfg.n_blocks, cfg.n_down)
        self.G_BA = build_generator(cfg.generator, cfg.ch_b, cfg.ch_a, cfg.ngf, cfg.n_blocks, cfg.n_down)
        self.D_A = PatchDiscriminator(cfg.ch_a, cfg.ndf, cfg.n_layers)
        self.D_B = PatchDiscriminator(cfg.ch_b, cfg.ndf, cfg.n_layers)
        self.pool_a, self.pool_b = HistoryPool(cfg.pool_size, seed), HistoryPool(cfg.pool_size, seed + 1)
        betas = (cfg.beta1, 0.999)
        g_params = [*self.G_AB.parameters(), *self.G_BA.parameters()]
        self.opt_G = torch.optim.Adam(g_params, lr=cfg.lr, betas=betas)
        self.opt_D = torch.optim.Adam([*self.D_A.parameters(), *self.D_B.parameters()], lr=cfg.lr, betas=betas)
        self.optimizers = [self.opt_G, self.opt_D]
        self.multiple = self.G_AB.multiple

    def train(self, mode: bool = True) -> CycleGAN:
        """As ``nn.Module.train``, but the frozen classifier stays in eval mode (its batch norm and dropout)."""
        super().train(mode)
        if self.classifier is not None:
            self.classifier.eval()
        return self

    def readers(self) -> tuple[nn.Module, nn.Module]:
        """The semantic term's classifiers of domains A and B: a :class:`DomainClassifiers`' two, or one shared."""
        c = self.classifier
        return (c.a, c.b) if isinstance(c, DomainClassifiers) else (c, c)

    def translate(self, x: Tensor, direction: str = "AtoB") -> Tensor:
        """``G(x)`` for 'AtoB', ``F(x)`` for 'BtoA'."""
        if direction not in self.directions:
            raise ValueError(f"direction must be 'AtoB' or 'BtoA'; got {direction!r}")
        return self.G_AB(x) if direction == "AtoB" else self.G_BA(x)

    def visuals(self, a: Tensor, b: Tensor) -> list[tuple[str, Tensor]]:
        """Rows for a sample grid: inputs, translations and round trips (``ch_a == ch_b`` to share a grid)."""
        fake_b, fake_a = self.G_AB(a), self.G_BA(b)
        return [("A", a), ("G(A)", fake_b), ("F(G(A))", self.G_BA(fake_b)),
                ("B", b), ("F(B)", fake_a), ("G(F(B))", self.G_AB(fake_a))]  # fmt: skip

    def train_step(self, a: Tensor, b: Tensor) -> dict[str, float]:
        """One G update (both generators) then one D update (both discriminators); returns the loss terms."""
        cfg, kind = self.cfg, self.cfg.gan_loss
        use_idt = cfg.lambda_identity > 0
        fake_b, idt_b = _two(self.G_AB, a, b) if use_idt else (self.G_AB(a), None)
        fake_a, idt_a = _two(self.G_BA, b, a) if use_idt else (self.G_BA(b), None)
        rec_a, rec_b = self.G_BA(fake_b), self.G_AB(fake_a)

        set_requires_grad([self.D_A, self.D_B], False)
        adv = losses.g_loss(self.D_B(fake_b), kind) + losses.g_loss(self.D_A(fake_a), kind)
        cyc = cycle_loss(a, rec_a) + cycle_loss(b, rec_b)
        idt = identity_loss(b, idt_b) + identity_loss(a, idt_a) if use_idt else torch.zeros(())
        loss_g = adv + cfg.lambda_cycle * (cyc + cfg.lambda_identity * idt)
        terms = {}
        if self.classifier is not None:
            f_a, f_b = self.readers()
            jitter = cfg.semantic_jitter
            sem = semantic_loss(f_a, f_b, a, fake_b, jitter) + semantic_loss(f_b, f_a, b, fake_a, jitter)
            loss_g = loss_g + cfg.lambda_semantic * sem
            terms["semantic"] = sem.item() / 2
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()

        set_requires_grad([self.D_A, self.D_B], True)
        real_b, fake_b_logits = _two(self.D_B, b, self.pool_b.query(fake_b))
        real_a, fake_a_logits = _two(self.D_A, a, self.pool_a.query(fake_a))
        loss_d = losses.d_loss(real_b, fake_b_logits, kind) + losses.d_loss(real_a, fake_a_logits, kind)
        self.opt_D.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_D.step()
        return {"G_adv": adv.item(), "cycle": cyc.item() / 2, "identity": idt.item() / 2, **terms,
                "D": loss_d.item() / 2}  # fmt: skip

    def full_state(self) -> dict:
        """Networks, both optimizers and both history pools: everything a resumed run needs."""
        return {"nets": self.state_dict(), "opt_G": self.opt_G.state_dict(), "opt_D": self.opt_D.state_dict(),
                "pool_a": self.pool_a.state_dict(), "pool_b": self.pool_b.state_dict()}  # fmt: skip

    def load_full_state(self, state: dict) -> None:
        """Restore :meth:`full_state`."""
        device = next(self.parameters()).device
        self.load_state_dict(state["nets"])
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        self.pool_a.load_state_dict(state["pool_a"], device)
        self.pool_b.load_state_dict(state["pool_b"], device)
