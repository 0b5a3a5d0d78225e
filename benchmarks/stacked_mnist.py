"""DCGAN vs PacDCGAN on Stacked MNIST (modes / KL beside PacGAN Table 3) and the D = 1/4 training throughput.

    nice -n 10 python benchmarks/stacked_mnist.py --throughput
    nice -n 10 python benchmarks/stacked_mnist.py --steps 2000 --trials 3 --packs 1 2

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
