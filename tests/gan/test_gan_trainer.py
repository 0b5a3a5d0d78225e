import json

import pytest
import torch

from unsup.data.toy import grid, ring
from unsup.gan.mlp import build_game
from unsup.gan.trainer import TrainConfig, Trainer, train
from unsup.metrics.scores import sample_scores


def tiny(pack=1, seed=0, hidden=32):
    data = ring(n_train=5000, seed=seed)
    torch.manual_seed(seed)
    return data, build_game(data, pack=pack, g_hidden=hidden, g_layers=2, d_hidden=hidden, d_layers=2, pieces=2)


def params(game):
    return [p.detach().clone() for p in game.parameters()] + [b.clone() for b in game.buffers()]


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_resume_gives_the_same_parameters_as_an_uninterrupted_run(tmp_path, update):
    kw = dict(batch=16, lr_d=1e-3, lr_g=1e-3, update=update, progress=False, ckpt_every=5, sample_every=5, log_every=5)
    data, game = tiny(pack=2)
    straight = train(game, data, TrainConfig(steps=12, out=str(tmp_path / "a"), **kw)).game
    data, game = tiny(pack=2)
    train(game, data, TrainConfig(steps=8, out=str(tmp_path / "b"), **kw))  # stops (and checkpoints) at step 8
    torch.manual_seed(123)  # a different process state must not matter
    data, game = tiny(pack=2)
    resumed = train(game, data, TrainConfig(steps=12, out=str(tmp_path / "b"), **kw), resume=True).game
    for a, b in zip(params(straight), params(resumed), strict=True):
        assert torch.equal(a, b)
    steps = [json.loads(ln)["step"] for ln in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [5, 8, 10, 12]  # lines before the checkpoint kept, none lost or doubled
    ckpt = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=False)
    assert ckpt["step"] == 12 and {"opt_d", "opt_g", "rng", "game"} <= set(ckpt)
    assert (tmp_path / "b" / "samples-0000012.png").exists() and (tmp_path / "b" / "losses.png").exists()


def test_lr_decay_falls_linearly_over_the_end_of_the_run_and_resumes_exactly(tmp_path):
    kw = dict(steps=10, batch=8, lr_d=1e-3, lr_g=2e-3, lr_decay=0.5, progress=False, ckpt_every=100)
    data, game = tiny()
    trainer = Trainer(game, data, TrainConfig(**kw))
    lrs = []
    for _ in range(10):
        trainer.train_step()
        lrs.append((trainer.opt_d.param_groups[0]["lr"], trainer.opt_g.param_groups[0]["lr"]))
    factors = [1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2]  # min(1, (10 - step) / 5)
    assert [lr for pair in lrs for lr in pair] == pytest.approx([lr * f for f in factors for lr in (1e-3, 2e-3)])
    straight = params(game)
    data, game = tiny()  # interrupted at step 6 of the same 10-step run, then resumed
    first = Trainer(game, data, TrainConfig(out=str(tmp_path), **kw))
    for _ in range(6):
        first.train_step()
    first.save()
    data, game = tiny()
    resumed = train(game, data, TrainConfig(out=str(tmp_path), **kw), resume=True).game
    for a, b in zip(straight, params(resumed), strict=True):
        assert torch.equal(a, b)


def test_a_few_hundred_steps_on_the_ring_move_samples_onto_several_modes():
    data, game = tiny(hidden=64)

    def spread(g):
        x = g.sample(2500)
        return torch.cdist(x, data.means).min(1).values.mean().item(), sample_scores(data, x)["modes"]

    dist0, modes0 = spread(game)
    trainer = train(game, data, TrainConfig(steps=400, batch=64, lr_d=2e-3, lr_g=2e-3, progress=False))
    dist1, modes1 = spread(game)
    assert modes0 == 0 and modes1 >= 4  # at init G maps everything near the origin, 1 away from every mode
    assert dist1 < dist0 / 4
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(trainer.train_step())


def test_trainer_uses_pack_to_size_real_batches():
    data, game = tiny(pack=3)
    seen = []
    sample = data.sample
    data.sample = lambda n: seen.append(n) or sample(n)
    Trainer(game, data, TrainConfig(steps=1, batch=5, d_steps=2, progress=False)).train_step()
    assert seen == [15, 15, 15]  # two D updates, one G update


def test_config_errors():
    with pytest.raises(ValueError, match="steps"):
        TrainConfig(steps=0)
    with pytest.raises(ValueError, match="update"):
        TrainConfig(update="both")
    with pytest.raises(ValueError, match="lr_decay"):
        TrainConfig(lr_decay=1.5)
    with pytest.raises(ValueError, match=r"betas must be two numbers in \[0, 1\); got \(1.5, 0.999\)"):
        TrainConfig(betas=(1.5, 0.999))
    with pytest.raises(ValueError, match="lr_g must be > 0"):
        TrainConfig(lr_g=0.0)


def test_resume_without_checkpoint(tmp_path):
    data, game = tiny()
    with pytest.raises(FileNotFoundError):
        train(game, data, TrainConfig(steps=1, out=str(tmp_path), progress=False), resume=True)


def test_trainer_hands_data_its_device_when_the_data_can_move():
    data, game = tiny()
    moved = []
    data.to = lambda device: moved.append(device) or data
    trainer = Trainer(game, data, TrainConfig(steps=1, batch=4, device="cpu", progress=False))
    assert moved == [torch.device("cpu")] and trainer.data is data


def test_g_step_differentiates_g_only_and_matches_backward():
    data, game = tiny(pack=2)
    tr = Trainer(game, data, TrainConfig(steps=1, batch=16, progress=False))
    torch.manual_seed(1)
    loss, _ = game.g_loss(tr._batch())
    loss.backward(retain_graph=True)  # the reference: gradients of both nets
    want = [p.grad.clone() for p in tr.g_params]
    g_before = [p.detach().clone() for p in tr.g_params]
    tr._update(loss, tr.opt_g, tr.g_params)
    assert all(p.grad is None for p in tr.d_params)  # D's weight gradients were never computed
    for p, w, b in zip(tr.g_params, want, g_before, strict=True):
        assert torch.allclose(p.grad, w, atol=1e-7) and not torch.equal(p.detach(), b)


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
@pytest.mark.parametrize("bf16", [False, True])
def test_bf16_runs_the_forward_passes_in_bfloat16_and_keeps_fp32_weights(update, bf16):
    data, game = tiny(pack=2)
    seen = []
    game.D.register_forward_hook(lambda mod, inp, out: seen.append(out.dtype))
    cfg = TrainConfig(steps=3, batch=16, update=update, bf16=bf16, device="cpu", progress=False)
    before = params(game)
    tr = Trainer(game, data, cfg)
    tr.train_step()
    assert seen and set(seen) == {torch.bfloat16 if bf16 else torch.float32}
    assert all(p.dtype == torch.float32 for p in game.parameters())
    assert all(p.grad.dtype == torch.float32 for p in game.parameters() if p.grad is not None)
    assert not torch.equal(before[0], params(game)[0])  # G's first weight took its Adam step
    with torch.no_grad():
        assert game.sample(8).dtype == torch.float32  # evaluation and sampling run outside the autocast


def test_bf16_warns_on_a_cpu_without_native_bfloat16(monkeypatch):
    import unsup.gan.trainer as trainer_mod

    data, game = tiny()
    monkeypatch.setattr(trainer_mod, "native_bf16", lambda: False)
    with pytest.warns(UserWarning, match="no native bfloat16"):
        Trainer(game, data, TrainConfig(steps=1, bf16=True, device="cpu", progress=False))


def test_sample_with_running_stats_is_g_in_eval_mode_and_leaves_g_training():
    data = grid(n_train=300, seed=0)
    torch.manual_seed(0)
    game = build_game(data, pack=2)
    for _ in range(3):  # move the running averages off their initial 0 / 1
        game.G(torch.randn(64, 2) * 3 + 1)
    state = {k: v.clone() for k, v in game.G.state_dict().items()}
    torch.manual_seed(1)
    x = game.sample(30, chunk=20, running_stats=True)
    assert game.G.training and all(torch.equal(v, game.G.state_dict()[k]) for k, v in state.items())
    torch.manual_seed(1)
    z = torch.cat([torch.randn(20, 2), torch.randn(10, 2)])
    game.G.eval()
    with torch.no_grad():
        torch.testing.assert_close(x, game.G(z))
    game.G.train()
    torch.manual_seed(1)
    assert not torch.allclose(game.sample(30, chunk=20), x, atol=1e-3)  # batch statistics differ
