"""``unsup demo`` step: a small CycleGAN between MNIST and scikit-learn's up-sampled digits (about 20 s on a core)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from unsup.translate.data import Translation, digits_pair
from unsup.translate.presets import TranslateTrainConfig, build_model, preset
from unsup.translate.report import write_index
from unsup.translate.runs import start_run
from unsup.translate.trainer import fit


def step(out: Path, seed: int) -> dict:
    """Train a narrow CycleGAN for 3 short epochs; ``out`` becomes a translation run folder (``config.json``,
    ``checkpoint.pt``, sample grids, ``loss.png``, ``index.html``)."""
    a, _, b, _ = digits_pair(True, seed)
    ta, _, tb, _ = digits_pair(False, seed)
    cfg, _ = preset("digits")
    cfg = dataclasses.replace(cfg, ngf=8, n_blocks=2, ndf=8, pool_size=16)
    train = TranslateTrainConfig(n_epochs=2, n_epochs_decay=1, batch_size=8, load=28, crop=28, flip=False, seed=seed)
    # a run folder like ``unsup translate train --data digits`` writes (trained here on a 320-image subset), so
    # ``unsup translate apply|eval`` and ``train --resume`` work on it
    start_run(out, cfg, train, {"kind": "digits"}, "digits")
    history = fit(build_model(cfg, seed), Translation(a[:320], b[:320], False, 28, False), out, train,
                  (ta[:8], tb[:8]), progress=False)  # fmt: skip
    write_index(out, "CycleGAN: MNIST <-> digits (demo size)", ["samples/epoch_003.png", "loss.png"], history[-1])
    first, last = history[0], history[-1]
    # the training cycle loss is an L1 on the [-1, 1] scale (half that on [0, 1])
    return {"cycle_loss_first_epoch": first["cycle"], "cycle_loss_last_epoch": last["cycle"],
            "dependence_AtoB": last["dependence_AtoB"], "dependence_BtoA": last["dependence_BtoA"]}  # fmt: skip
