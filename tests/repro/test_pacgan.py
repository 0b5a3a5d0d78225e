import math

import pytest
import torch

from unsup.gan.mlp import MaxoutDiscriminator
from unsup.metrics.scores import sample_scores
from unsup.repro.pacgan import PAPER, Schedule, d_params, finite, format_table, run_trial, summarize, variants


def test_d_params_counts_the_maxout_discriminator():
    for in_dim, hidden in ((2, 200), (8, 200), (2, 37)):
        assert d_params(in_dim, hidden) == sum(p.numel() for p in MaxoutDiscriminator(in_dim, hidden).parameters())


def test_variants_and_cheating_controls():
    vs = {v.name: v for v in variants([1, 2, 4], controls=True)}
    assert list(vs) == ["GAN", "PacGAN2", "PacGAN4", "GAN-D2", "GAN-B2", "GAN-D4", "GAN-B4"]
    assert vs["PacGAN4"].pack == 4 and vs["GAN-B4"].batch == 400 and vs["GAN-B4"].pack == 1
    for m in (2, 4):  # the smallest plain D at least as large as the packed one
        width = vs[f"GAN-D{m}"].d_hidden
        assert d_params(2, width) >= d_params(2 * m, 200) > d_params(2, width - 1)
    with pytest.raises(ValueError, match="pack"):
        variants([0])


def test_summary_mean_and_standard_error():
    rs = [{"variant": "GAN", "modes": m, "high_quality": 90.0, "reverse_kl": 0.5} for m in (16, 18, 20)]
    (row,) = summarize(rs, "grid")
    assert row["modes"] == 18 and row["modes_se"] == pytest.approx(2 / math.sqrt(3))
    assert row["paper"] == PAPER["grid"]["GAN"]
    assert "18.0 ± 1.2" in format_table([row]) and "17.3 ± 0.8" in format_table([row])
    assert finite({"a": [math.inf, 1.0]}) == {"a": [None, 1.0]}


def test_one_short_trial_runs_end_to_end(tmp_path):
    r = run_trial("ring", variants([2])[0], Schedule(steps=3), seed=0, png=str(tmp_path / "t.png"))
    assert r["variant"] == "PacGAN2" and 0 <= r["modes"] <= 8 and (tmp_path / "t.png").exists()


def test_scoring_at_eval_steps_leaves_the_training_unchanged(monkeypatch):
    from unsup.repro import pacgan

    seen = []
    real = pacgan.score
    monkeypatch.setattr(pacgan, "score", lambda ds, x, *a, **k: seen.append(x) or real(ds, x, *a, **k))
    plain = run_trial("grid", variants([2])[0], Schedule(steps=8), seed=1)
    scored = run_trial("grid", variants([2])[0], Schedule(steps=8), seed=1, evals=[3, 5, 8, 99])
    assert [c["step"] for c in scored.pop("curve")] == [3, 5]  # the last step is the row itself
    assert len(seen) == 4 and torch.equal(seen[0], seen[3]) and not torch.equal(seen[1], seen[2])
    assert plain | {"seconds": 0} == scored | {"seconds": 0}


@pytest.mark.slow
def test_demo_step(tmp_path):
    from unsup.repro.pacgan import demo

    summary = demo(tmp_path, 0)
    assert set(summary) == {"GAN", "PacGAN2"} and (tmp_path / "pacgan-ring.png").exists()


def test_trials_train_with_the_reference_non_saturating_loss(monkeypatch):
    from unsup.gan.mlp import build_game
    from unsup.gan.registry import MODELS

    seen = []
    monkeypatch.setitem(MODELS._entries, "mlp", lambda *a, **k: seen.append(k["loss"]) or build_game(*a, **k))
    run_trial("ring", variants([1])[0], Schedule(steps=2), seed=0)
    run_trial("ring", variants([1])[0], Schedule(steps=2, loss="minimax"), seed=0)
    assert seen == ["ns", "minimax"]


def test_a_kept_trial_is_the_scored_model_as_a_run_folder_that_eval_and_resume_read(tmp_path):
    from unsup.gan.runs import load_run
    from unsup.gan.trainer import TrainConfig, Trainer
    from unsup.repro import pacgan

    variant = pacgan.Variant("PacGAN2-D3", pack=2, d_hidden=30, batch=20)  # non-default D width and minibatch
    plain = run_trial("grid", variant, Schedule(steps=6), seed=3)
    kept = run_trial("grid", variant, Schedule(steps=6), seed=3, keep=str(tmp_path / "t"))
    assert plain | {"seconds": 0} == kept | {"seconds": 0}  # keeping changes neither the training nor the score
    data, game, config = load_run(tmp_path / "t")
    assert config["train"]["batch"] == 20 and game.pack == 2
    ckpt = torch.load(tmp_path / "t" / "checkpoint.pt", weights_only=False)
    assert ckpt["step"] == 6
    torch.set_rng_state(ckpt["rng"][0]["torch"])  # where the trial's final draw started
    again = sample_scores(data, game.sample(2500, running_stats=True))
    assert (again["modes"], again["high_quality"]) == (kept["modes"], kept["high_quality"])
    cfg = TrainConfig(**{**config["train"], "steps": 8, "progress": False})
    Trainer(game, data, cfg).fit(resume=True)  # trains on from step 6
    assert torch.load(tmp_path / "t" / "checkpoint.pt", weights_only=False)["step"] == 8
