import dataclasses

import pytest
import torch
from torch import nn

from unsup.translate.cyclegan import CycleGAN, CycleGANConfig
from unsup.translate.data import Translation
from unsup.translate.losses import cycle_loss, identity_loss, semantic_loss
from unsup.translate.paired import PairedConfig, PairedTranslator
from unsup.translate.semantic import DomainClassifiers

TINY = CycleGANConfig(ch_a=1, ch_b=1, ngf=4, n_blocks=1, ndf=4, n_layers=2, pool_size=4)


def test_cycle_and_identity_loss_zero_for_identity_generators():
    model = CycleGAN(TINY)
    model.G_AB, model.G_BA = nn.Identity(), nn.Identity()
    a, b = torch.rand(4, 1, 16, 16), torch.rand(4, 1, 16, 16)
    assert cycle_loss(a, model.G_BA(model.G_AB(a))) == 0
    assert identity_loss(b, model.G_AB(b)) == 0
    assert cycle_loss(a, a.flip(-1)) > 0


def test_cycle_gan_step_trains_generators_and_discriminators():
    model = CycleGAN(TINY)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    terms = model.train_step(torch.rand(2, 1, 16, 16) * 2 - 1, torch.rand(2, 1, 16, 16) * 2 - 1)
    assert set(terms) == {"G_adv", "cycle", "identity", "D"}
    changed = {k.split(".")[0] for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {"G_AB", "G_BA", "D_A", "D_B"}
    assert all(p.requires_grad for p in model.parameters())


def test_identity_loss_needs_matching_channels():
    with pytest.raises(ValueError, match="lambda_identity"):
        CycleGAN(dataclasses.replace(TINY, ch_b=3))


def test_regression_has_no_discriminator_and_fits_a_fixed_map():
    torch.manual_seed(0)
    cfg = PairedConfig(ch_a=1, ch_b=1, generator="resnet", ngf=4, n_blocks=1, n_down=1, gan_loss=None, lr=2e-3)
    model = PairedTranslator(cfg)
    assert model.D is None and len(model.optimizers) == 1
    a = torch.rand(8, 1, 16, 16) * 2 - 1
    b = -a  # invert contrast
    first = model.train_step(a, b)["recon"]
    for _ in range(60):
        last = model.train_step(a, b)["recon"]
    assert last < 0.5 * first


def test_pix2pix_step_updates_conditional_discriminator():
    cfg = PairedConfig(ch_a=1, ch_b=3, ngf=4, n_down=4, ndf=4, n_layers=2)
    model = PairedTranslator(cfg)
    assert model.D.net[0].in_channels == 4  # D sees input and output together
    d_before = [p.clone() for p in model.D.parameters()]
    terms = model.train_step(torch.rand(2, 1, 32, 32), torch.rand(2, 3, 32, 32))
    assert set(terms) == {"recon", "G_adv", "D"}
    assert any(not torch.equal(p, q) for p, q in zip(model.D.parameters(), d_before, strict=True))
    with pytest.raises(ValueError, match="AtoB"):
        model.translate(torch.rand(1, 3, 32, 32), "BtoA")


def test_unpaired_batches_repeat_per_epoch_and_cover_a():
    a, b = torch.arange(10.0).view(10, 1, 1, 1), torch.arange(4.0).view(4, 1, 1, 1) + 100
    data = Translation(a.expand(10, 1, 4, 4), b.expand(4, 1, 4, 4), paired=False, crop=4, flip=False)
    first = list(data.batches(epoch=3, batch_size=2, seed=0))
    again = list(data.batches(epoch=3, batch_size=2, seed=0))
    assert all(torch.equal(x, y) for p, q in zip(first, again, strict=True) for x, y in zip(p, q, strict=True))
    seen = torch.cat([x for x, _ in first])[:, 0, 0, 0]
    assert sorted(seen.tolist()) == list(range(10))
    assert not torch.equal(first[0][0], next(data.batches(epoch=4, batch_size=2, seed=0))[0])


class _MeanSign(nn.Module):
    """Two-class 'classifier': class 0 for images brighter than mid-grey, class 1 for darker ones."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(10.0))

    def forward(self, x):
        m = x.mean(dim=(1, 2, 3))
        return torch.stack([m, -m], 1) * self.scale


def test_semantic_loss_is_low_when_the_class_is_kept_and_reaches_only_the_translation():
    f = _MeanSign().requires_grad_(False)
    gen = torch.Generator().manual_seed(0)
    src = torch.rand(6, 1, 8, 8, generator=gen) * 0.2 + torch.tensor([0.4, 0.4, 0.4, -0.6, -0.6, -0.6]).view(6, 1, 1, 1)
    kept = src.clone().requires_grad_(True)
    flipped = (-src).requires_grad_(True)
    low, high = semantic_loss(f, f, src, kept), semantic_loss(f, f, src, flipped)
    assert low < 0.01 and high > 5
    high.backward()
    assert flipped.grad.abs().sum() > 0 and f.scale.grad is None


class _NegMeanSign(_MeanSign):
    """A domain where dark images are class 0: the reverse of :class:`_MeanSign`."""

    def forward(self, x):
        return super().forward(-x)


def test_semantic_loss_labels_with_the_source_reader_and_judges_with_the_target_reader():
    f_src, f_dst = _MeanSign().requires_grad_(False), _NegMeanSign().requires_grad_(False)
    src = torch.full((4, 1, 8, 8), 0.5)  # class 0 to the source reader
    assert semantic_loss(f_src, f_dst, src, -src) < 0.01  # the target domain draws class 0 dark
    assert semantic_loss(f_src, f_dst, src, src.clone()) > 5  # the same pixels are class 1 over there


def test_per_domain_readers_teach_the_generators_each_domain_s_way_of_showing_the_class():
    torch.manual_seed(0)
    cfg = dataclasses.replace(TINY, lambda_cycle=0.0, lambda_identity=0.0, lambda_semantic=10.0)
    model = CycleGAN(cfg, classifier=DomainClassifiers(_MeanSign(), _NegMeanSign()))
    assert isinstance(model.readers()[1], _NegMeanSign)
    a = torch.rand(8, 1, 16, 16) * 2 - 1
    a[:4] = a[:4] * 0.5 + 0.5  # bright: class 0 in A
    for _ in range(40):
        model.train_step(a, torch.rand(8, 1, 16, 16) * 2 - 1)
    with torch.no_grad():
        fake = model.G_AB(a).mean(dim=(1, 2, 3))
    assert fake[:4].mean() < fake[4:].mean()  # A's bright class is drawn darker in B, B's reader sees class 0


def test_semantic_term_needs_a_classifier_and_leaves_it_frozen_in_eval_mode():
    cfg = dataclasses.replace(TINY, lambda_semantic=1.0)
    with pytest.raises(ValueError, match="lambda_semantic"):
        CycleGAN(cfg)
    with pytest.raises(ValueError, match="lambda_semantic"):
        CycleGAN(TINY, classifier=_MeanSign())
    f = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.LazyLinear(3))
    f(torch.rand(2, 1, 16, 16))  # materialise the lazy layer
    model = CycleGAN(cfg, classifier=f).train()
    assert not f.training and all(not p.requires_grad for p in f.parameters())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    terms = model.train_step(torch.rand(2, 1, 16, 16) * 2 - 1, torch.rand(2, 1, 16, 16) * 2 - 1)
    assert set(terms) == {"G_adv", "cycle", "identity", "semantic", "D"} and terms["semantic"] > 0
    changed = {k.split(".")[0] for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {"G_AB", "G_BA", "D_A", "D_B"}  # BN running stats included: the classifier never trains


def test_semantic_term_teaches_the_generators_to_keep_the_class():
    torch.manual_seed(0)
    cfg = dataclasses.replace(TINY, lambda_cycle=0.0, lambda_identity=0.0, lambda_semantic=10.0)
    model = CycleGAN(cfg, classifier=_MeanSign())
    a = torch.rand(8, 1, 16, 16) * 2 - 1
    a[:4] = a[:4] * 0.5 + 0.5  # half bright, half dark
    b = -a
    first = model.train_step(a, b)["semantic"]
    for _ in range(30):
        last = model.train_step(a, b)["semantic"]
    assert last < 0.5 * first


class _CentrePixel(nn.Module):
    """Two-class logits read off one pixel: a classifier that only a pixel-exact image satisfies."""

    def forward(self, x):
        v = x[:, 0, 14, 14] * 10
        return torch.stack([v, -v], 1)


def test_jittered_semantic_loss_is_not_fooled_by_a_single_pixel():
    torch.manual_seed(0)
    f = _CentrePixel()
    src = torch.full((16, 1, 28, 28), -1.0)
    src[:, 0, 14, 14] = 1.0  # class 0 for f, from one pixel a small shift moves away
    dot = src.clone().requires_grad_(True)
    blob = torch.full((16, 1, 28, 28), -1.0)
    blob[:, 0, 8:21, 8:21] = 1.0  # the same class in a form that survives the jitter
    assert semantic_loss(f, f, src, dot) < 1e-3
    jittered_dot = semantic_loss(f, f, src, dot, jitter=True)
    jittered_blob = semantic_loss(f, f, src, blob, jitter=True)
    assert jittered_dot > 1.0 and jittered_blob < 1e-3
    jittered_dot.backward()
    assert dot.grad.abs().sum() > 0
