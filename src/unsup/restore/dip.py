"""Deep Image Prior: fit the weights of an untrained ``Skip`` net to one corrupted image, ``min_w l(G_w(z))``.

The loop is the reference one (Adam on the weights, fresh input jitter ``z + sigma_reg * N(0, I)`` every step,
exponential moving average of the outputs, backtracking when the data loss jumps by more than 5 dB), plus an
automatic stop from :mod:`unsup.restore.stopping` (held-out pixels by default, or ES-WMV) so the iteration count
need not be known in advance. Holding pixels out lowers the peak a little (the fit never sees them), so after the
held-out stop picks an iteration the net is fitted again on all observed pixels for that many steps (``refit``).
"""

from __future__ import annotations

import math
import os
import time
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from tqdm.auto import tqdm

from unsup._run import atomic_torch_save, load_checkpoint
from unsup.restore.images import psnr, ssim, to_numpy, to_tensor
from unsup.restore.problem import Problem
from unsup.restore.skip import Skip, SkipConfig
from unsup.restore.stopping import HoldoutStop, VarianceStop

INPUTS = ("noise", "meshgrid")
STOPS = ("holdout", "variance", "fixed")


@dataclass(frozen=True)
class DIPConfig:
    """Network and optimisation settings of one DIP run (see :data:`unsup.restore.presets.PRESETS`)."""

    net: SkipConfig = SkipConfig()
    input: str = "noise"  # noise: U(0, 0.1) with net.in_channels channels; meshgrid: 2 channels (x, y) in [0, 1]
    lr: float = 0.01
    reg_noise: float = 1 / 30  # std of the input jitter added at each step
    iters: int = 3000  # fixed iteration count (the paper's)
    max_iters: int = 6000  # cap when stopping automatically
    ema: float = 0.99  # output EMA weight; 0 disables
    backtrack_db: float = 5.0  # restore the last good weights if the loss rose by more than this
    backtrack_every: int = 100
    # automatic stop: held-out pixels (self-validation), ES-WMV output variance, or "fixed": always `iters` steps
    # (super-resolution: the held-out low-resolution error can rise while the high-resolution PSNR still climbs)
    stop: str = "holdout"
    holdout: float = 0.1  # fraction of observed pixels held out of the fit when stop == "holdout"
    holdout_values: int = 800  # denoising: hold out at least this many values (at most 25% of the pixels)
    window: int = 100  # ES-WMV window W
    patience: int = 500  # steps without improvement before stopping (ES-WMV's P)
    # held-out stop with refit: the refit's length is the centre of the iterations whose held-out error is within
    # this fraction of the minimum (ties for a few hundred noisy values; see HoldoutStop)
    stop_tolerance: float = 0.005
    keep_observed: bool = True  # inpainting: return known pixels as observed (exact unless the image is noisy)
    # held-out stop at t: refit from the same start on all observed pixels for round(refit * (t + 1)) steps and
    # return that output; 0 returns the held-out run's own output
    refit: float = 1.0
    # with the refit, the returned image is (1 - held_weight) * refit + held_weight * held-out run's output: two fits
    # of different pixel sets, whose errors partly cancel (0 returns the refit alone)
    held_weight: float = 1 / 3

    def __post_init__(self) -> None:
        if self.input not in INPUTS:
            raise ValueError(f"input must be one of {INPUTS}, got {self.input!r}")
        if self.input == "meshgrid" and self.net.in_channels != 2:
            raise ValueError("input='meshgrid' needs net.in_channels == 2")
        if not 0 <= self.ema < 1:
            raise ValueError(f"ema must be in [0, 1), got {self.ema}")
        if self.stop not in STOPS:
            raise ValueError(f"stop must be one of {STOPS}, got {self.stop!r}")
        if not 0 < self.holdout < 0.5:
            raise ValueError(f"holdout must be in (0, 0.5), got {self.holdout}")
        if self.holdout_values < 0:
            raise ValueError(f"holdout_values must be >= 0, got {self.holdout_values}")
        if self.iters < 1 or self.max_iters < 1:
            raise ValueError("iters and max_iters must be >= 1")
        if not 0 <= self.stop_tolerance < 1:
            raise ValueError(f"stop_tolerance must be in [0, 1), got {self.stop_tolerance}")
        if not 0 <= self.refit <= 4:
            raise ValueError(f"refit must be in [0, 4], got {self.refit}")
        if not 0 <= self.held_weight < 1:
            raise ValueError(f"held_weight must be in [0, 1), got {self.held_weight}")


@dataclass
class DIPResult:
    """Restored image (H, W, C) in [0, 1] and the run's record; ``history`` holds ``(iteration, value)`` lists.

    ``stop_iter`` is the iteration the stop rule picked (None if ES-WMV never filled its window; with the refit the
    centre of the held-out error's tie band, whose count the refit runs, else its minimum); ``stopped`` says
    whether its patience ran out, i.e. whether an automatic run ended by the rule rather than at ``max_iters``.
    ``refit_iters`` > 0: ``image`` is the last output of that many steps fitted on all observed pixels after the
    held-out stop, mixed with the held-out run's output by ``DIPConfig.held_weight`` (the refit's record is in
    ``history["refit_*"]``, the returned image's PSNR in ``history["returned_psnr"]``; ``iters`` counts both runs).
    """

    image: np.ndarray
    iters: int
    stop_iter: int | None
    stopped: bool
    seconds: float
    history: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)
    refit_iters: int = 0

    @property
    def best_psnr(self) -> tuple[int, float] | None:
        """(iteration, dB) of the best PSNR of the EMA output along the run (needs ``truth``)."""
        trace = self.history.get("psnr")
        return max(trace, key=lambda p: p[1]) if trace else None

    def psnr_at(self, t: int) -> float:
        """PSNR (dB) of the EMA output at iteration ``t`` (needs ``truth``)."""
        return dict(self.history["psnr"])[t]


def make_input(kind: str, channels: int, size: tuple[int, int], generator: torch.Generator) -> torch.Tensor:
    """The fixed network input z: (1, channels, H, W)."""
    h, w = size
    if kind == "meshgrid":
        ys, xs = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
        return torch.stack([xs, ys])[None]
    return torch.rand(1, channels, h, w, generator=generator) * 0.1


def _psnr(x: torch.Tensor, truth: torch.Tensor) -> float:
    return -10 * math.log10(max(float((x - truth).square().mean()), 1e-12))


def _clone(obj):
    if isinstance(obj, torch.Tensor):
        return obj.clone()
    if isinstance(obj, dict):
        return {k: _clone(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clone(v) for v in obj]
    return obj


class _Backtrack:
    """Keep the last good weights; roll back when the loss jumps by more than ``db`` (reference DIP's safeguard)."""

    def __init__(self, net: torch.nn.Module, opt: torch.optim.Optimizer, db: float) -> None:
        self.net, self.opt, self.factor = net, opt, 10 ** (db / 10)
        self.loss, self.state, self.count = math.inf, None, 0

    def check(self, loss: float) -> None:
        if self.state is not None and loss > self.factor * self.loss:
            self.net.load_state_dict(self.state[0])
            self.opt.load_state_dict(self.state[1])
            self.count += 1
            return
        self.loss = loss
        self.state = ({k: v.clone() for k, v in self.net.state_dict().items()}, _clone(self.opt.state_dict()))


class _Recorder:
    """History, snapshots and the progress bar of one run."""

    def __init__(self, truth: np.ndarray | None, total: int, ssim_every: int, device: str, bar: tqdm) -> None:
        self.truth = truth
        self.truth_t = None if truth is None else to_tensor(truth).to(device)
        self.snap_every, self.ssim_every, self.total, self.bar = max(1, total // 48), ssim_every, total, bar
        self.hist: dict[str, list[tuple[int, float]]] = {"loss": [], "psnr": [], "psnr_raw": [], "ssim": []}
        self.snapshots: list[tuple[int, np.ndarray]] = []

    def record(self, t: int, loss: float, out: torch.Tensor, ema: torch.Tensor, last: bool) -> None:
        self.hist["loss"].append((t, loss))
        if self.truth_t is not None:
            self.hist["psnr"].append((t, _psnr(ema, self.truth_t)))
            self.hist["psnr_raw"].append((t, _psnr(out, self.truth_t)))
            if t % self.ssim_every == 0 or last:
                self.hist["ssim"].append((t, ssim(to_numpy(ema), self.truth)))
        if t % self.snap_every == 0 or last:
            self.snapshots.append((t, to_numpy(ema)))
        if t % 10 == 0:
            post = {"loss": f"{loss:.2e}"}
            if self.truth_t is not None:
                post["psnr"] = f"{self.hist['psnr'][-1][1]:.2f}"
            self.bar.set_postfix(post, refresh=False)


def _holdout_fraction(config: DIPConfig, problem: Problem) -> float:
    """Fraction of observed pixels to hold out. On a noisy observation the held-out error carries a term in the
    held-out noise whose spread shrinks only as 1/sqrt(values): on a 64x64 grey image 10% (410 values) made the
    stop miss the best PSNR by 0.78 dB, 800 values by 0.35 dB (``python benchmarks/restore.py --tasks denoise
    --size 64``). Noise-free tasks (inpainting, SR) keep ``holdout``."""
    if problem.task != "denoise":
        return config.holdout
    values = problem.size[0] * problem.size[1] * problem.channels
    return max(config.holdout, min(config.holdout_values / values, 0.25))


class _Watch:
    """The automatic stop rule of a run; with ``holdout`` it also owns the data term the net is fitted to."""

    def __init__(self, config: DIPConfig, problem: Problem, seed: int) -> None:
        self.held = None
        if config.stop != "holdout":  # with a fixed count the variance rule only records
            self.rule, self.key, self.fit_problem = VarianceStop(config.window, config.patience), "var", problem
            return
        known = torch.ones_like(problem.y[:, :1]) if problem.mask is None else problem.mask
        gen = torch.Generator().manual_seed(seed + 1)
        held = (torch.rand(known.shape, generator=gen) < _holdout_fraction(config, problem)).to(known) * known
        self.rule, self.key, self.held = HoldoutStop(config.patience, config.stop_tolerance), "holdout", held
        self.fit_problem = Problem(problem.y, known * (1 - held), problem.factor)
        self.y, self.down, self.count = problem.y, problem.down, float(held.sum()) * problem.channels

    def update(self, t: int, out: torch.Tensor, ema: torch.Tensor) -> bool:
        if self.held is None:
            return self.rule.update(t, out)
        return self.rule.update(t, float(((self.down(ema) - self.y).square() * self.held).sum()) / self.count)


def _save(path, t: int, net, opt, watch: _Watch, backtrack: _Backtrack, rec: _Recorder, ema, kept) -> None:
    state = {"kind": "dip", "t": t, "net": net.state_dict(), "opt": opt.state_dict(), "rule": _rule_state(watch.rule),
             "ema": ema, "kept": kept, "backtrack": (backtrack.loss, backtrack.state, backtrack.count),
             "hist": rec.hist, "snapshots": [(i, torch.from_numpy(a)) for i, a in rec.snapshots],
             "rng": torch.get_rng_state()}  # fmt: skip
    atomic_torch_save(state, path)


def _load(path, net, opt, watch: _Watch, backtrack: _Backtrack, rec: _Recorder, device: str):
    """Restore a run saved by :func:`_save`; returns (next iteration, ema, kept)."""
    state = load_checkpoint(path, "dip", device)
    try:
        net.load_state_dict(state["net"])
        opt.load_state_dict(state["opt"])
        _load_rule(watch.rule, state["rule"])
    except (KeyError, RuntimeError, ValueError, TypeError) as exc:
        detail = " ".join(str(exc).split())[:160]
        raise ValueError(f"{path}: does not fit this run's network and stop rule (other settings?): {detail}") from None
    rec.hist, rec.snapshots = state["hist"], [(i, a.numpy()) for i, a in state["snapshots"]]
    backtrack.loss, backtrack.state, backtrack.count = state["backtrack"]
    torch.set_rng_state(state["rng"])  # the input jitter continues exactly where it stopped
    return state["t"] + 1, state["ema"], state["kept"]


def _rule_state(rule) -> dict:
    """The stop rule's attributes as tensors and plain values (its window as a list), for a safe checkpoint."""
    return {"type": type(rule).__name__, **{k: list(v) if isinstance(v, deque) else v for k, v in vars(rule).items()}}


def _load_rule(rule, state: dict) -> None:
    if not isinstance(state, dict) or state.get("type") != type(rule).__name__:
        raise ValueError(f"saved with another stop rule, not {type(rule).__name__}")
    for key, value in state.items():
        if key != "type":
            setattr(rule, key, deque(value) if isinstance(getattr(rule, key, None), deque) else value)


def _setup(
    config: DIPConfig, problem: Problem, seed: int, device: str
) -> tuple[Skip, torch.Tensor, torch.optim.Adam, _Watch, _Backtrack]:
    """The run's net and fixed input z (both drawn with ``seed``), its optimiser, stop rule and backtracking."""
    (h, w), m = problem.out_size, 2**config.net.scales
    torch.manual_seed(seed)
    # the net draws on a canvas padded to a multiple of 2**scales (and >= 2 pixels at the deepest scale, for
    # BatchNorm); the data term sees only the crop
    size = (max(math.ceil(h / m), 2) * m, max(math.ceil(w / m), 2) * m)
    # plain eager NCHW: channels-last and torch.compile did not pay off on CPU (docs/results.md, DIP speed)
    net = Skip(replace(config.net, out_channels=problem.channels)).to(device)
    z = make_input(config.input, config.net.in_channels, size, torch.Generator().manual_seed(seed)).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    return net, z, opt, _Watch(config, problem, seed), _Backtrack(net, opt, config.backtrack_db)


def _step(
    net: Skip,
    z: torch.Tensor,
    opt: torch.optim.Optimizer,
    fit_problem: Problem,
    reg_noise: float,
    out_size: tuple[int, int],
) -> tuple[torch.Tensor, float]:
    """One Adam step on the data term of the jittered input; returns the cropped output (H, W) and the loss."""
    h, w = out_size
    out = net(z + reg_noise * torch.randn_like(z) if reg_noise else z)[..., :h, :w]
    loss = fit_problem.loss(out).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return out, float(loss.detach())


def _result(
    out: torch.Tensor, t: int, watch: _Watch, backtrack: _Backtrack, rec: _Recorder, config: DIPConfig, t0: float
) -> DIPResult:
    """The result of a run started at ``t0`` whose last step was ``t`` and whose chosen output is ``out``."""
    image = to_numpy(out)
    hist = {**rec.hist, watch.key: watch.rule.history, "backtracks": [(t, backtrack.count)]}
    best = watch.rule.best_iter
    done = best is not None and t - best >= config.patience
    return DIPResult(image, t + 1, best, done, time.perf_counter() - t0, hist, rec.snapshots)


def fit_dip(
    problem: Problem,
    config: DIPConfig,
    *,
    iters: int | None = None,
    truth: np.ndarray | None = None,
    seed: int = 0,
    progress: bool = True,
    ssim_every: int = 50,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 100,
) -> DIPResult:
    """Restore ``problem`` with Deep Image Prior.

    ``iters=None`` runs ``config.iters`` steps when ``config.stop == "fixed"``, else stops automatically
    (``config.stop`` rule, at most ``config.max_iters`` steps) and returns the EMA output kept at the chosen
    iteration; an integer runs exactly that many steps and returns the last EMA output (for inpainting with the
    known pixels pasted back unless ``config.keep_observed`` is off).
    With the held-out stop and ``config.refit`` > 0 the net is then fitted afresh (same seed) on all observed pixels
    for ``refit`` times the chosen iteration count (``config.stop_tolerance``: the centre of the iterations tied
    with the held-out minimum), and ``(1 - w) * refit + w * held`` of the two runs' EMA outputs is returned
    (``w = config.held_weight``).
    ``truth`` (H, W, C) in [0, 1] turns on PSNR (every step) and SSIM (every ``ssim_every`` steps) logging.
    With ``checkpoint`` the whole run state is saved there (atomically) every ``checkpoint_every`` steps, and a run
    started with an existing ``checkpoint`` (same problem, config and seed) resumes from it exactly (the refit
    keeps its own ``<checkpoint>.refit`` file, removed when it ends).
    """
    if iters is None and config.stop == "fixed":
        iters = config.iters
    device = "cuda" if torch.cuda.is_available() else "cpu"
    problem = problem.to(device)
    net, z, opt, watch, backtrack = _setup(config, problem, seed, device)
    total = config.max_iters if iters is None else iters
    # An automatic run usually stops well before its cap: the bar's total is the cap, and the label says so.
    rule = f" (stops itself by the {config.stop} rule; total = cap)" if iters is None else ""
    rec, start, ema, kept, t0 = _Recorder(truth, total, ssim_every, device, None), 0, None, None, time.perf_counter()
    if checkpoint is not None and os.path.exists(checkpoint):  # before the bar: a bad file is one clean line
        start, ema, kept = _load(checkpoint, net, opt, watch, backtrack, rec, device)
    rec.bar = bar = tqdm(
        total=total, initial=start, desc=f"DIP {problem.task}{rule}", disable=not progress, leave=False
    )
    view = problem.paste_known if config.keep_observed else (lambda x: x)  # what is recorded and returned
    t = start - 1
    for t in range(start, total):
        out, loss_v = _step(net, z, opt, watch.fit_problem, config.reg_noise, problem.out_size)
        with torch.inference_mode():
            out = out.detach()
            ema = out if ema is None or not config.ema else config.ema * ema + (1 - config.ema) * out
            stop = watch.update(t, out, ema) and iters is None
            if watch.rule.improved:
                kept = ema.clone()
            if t % config.backtrack_every == 0:
                backtrack.check(loss_v)
            rec.record(t, loss_v, view(out), view(ema), last=stop or t == total - 1)
        bar.update()
        if checkpoint is not None and (t + 1) % checkpoint_every == 0:
            _save(checkpoint, t, net, opt, watch, backtrack, rec, ema, kept)
        if stop:
            break
    bar.close()
    res = _result(view(kept if iters is None and kept is not None else ema), t, watch, backtrack, rec, config, t0)
    if iters is None and config.stop == "holdout" and config.refit > 0 and res.stop_iter is not None:
        pick = watch.rule.pick_iter
        return _refit(problem, config, res, pick, truth, seed, progress, ssim_every, checkpoint, checkpoint_every)
    return res


def _refit(problem: Problem, config: DIPConfig, held: DIPResult, pick: int, truth, seed, progress, ssim_every, ckpt,
           every):  # fmt: skip
    """Fit all observed pixels from the held-out run's start for ``refit`` x the iteration count it picked: the
    held-out pixels lower the peak PSNR (the fit never sees them), the iteration count carries over. The two fits saw
    different pixels, so their errors differ: their weighted mean was above either alone on 15 of 16 benchmark runs
    (docs/results.md; the DIP paper averages restarts for the same reason)."""
    n = max(1, round(config.refit * (pick + 1)))
    path = None if ckpt is None else f"{os.fspath(ckpt)}.refit"
    # stop="variance" fits every observed pixel; with a fixed iteration count its rule only records
    full = fit_dip(problem, replace(config, stop="variance", refit=0.0), iters=n, truth=truth, seed=seed,
                   progress=progress, ssim_every=ssim_every, checkpoint=path, checkpoint_every=every)  # fmt: skip
    if path is not None and os.path.exists(path):
        os.remove(path)
    keep = ("loss", "psnr", "psnr_raw", "ssim")
    hist = {**held.history, **{f"refit_{k}": full.history[k] for k in keep}}
    w = config.held_weight
    image = full.image if w == 0 else ((1 - w) * full.image + w * held.image).astype(full.image.dtype)
    if truth is not None:
        hist["returned_psnr"] = [(held.iters + n - 1, psnr(image, truth))]
    return DIPResult(image, held.iters + n, pick, held.stopped, held.seconds + full.seconds, hist, held.snapshots,
                     refit_iters=n)  # fmt: skip
