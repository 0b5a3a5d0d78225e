import dataclasses

import pytest
import torch

from unsup.translate.data import Translation, digits_pair
from unsup.translate.presets import TranslateTrainConfig, build_model, preset
from unsup.translate.trainer import fit


def _digits_setup(n=96):
    a, _, b, _ = digits_pair(True)
    cfg, _ = preset("digits")
    cfg = dataclasses.replace(cfg, ngf=8, n_blocks=1, ndf=8, pool_size=8)
    data = Translation(a[:n], b[:n], paired=False, crop=28, flip=False)
    return cfg, data, (a[n : n + 4], b[n : n + 4])


def test_resume_equals_an_uninterrupted_run(tmp_path):
    cfg, data, probe = _digits_setup(n=32)
    train = TranslateTrainConfig(n_epochs=1, n_epochs_decay=2, batch_size=8, load=28, crop=28, flip=False, seed=5)

    straight = build_model(cfg, seed=1)
    h_straight = fit(straight, data, tmp_path / "straight", train, probe, progress=False)

    resumed = build_model(cfg, seed=1)
    fit(resumed, data, tmp_path / "resumed", dataclasses.replace(train, n_epochs_decay=0), probe, progress=False)
    torch.manual_seed(123)  # a fresh process: resume must not depend on the global RNG here
    fresh = build_model(cfg, seed=1)
    (tmp_path / "resumed" / "checkpoint.pt").replace(tmp_path / "resumed" / "ckpt-epoch1.pt")
    ckpt = torch.load(tmp_path / "resumed" / "ckpt-epoch1.pt", weights_only=False)
    (tmp_path / "again").mkdir()
    torch.save(ckpt, tmp_path / "again" / "checkpoint.pt")
    h_resumed = fit(fresh, data, tmp_path / "again", train, probe, progress=False)

    assert [h["epoch"] for h in h_resumed] == [1, 2, 3]
    assert [h["lr"] for h in h_resumed] == [h["lr"] for h in h_straight]
    drop = ("seconds",)
    assert [{k: v for k, v in h.items() if k not in drop} for h in h_resumed] == [
        {k: v for k, v in h.items() if k not in drop} for h in h_straight
    ]
    for (k, v), w in zip(straight.state_dict().items(), fresh.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    for pool in ("pool_a", "pool_b"):
        p, q = getattr(straight, pool), getattr(fresh, pool)
        assert all(torch.equal(x, y) for x, y in zip(p.images, q.images, strict=True))
        assert torch.equal(p.rng.get_state(), q.rng.get_state())
    assert straight.opt_G.state_dict()["state"][0]["step"] == fresh.opt_G.state_dict()["state"][0]["step"]


def test_short_digits_run_lowers_the_cycle_loss(tmp_path):
    cfg, data, probe = _digits_setup(n=96)
    train = TranslateTrainConfig(n_epochs=4, n_epochs_decay=0, batch_size=8, load=28, crop=28, flip=False)
    history = fit(build_model(cfg), data, tmp_path, train, probe, progress=False)
    assert history[-1]["cycle"] < 0.8 * history[0]["cycle"]
    assert (tmp_path / "samples" / "epoch_004.png").is_file() and (tmp_path / "loss.png").is_file()
    assert history[-1]["dependence_AtoB"] > 0.1


@pytest.mark.parametrize("per_domain", [False, True])
def test_a_semantic_run_reopens_with_its_classifier(tmp_path, per_domain):
    from unsup.metrics.mnist_classifier import DigitCNN
    from unsup.translate.runs import open_run, start_run
    from unsup.translate.semantic import DomainClassifiers

    cfg, data, probe = _digits_setup(n=16)
    cfg = dataclasses.replace(cfg, lambda_semantic=1.0)
    train = TranslateTrainConfig(n_epochs=1, n_epochs_decay=0, batch_size=8, load=28, crop=28, flip=False)
    torch.manual_seed(3)
    model = build_model(cfg, classifier=DomainClassifiers(DigitCNN(), DigitCNN()) if per_domain else DigitCNN())
    spec = {"kind": "digits", "labels": "A", "self_train": 1, "per_domain": per_domain}
    start_run(tmp_path, cfg, train, spec, "digits")
    history = fit(model, data, tmp_path, train, probe, progress=False)
    assert history[-1]["semantic"] > 0
    reopened, spec, _ = open_run(tmp_path, torch.device("cpu"))
    assert spec["labels"] == "A" and not reopened.classifier.training
    for (k, v), w in zip(model.classifier.state_dict().items(), reopened.classifier.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
