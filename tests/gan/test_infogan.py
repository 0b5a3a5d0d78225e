import math

import pytest
import torch

from unsup.data.sprites import CircularSprites, TrainingImages, dsprites, sprites
from unsup.gan.infogan import InfoGAN, InfoGANConfig, build_infogan, build_infogan_cr, cr_pairs
from unsup.gan.trainer import TrainConfig, Trainer
from unsup.gan.traversal import code_traversal_grid

SMALL = dict(width=4, noise=1)


@pytest.mark.parametrize("gap", [0.0, 0.7, 1.9])
def test_cr_pairs_share_exactly_one_code_and_respect_the_gap(gap):
    g = torch.Generator().manual_seed(0)
    z1, z2, i = cr_pairs(4000, codes=3, noise=2, gap=gap, generator=g)
    assert z1.shape == z2.shape == (4000, 5) and i.shape == (4000,)
    assert z1.abs().max() <= 1 and z2.abs().max() <= 1
    assert set(i.tolist()) == {0, 1, 2}
    diff = (z1[:, :3] - z2[:, :3]).abs()
    shared = diff[torch.arange(4000), i]
    assert (shared == 0).all()
    others = diff.clone()
    others[torch.arange(4000), i] = float("inf")
    assert (others >= gap - 1e-6).all() and (others < float("inf")).sum() == 2 * 4000
    if gap == 0.0:
        assert (others[others < float("inf")] > 0).all()  # differ almost surely, not copied
    assert torch.equal(z1[:, 3:], z2[:, 3:])  # nuisance noise shared


def test_cr_pairs_without_nuisance_noise_are_codes_only():
    z1, z2, i = cr_pairs(50, codes=2, noise=0, gap=1.0, generator=torch.Generator().manual_seed(0))
    assert z1.shape == z2.shape == (50, 2)
    rows = torch.arange(50)
    assert (z1[rows, i] == z2[rows, i]).all() and ((z1 - z2).abs().max(1).values >= 1.0 - 1e-6).all()


def test_cr_pairs_bad_gap():
    with pytest.raises(ValueError, match="gap"):
        cr_pairs(4, 2, 0, gap=2.0)
    with pytest.raises(ValueError, match="codes"):
        cr_pairs(4, 1, 0, gap=0.0)


def test_schedule_switches_alpha_on_and_reinitialises_h_at_each_gap():
    game = InfoGAN(InfoGANConfig(**SMALL, cr_weight=2.0, cr_start=5, gaps=(1.5, 0.5, 0.0), gap_every=3))
    changed = []
    for step in range(20):
        before = [p.clone() for p in game.H.parameters()]
        if game.begin_step(step):
            # every tensor re-drawn, spectrally normalised conv weights included
            assert all(not torch.equal(a, b) for a, b in zip(before, game.H.parameters(), strict=True))
            changed.append(step)
        assert game.alpha() == (2.0 if step >= 5 else 0.0)
    assert changed == [5, 8, 11]
    assert game.gap() == 0.0
    plain = InfoGAN(InfoGANConfig(**SMALL))
    assert plain.H is None and not any(plain.begin_step(s) for s in range(10)) and plain.aux_params() == []


def _fixed_pairs(game, n=64):
    g = torch.Generator().manual_seed(123)
    z1, z2, i = cr_pairs(n, game.cfg.codes, game.cfg.noise, game.gap(), generator=g)
    return z1, z2, i


def _held_out_losses(game):
    game.eval()
    with torch.no_grad():
        z = 2 * torch.rand(256, game.latent_dim, generator=torch.Generator().manual_seed(7)) - 1
        q = ((game.D(game.G(z))[1] - z[:, : game.cfg.codes]) ** 2).sum(1).mean().item()
        z1, z2, i = _fixed_pairs(game)
        cr = torch.nn.functional.cross_entropy(game.H(game.G(z1), game.G(z2)), i).item()
    game.train()
    return q, cr


@pytest.mark.parametrize("noise", [0, 1])
def test_a_few_training_steps_reduce_the_q_and_cr_losses(noise):
    torch.manual_seed(0)
    kw = dict(width=8, noise=noise, cr_start=0, gaps=[1.9], cr_weight=5.0, info_weight=5.0)
    game = build_infogan_cr(sprites(), loss="ns", **kw)
    q0, cr0 = _held_out_losses(game)
    Trainer(game, sprites(), TrainConfig(steps=60, batch=16, lr_d=1e-3, lr_g=1e-3, progress=False)).fit()
    q1, cr1 = _held_out_losses(game)
    assert abs(cr0 - math.log(2)) < 0.1  # H starts at chance between 2 codes
    assert q1 < 0.3 * q0 and cr1 < 0.7 * cr0


def test_trainer_resume_restores_h_optimiser_and_schedule(tmp_path):
    def run(out, steps, resume=False):
        torch.manual_seed(1)
        game = InfoGAN(InfoGANConfig(**SMALL, cr_weight=1.0, cr_start=1, gaps=(1.0, 0.0), gap_every=2))
        cfg = TrainConfig(steps=steps, batch=4, out=str(out), ckpt_every=1, sample_every=100, progress=False, seed=3)
        Trainer(game, sprites(), cfg).fit(resume=resume)
        return game

    whole = run(tmp_path / "a", 5)
    run(tmp_path / "b", 3)
    resumed = run(tmp_path / "b", 5, resume=True)
    for (k, a), b in zip(whole.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.allclose(a.float(), b.float(), atol=1e-6), k
    ckpt = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=False)
    assert ckpt["opt_aux"] is not None and int(ckpt["game"]["_stage"]) == 1


def test_code_traversal_grid_moves_one_code_per_row():
    class Recorder:
        cfg = InfoGANConfig(codes=3, noise=2)

        def latent(self, n):
            return torch.full((n, 5), 0.25)

        def generate(self, z):
            self.z = z
            return z[:, :, None, None].expand(-1, -1, 2, 2)

    rec = Recorder()
    x = code_traversal_grid(rec, steps=7)
    assert x.shape == (21, 5, 2, 2)
    z = rec.z.reshape(3, 7, 5)
    for i in range(3):
        assert torch.allclose(z[i, :, i], torch.linspace(-1, 1, 7))
        rest = [j for j in range(5) if j != i]
        assert (z[i][:, rest] == 0.25).all()
    game = InfoGAN(InfoGANConfig(**SMALL))
    assert code_traversal_grid(game, steps=4).shape == (8, 1, 64, 64)
    with pytest.raises(ValueError, match="steps"):
        code_traversal_grid(game, steps=1)


def test_training_images_are_in_range_and_dsprites_is_lazy():
    torch.manual_seed(0)
    x = sprites().sample(32)
    assert x.shape == (32, 1, 64, 64) and set(x.unique().tolist()) == {-1.0, 1.0}
    d = dsprites()
    assert d._all is None and d.sample(8).shape == (8, 1, 64, 64)
    assert TrainingImages(CircularSprites())._all.shape == (1080, 1, 64, 64)


def test_builders_reject_bad_options():
    with pytest.raises(ValueError, match="pack"):
        build_infogan(sprites(), pack=2)
    with pytest.raises(ValueError, match="unknown InfoGAN option"):
        build_infogan_cr(sprites(), widht=3)
    with pytest.raises(ValueError, match="infogan-cr"):
        build_infogan(sprites(), cr_weight=1.0)
    with pytest.raises(ValueError, match="loss"):
        build_infogan(sprites(), loss="nope")
    with pytest.raises(ValueError, match="codes"):
        InfoGAN(InfoGANConfig(codes=1, cr_weight=1.0))
