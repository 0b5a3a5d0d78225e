"""Batched trials (unsup.repro.ensemble): each trial computes exactly what its own reference model would."""

import json
from pathlib import Path

import pytest
import torch

from unsup.data.toy import grid, ring
from unsup.gan import losses
from unsup.gan.mlp import build_game
from unsup.gan.pack import pack as pack_
from unsup.repro.ensemble import Ensemble, EnsembleTrainer, Lockstep


def _games(datasets, seeds, pack):
    out = []
    for data, seed in zip(datasets, seeds, strict=True):
        torch.manual_seed(seed)
        out.append(build_game(data, pack=pack, loss="ns"))
    return out


@pytest.mark.parametrize("pack", [1, 3])
def test_ensemble_forward_equals_each_trials_own_networks(pack):
    seeds = [3, 5]
    datasets = [grid(n_train=500, seed=s) for s in seeds]
    ens, games = Ensemble(datasets, seeds, pack=pack), _games(datasets, seeds, pack)
    torch.manual_seed(0)
    z, x = torch.randn(2, 64, 2), torch.randn(2, 16, 2 * pack)
    for t, game in enumerate(games):
        game.train()
        torch.testing.assert_close(ens.generate(z)[t], game.G(z[t]), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(ens.discriminate(x)[t], game.D.discriminator(x[t]), rtol=1e-5, atol=1e-5)
    assert torch.equal(ens.train_sets[1], datasets[1].train_set)


def test_fake_batch_is_one_g_call_per_pack_slot():
    """The pack's G calls run as one pass, but BatchNorm still takes each slot's own batch statistics."""
    seeds, m, b = [1, 2], 3, 16
    ens = Ensemble([grid(n_train=200, seed=s) for s in seeds], seeds, pack=m)
    torch.manual_seed(4)
    fake = ens.fake_batch(b)
    torch.manual_seed(4)
    z = torch.randn(m, len(seeds), b, 2)  # the codes fake_batch drew
    per_slot = torch.stack([ens.generate(zj) for zj in z], 2).flatten(2)
    assert fake.shape == (len(seeds), b, 2 * m)
    torch.testing.assert_close(fake, per_slot, rtol=1e-5, atol=1e-6)
    pooled = ens.generate(z.transpose(0, 1).reshape(len(seeds), -1, 2))  # one BatchNorm over all slots differs
    assert not torch.allclose(pooled.view(len(seeds), m, b, 2).transpose(1, 2).flatten(2), fake, atol=1e-3)
    with pytest.raises(ValueError, match="slots must be >= 1 and divide the 16 codes"):
        ens.generate(torch.randn(2, 16, 2), slots=3)


def test_ensemble_training_equals_each_trial_trained_alone():
    """Three simultaneous Adam iterations on given batches: the stacked parameters equal each trial's own."""
    seeds, m, b = [0, 7], 2, 8
    datasets = [ring(n_train=300, seed=s) for s in seeds]
    ens, games = Ensemble(datasets, seeds, pack=m), _games(datasets, seeds, m)
    trainer = EnsembleTrainer(ens, batch=b, lr=1e-3, betas=(0.2, 0.999), steps=3, device="cpu")
    opts = [(torch.optim.Adam(g.d_params(), lr=1e-3, betas=(0.2, 0.999)),
             torch.optim.Adam(g.g_params(), lr=1e-3, betas=(0.2, 0.999))) for g in games]  # fmt: skip
    gen = torch.Generator().manual_seed(1)
    for _ in range(3):
        real, z = torch.randn(2, b * m, 2, generator=gen), torch.randn(m, 2, b, 2, generator=gen)
        ens.real_batch = lambda _b, real=real: real.reshape(2, b, -1)
        ens.fake_batch = lambda _b, z=z: torch.stack([ens.generate(zj) for zj in z], 2).flatten(2)
        trainer.train_step()
        for t, (game, (opt_d, opt_g)) in enumerate(zip(games, opts, strict=True)):
            fake = torch.stack([game.G(z[j, t]) for j in range(m)], 1).flatten(0, 1)
            r, f = game.D.discriminator(pack_(real[t], m)), game.D.discriminator(pack_(fake, m))
            gd = torch.autograd.grad(losses.d_loss(r, f, "ns"), game.d_params(), retain_graph=True)
            gg = torch.autograd.grad(losses.g_loss(f, "ns"), game.g_params())
            for p, g in zip(game.d_params() + game.g_params(), gd + gg, strict=True):
                p.grad = g
            opt_d.step()
            opt_g.step()
    assert trainer.step == 3
    for t, game in enumerate(games):  # atol 1 % of one Adam step: Adam divides rounding noise by tiny gradients
        w_g, w_d = game.G[0].weight, game.D.discriminator[1].linear.weight
        torch.testing.assert_close(ens.g_lin[0][t].T, w_g, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(ens.d_lin[2][t].T, w_d, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(ens.g_bn[0][t, 0], game.G[1].weight, rtol=1e-4, atol=1e-5)
        assert not torch.equal(w_g, _games(datasets[t : t + 1], seeds[t : t + 1], m)[0].G[0].weight)  # it moved


def test_ensemble_rejects_mismatched_inputs_and_a_graph_on_cpu():
    data = [ring(n_train=100)]
    with pytest.raises(ValueError, match="one dataset per seed"):
        Ensemble(data, [0, 1])
    with pytest.raises(ValueError, match="wgan-gp"):
        Ensemble(data, [0], loss="wgan-gp")
    with pytest.raises(ValueError, match="graph=True needs every trainer on a CUDA"):
        Lockstep([EnsembleTrainer(Ensemble(data, [0]), device="cpu")], graph=True)
    with pytest.raises(ValueError, match="trainers must hold at least one"):
        Lockstep([])
    for kw, match in (
        ({"batch": 0}, "batch must be >= 1"),
        ({"lr": 0.0}, "lr must be > 0"),
        ({"lr_decay": 2.0}, "lr_decay must be in"),
        ({"betas": (1.0, 0.999)}, "betas must be two"),
    ):
        with pytest.raises(ValueError, match=match):
            EnsembleTrainer(Ensemble(data, [0]), device="cpu", **kw)  # fmt: skip
    from unsup.repro.pacgan import Schedule, run_batched, variants

    with pytest.raises(ValueError, match="trials must be >= 1; got 0"):
        run_batched("ring", variants([1]), 0, Schedule(steps=5), Path("unused"), device="cpu")


def test_ensemble_lr_decay_reaches_the_optimisers():
    trainer = EnsembleTrainer(Ensemble([ring(n_train=100)], [0]), batch=4, steps=10, lr=1e-3, lr_decay=0.5,
                              device="cpu")  # fmt: skip
    for _ in range(8):
        trainer.train_step()
    assert float(trainer.opt_g.param_groups[0]["lr"]) == pytest.approx(1e-3 * 3 / 5)
    assert float(trainer.opt_d.param_groups[0]["lr"]) == pytest.approx(1e-3 * 3 / 5)


def test_run_batched_scores_every_trial_and_writes_the_curve(tmp_path):
    from unsup.repro.pacgan import Schedule, run_batched, summarize, variants

    rows = run_batched("ring", variants([1, 2]), 2, Schedule(steps=40, lr=1e-3), tmp_path, device="cpu", evals=[20])
    assert [(r["variant"], r["seed"]) for r in rows] == [("GAN", 0), ("GAN", 1), ("PacGAN2", 0), ("PacGAN2", 1)]
    curve = [json.loads(line) for line in (tmp_path / "curve.jsonl").read_text().splitlines()]
    assert [c["step"] for c in curve] == [20] * 4 and all(0 <= c["modes"] <= 8 for c in curve)
    assert (tmp_path / "PacGAN2-seed1.png").exists() and len((tmp_path / "results.jsonl").read_text().splitlines()) == 4
    assert [r["trials"] for r in summarize([{**r, "reverse_kl": 0.0} for r in rows], "ring")] == [2, 2]


def test_run_batched_resumes_exactly_where_an_interrupted_run_stopped(tmp_path, interrupt_batched_at):
    from unsup.repro.pacgan import Schedule, run_batched, variants

    args = ("ring", variants([1, 2]), 2, Schedule(steps=30, lr=1e-3))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    whole = run_batched(*args, tmp_path / "a", device="cpu", evals=[10, 20])
    disarm = interrupt_batched_at(24)  # after the checkpoint at 20
    with pytest.raises(KeyboardInterrupt):
        run_batched(*args, tmp_path / "b", device="cpu", evals=[10, 20])
    disarm()
    with open(tmp_path / "b" / "curve.jsonl", "a") as fh:  # a row of a step the checkpoint did not reach
        fh.write(json.dumps({"step": 25, "variant": "GAN"}) + "\n")
    resumed = run_batched(*args, tmp_path / "b", device="cpu", evals=[10, 20], resume=True)
    keys = ("variant", "seed", "modes", "high_quality", "reverse_kl")
    assert [[r[k] for k in keys] for r in resumed] == [[r[k] for k in keys] for r in whole]
    curve = [json.loads(line) for line in (tmp_path / "b" / "curve.jsonl").read_text().splitlines()]
    assert [c["step"] for c in curve] == [10] * 4 + [20] * 4
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        run_batched(*args, tmp_path / "a" / "nope", device="cpu", resume=True)


def test_batched_controls_have_the_widths_and_batches_of_their_rows(tmp_path, monkeypatch):
    from unsup.repro.pacgan import Schedule, d_params, run_batched, variants

    seen = {}
    real_init = EnsembleTrainer.__init__

    def spy(self, ensemble, batch=100, *args, **kw):
        seen[(ensemble.pack, ensemble.d_lin[0].shape[2] // ensemble.pieces)] = batch
        real_init(self, ensemble, batch, *args, **kw)

    monkeypatch.setattr(EnsembleTrainer, "__init__", spy)
    rows = run_batched("ring", variants([2], controls=True), 1, Schedule(steps=6, lr=1e-3), tmp_path, device="cpu")
    assert [r["variant"] for r in rows] == ["PacGAN2", "GAN-D2", "GAN-B2"]
    assert seen == {(2, 200): 100, (1, 201): 100, (1, 200): 200}
    wide = Ensemble([ring(n_train=50)], [0], d_hidden=201)
    assert sum(p[0].numel() for p in wide.d_params()) == d_params(2, 201) >= d_params(4, 200)


def test_bf16_trials_discriminate_in_bfloat16_and_their_losses_match_fp32():
    from unsup.gan.trainer import bf16_autocast

    seeds = [0, 1]
    datasets = [grid(n_train=500, seed=s) for s in seeds]
    torch.manual_seed(0)
    tr = EnsembleTrainer(Ensemble(datasets, seeds, pack=2), batch=32, device="cpu", bf16=True)
    seen = []
    discriminate = tr.ens.discriminate
    tr.ens.discriminate = lambda x: seen.append((y := discriminate(x)).dtype) or y
    tr.train_step()
    assert seen and set(seen) == {torch.bfloat16}
    assert all(p.dtype == torch.float32 for p in tr.ens.parameters())
    real, fake = tr.ens.real_batch(32), tr.ens.fake_batch(32)
    fp32 = torch.stack(tr.ens.joint_loss(real, fake))
    with bf16_autocast(torch.device("cpu"), True):
        bf16 = torch.stack(tr.ens.joint_loss(real, fake)).float()
    assert not torch.equal(bf16, fp32)
    torch.testing.assert_close(bf16, fp32, rtol=2e-2, atol=1e-3)


def test_running_averages_follow_each_trials_batchnorm_and_drive_eval_sampling():
    """Merged pack calls update the running averages once per slot, in order, as each trial's nn.BatchNorm1d does;
    ``running_stats`` sampling is each trial's G in eval mode."""
    seeds, m, b = [2, 9], 3, 16
    datasets = [grid(n_train=200, seed=s) for s in seeds]
    ens, games = Ensemble(datasets, seeds, pack=m), _games(datasets, seeds, m)
    gen = torch.Generator().manual_seed(3)
    for _ in range(2):
        z = torch.randn(m, 2, b, 2, generator=gen)
        ens.generate(z.transpose(0, 1).reshape(2, -1, 2), slots=m)  # one merged pass, as fake_batch runs it
        for t, game in enumerate(games):
            game.G.train()
            for j in range(m):
                game.G(z[j, t])
    before = ens.running_mean.clone()
    with torch.no_grad():
        ens.generate(torch.randn(2, b, 2))  # no grad (sampling): averages untouched
    assert torch.equal(ens.running_mean, before)
    zs = torch.randn(2, 50, 2)
    for t, game in enumerate(games):
        bns = [mod for mod in game.G if isinstance(mod, torch.nn.BatchNorm1d)]
        torch.testing.assert_close(ens.running_mean[:, t], torch.stack([bn.running_mean for bn in bns]))
        torch.testing.assert_close(ens.running_var[:, t], torch.stack([bn.running_var for bn in bns]))
        game.G.eval()
        torch.testing.assert_close(ens.generate(zs, running_stats=True)[t], game.G(zs[t]), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(ens.generate(zs, running_stats=True), ens.generate(zs), atol=1e-3)
    torch.manual_seed(0)
    x = ens.sample(30, chunk=20, running_stats=True)
    torch.manual_seed(0)
    z0, z1 = torch.randn(2, 20, 2), torch.randn(2, 10, 2)
    torch.testing.assert_close(
        x, torch.cat([ens.generate(z0, running_stats=True), ens.generate(z1, running_stats=True)], 1)
    )


def test_a_checkpoint_without_running_averages_is_refused_in_one_line():
    trainer = EnsembleTrainer(Ensemble([ring(n_train=100)], [0]), batch=4, steps=2, device="cpu")
    state = trainer.state_dict()
    for key in ("running_mean", "running_var"):
        del state["ensemble"][key]  # as written before the buffers existed
    with pytest.raises(ValueError, match="running averages"):
        trainer.load_state_dict(state)
