#!/usr/bin/env bash
# InfoGAN vs InfoGAN-CR on the dSprites-like set on one GPU, the reference's schedule scaled to a time budget.
#
#   bash benchmarks/infogan_cr_gpu.sh OUT [BUDGET_S] [SEEDS...]
#
# Runs benchmarks/infogan_cr.py --preset dsprites-paper --budget-s BUDGET_S (all 2 x len(SEEDS) runs at once, one
# process each, sharing the GPU), draws each run's traversal grid, and packs what a person reads into OUT:
# log.txt, results.tgz (summary, table, every run's config, metrics.jsonl, loss curve, last samples and traversal
# pictures) and weights-<model>.tgz (the networks in float16). Works from a checkout without installing: it puts
# src/ on PYTHONPATH, so it runs under whatever python3 holds torch (as on a lent GPU machine). PRESET (default
# dsprites-paper), EXTRA (more benchmark options), MARGIN (seconds past the budget before the benchmark is
# stopped, default 240) and MPS=0 (do not start CUDA MPS) come from the environment,
# e.g. for a quick CPU check:
#   PRESET=dsprites-cpu EXTRA="--device cpu --eval-votes 20 --final-votes 20 --samples 200" bash ... /tmp/o 10 0
set -u
out=${1:?usage: infogan_cr_gpu.sh OUT [BUDGET_S] [SEEDS...]}
budget=${2:-300}
shift $(($# >= 2 ? 2 : 1))
seeds=${*:-0 1 2}
here=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$here/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1
work=$(mktemp -d)
mkdir -p "$out"
# Without CUDA MPS the GPU time-slices between the processes: on an H200 six runs got 8-10 it/s each against 34-38
# for one run alone; under MPS each of the six kept 30-37 (docs/results.md). Started here only if not running.
mps=""
if [ "${MPS:-1}" = 1 ] && command -v nvidia-cuda-mps-control >/dev/null && ! pgrep -f nvidia-cuda-mps-control >/dev/null; then
  nvidia-cuda-mps-control -d && mps=1 && echo "CUDA MPS daemon started"
fi
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  python3 -c 'import torch, sklearn, numpy; print("torch", torch.__version__, "cuda", torch.cuda.is_available(),
              "sklearn", sklearn.__version__, "numpy", numpy.__version__)'
  echo "cpus $(getconf _NPROCESSORS_ONLN)"
  python3 -c 'import numpy as np, torch
from unsup.data.sprites import DSprites
d = DSprites(); f = d.sample_factors(2000, np.random.default_rng(0)); dev = "cuda" if torch.cuda.is_available() else "cpu"
print("render_on", dev, "pixels differing from NumPy:", int((d.render_on(f, dev).cpu().numpy() != d.render(f)).sum()))'
  # shellcheck disable=SC2086
  timeout $((budget + ${MARGIN:-240})) python3 "$here/benchmarks/infogan_cr.py" --preset "${PRESET:-dsprites-paper}" \
    --budget-s "$budget" --seeds $seeds --out "$work" ${EXTRA:-}
  echo "benchmark exit $?"
  for run in "$work"/bench-*/*-seed*; do
    timeout 60 python3 -m unsup gan traverse "$run" --png "$run/traverse.png" >/dev/null || echo "no traversal: $run"
  done
  python3 - "$work" "$out" <<'PY'
import sys
import tarfile
from pathlib import Path

import torch

work, out = Path(sys.argv[1]), Path(sys.argv[2])
with tarfile.open(out / "results.tgz", "w:gz") as tar:
    for f in sorted(work.glob("bench-*/**/*")):
        last = sorted(f.parent.glob("samples-*.png"))[-1:]
        if f.is_file() and f.name != "checkpoint.pt" and (not f.name.startswith("samples-") or [f] == last):
            tar.add(f, arcname=f.relative_to(work))
for model in ("infogan-cr", "infogan"):
    nets = {}
    for ckpt in sorted(work.glob(f"bench-*/{model}-seed*/checkpoint.pt")):
        state = torch.load(ckpt, map_location="cpu", weights_only=False)
        game = {k: v.half() if v.is_floating_point() else v for k, v in state["game"].items()}
        nets[ckpt.parent.name] = {"step": state["step"], "game": game}
    if nets:
        torch.save(nets, work / f"weights-{model}.pt")
        with tarfile.open(out / f"weights-{model}.tgz", "w:gz") as tar:
            tar.add(work / f"weights-{model}.pt", arcname=f"weights-{model}.pt")
PY
} 2>&1 | tee "$out/log.txt"
[ -n "$mps" ] && echo quit | nvidia-cuda-mps-control
ls -la "$out"
