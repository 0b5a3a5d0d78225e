"""Train the project's MNIST classifier and report its held-out accuracy.

Default: the bundled 5,000-digit subset, 4,000 for training and 100 per digit (1,000) held out; with
``--mnist DIR`` (standard IDX files) it trains on the 60k training set and tests on the 10k test set.
``--save`` writes the weights that ``unsup.metrics.mnist_classifier`` ships (``--arch lenet``: the second judge,
trained with seed 1).

    nice -n 10 python benchmarks/mnist_classifier.py --epochs 30 [--save]
    nice -n 10 python benchmarks/mnist_classifier.py --arch lenet --epochs 30 --seed 1 --save
"""

from __future__ import annotations

import argparse
import json
import time

import torch

import unsup  # noqa: F401  (passive OpenMP threads)
from unsup.data.images import load_mnist, to_unit_range
from unsup.metrics.mnist_classifier import JUDGES, held_out_split, predict, save_weights, train_classifier


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", default=None, help="folder with MNIST IDX files (default: bundled 5k subset)")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--arch", default="cnn", choices=sorted(JUDGES), help="judge architecture")
    ap.add_argument("--save", action="store_true", help="write the weights the package ships for --arch")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    images, labels = load_mnist(args.mnist, True)
    x, y = to_unit_range(images[:, None], 255.0), torch.as_tensor(labels)
    if args.mnist is None:
        tr, te = held_out_split(labels, 100, args.seed)
        x_tr, y_tr, x_te, y_te = x[tr], y[tr], x[te], y[te]
    else:
        test_images, test_labels = load_mnist(args.mnist, False)
        x_tr, y_tr = x, y
        x_te, y_te = to_unit_range(test_images[:, None], 255.0), torch.as_tensor(test_labels)
    t0 = time.perf_counter()
    model = train_classifier(x_tr, y_tr, epochs=args.epochs, seed=args.seed, arch=args.arch)
    seconds = time.perf_counter() - t0
    acc = (predict(model, x_te) == y_te).float().mean().item()
    per_class = [(predict(model, x_te[y_te == c]) == c).float().mean().item() for c in range(10)]
    print(f"{'data':<12}{'train':>8}{'test':>8}{'epochs':>8}{'seconds':>10}{'accuracy':>10}{'worst digit':>13}")
    worst = min(range(10), key=lambda c: per_class[c])
    src = "mnist-idx" if args.mnist else "mnist-5k"
    print(f"{src:<12}{len(x_tr):>8}{len(x_te):>8}{args.epochs:>8}{seconds:>10.1f}{acc:>10.4f}"
          f"{f'{worst}: {per_class[worst]:.3f}':>13}")  # fmt: skip
    print(json.dumps({"benchmark": "mnist_classifier", "arch": args.arch, "data": src, "n_train": len(x_tr),
                      "n_test": len(x_te),
                      "epochs": args.epochs, "seed": args.seed, "seconds": round(seconds, 1),
                      "accuracy": round(acc, 4), "per_class": [round(a, 4) for a in per_class]}))  # fmt: skip
    if args.save:
        save_weights(model, JUDGES[args.arch][1])
        print(f"saved {JUDGES[args.arch][1]}")


if __name__ == "__main__":
    main()
