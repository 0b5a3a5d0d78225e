"""GAN models by name for ``unsup gan train --model NAME``.

A builder is ``build(data, pack=1, loss=..., **options) -> game`` (a game as described in
:mod:`unsup.gan.trainer`); ``options`` come from ``--model-opt KEY=VALUE``. Add an entry here as a lazy
``"module:function"`` string (one line), or call ``MODELS.register(name, builder)`` at run time.
"""

from __future__ import annotations

from unsup._registry import Registry

MODELS = Registry(
    "model",
    {
        "mlp": "unsup.gan.mlp:build_game",
        "infogan": "unsup.gan.infogan:build_infogan",
        "infogan-cr": "unsup.gan.infogan:build_infogan_cr",
        "dcgan": "unsup.gan.dcgan:build_game",
        "cdcgan": "unsup.gan.conditional:build_game",
    },
)
