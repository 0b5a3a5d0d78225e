"""DCGAN vs PacDCGAN on Stacked MNIST (modes / KL beside PacGAN Table 3) and the D = 1/4 training throughput.

    python benchmarks/stacked_mnist.py --throughput --iters 4 --rounds 5
    python benchmarks/stacked_mnist.py --steps 4000 --batch 64 --lr-d 1e-3 --lr-g 2e-4 --trials 3 --packs 1 2 \\
        --workers 2
    python benchmarks/stacked_mnist.py --resume RUN --steps 12000 --batch 64 --lr-d 1e-3 --lr-g 2e-4 --trials 3 \\
        --packs 1 2 --workers 1     # RUN: a copy of the 4,000-iteration run folder without result.json

Results, machine and date: docs/results.md, "Image GANs and Stacked MNIST".

Same as ``unsup bench stacked-mnist``; see ``docs/image_gans.md``.
"""

from __future__ import annotations

import argparse

import unsup  # noqa: F401  (passive OpenMP threads)
from unsup.repro.cli import stacked_mnist_arguments as add_arguments
from unsup.repro.stacked_mnist import run

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    raise SystemExit(run(parser.parse_args()))
