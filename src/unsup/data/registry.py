"""Datasets by name for ``unsup gan train --data NAME``.

A factory takes keyword options (strings from ``--data-opt KEY=VALUE`` parsed as JSON where possible, plus
``seed``) and returns an object with ``sample(n) -> Tensor | tuple`` (see :mod:`unsup.gan.trainer`); optional
``evaluate(samples) -> dict`` (used by ``unsup gan eval``) and ``dim`` / ``shape``. Add an entry here as a lazy
``"module:function"`` string (one line), or call ``DATASETS.register(name, factory)`` at run time.
"""

from __future__ import annotations

from unsup._registry import Registry

DATASETS = Registry(
    "dataset",
    {
        "ring": "unsup.data.toy:ring",
        "grid": "unsup.data.toy:grid",
        "mixture": "unsup.data.toy:mixture",
        "sprites": "unsup.data.sprites:sprites",
        "dsprites": "unsup.data.sprites:dsprites",
        "mnist": "unsup.data.images:mnist",
        "stacked-mnist": "unsup.data.images:stacked_mnist",
        "digits": "unsup.data.images:digits",
        "faces": "unsup.data.images:faces",
        "folder": "unsup.data.images:folder",
    },
)
