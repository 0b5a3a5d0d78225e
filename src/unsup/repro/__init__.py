"""Paper reproductions built on the library: PacGAN's Table 1 (:mod:`~unsup.repro.pacgan`, with batched trials in
:mod:`~unsup.repro.ensemble`) and Table 3 on Stacked MNIST (:mod:`~unsup.repro.stacked_mnist`). The library never
imports this package; ``unsup bench ...`` commands are registered by :mod:`unsup.repro.cli`."""
