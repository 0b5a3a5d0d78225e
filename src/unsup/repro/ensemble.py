"""Independent trials of the 2-D PacGAN experiment trained side by side as one batched model.

Each of the ``T`` trials is the reference model of :func:`unsup.gan.mlp.build_game`, initialised exactly as
:func:`unsup.repro.pacgan.run_trial` initialises it (``torch.manual_seed(seed)``), on its own fixed training set, and
trained with the reference's simultaneous update. Only the layout changes: every layer is one batched matrix
product ``(T, n, d_in) @ (T, d_in, d_out)`` for all trials, so ``T`` trials launch as many kernels as one. The 2-D
networks are far too small to fill a GPU, so there the trials come almost free; on CUDA :class:`Lockstep` also
captures one iteration of every variant as a single CUDA graph and replays it, which removes the per-kernel launch
cost and lets the variants' kernels overlap.

Trials share nothing but the random stream that draws minibatches and latent codes, so a trial's numbers are not
bit-identical to its single-process run (a different stream), while the protocol is the same.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from unsup.gan import losses
from unsup.gan.config import check_adam, tail_decay
from unsup.gan.mlp import Maxout, build_game
from unsup.gan.trainer import bf16_autocast, warn_if_slow_bf16

BN_EPS = 1e-5  # nn.BatchNorm1d's


def _stack(linears: list[nn.Linear]) -> tuple[nn.Parameter, nn.Parameter]:
    """Weights ``(T, d_in, d_out)`` and biases ``(T, 1, d_out)`` of the same layer of ``T`` models."""
    w = torch.stack([lin.weight.detach().T for lin in linears])
    b = torch.stack([lin.bias.detach()[None] for lin in linears])
    return nn.Parameter(w.contiguous()), nn.Parameter(b)


class Ensemble(nn.Module):
    """``T`` independent reference models (G: MLP with BatchNorm, D: maxout, packed ``pack`` times).

    ``datasets``: one :class:`~unsup.data.toy.Mixture` per trial (their training sets are what each trial sees);
    ``seeds``: the seed each trial's networks are initialised from. Shapes carry the trial axis first:
    ``generate(z)`` maps ``(T, n, latent_dim) -> (T, n, d)`` and ``discriminate(x)`` ``(T, n, pack·d) -> (T, n)``.
    """

    def __init__(self, datasets: list, seeds: list[int], pack: int = 1, loss: str = "ns", d_hidden: int = 200) -> None:
        super().__init__()
        if len(datasets) != len(seeds) or not seeds:
            raise ValueError(f"need one dataset per seed; got {len(datasets)} datasets and {len(seeds)} seeds")
        if losses.check_kind(loss) == "wgan-gp":
            raise ValueError("loss wgan-gp is not supported by the batched trials (its penalty is per network)")
        games = []
        for data, seed in zip(datasets, seeds, strict=True):
            torch.manual_seed(seed)
            games.append(build_game(data, pack=pack, loss=loss, d_hidden=d_hidden))
        self.pack, self.loss, self.latent_dim = pack, loss, games[0].latent_dim
        # rebuilt from the seeds, so checkpoints leave it out
        self.register_buffer("train_sets", torch.stack([d.train_set for d in datasets]), persistent=False)
        g_layers = zip(*[[m for m in g.G if isinstance(m, nn.Linear)] for g in games], strict=True)
        self.g_lin = nn.ParameterList([p for layer in g_layers for p in _stack(list(layer))])
        bns = list(zip(*[[m for m in g.G if isinstance(m, nn.BatchNorm1d)] for g in games], strict=True))
        self.g_bn = nn.ParameterList([nn.Parameter(torch.stack([getattr(m, name).detach()[None] for m in layer]))
                                      for layer in bns for name in ("weight", "bias")])  # fmt: skip
        # (layers, T, width) running averages, updated per G call as nn.BatchNorm1d's: what eval-mode sampling uses
        for name in ("running_mean", "running_var"):
            self.register_buffer(name, torch.stack([torch.stack([getattr(m, name) for m in layer]) for layer in bns]))
        d_modules = [[m.linear if isinstance(m, Maxout) else m for m in g.D.discriminator
                      if isinstance(m, (Maxout, nn.Linear))] for g in games]  # fmt: skip
        self.d_lin = nn.ParameterList([p for layer in zip(*d_modules, strict=True) for p in _stack(list(layer))])
        self.pieces = games[0].D.discriminator[0].pieces

    @property
    def trials(self) -> int:
        return self.train_sets.shape[0]

    def g_params(self) -> list[nn.Parameter]:
        return [*self.g_lin, *self.g_bn]

    def d_params(self) -> list[nn.Parameter]:
        return list(self.d_lin)

    def generate(self, z: Tensor, slots: int = 1, running_stats: bool = False) -> Tensor:
        """``(T, n, latent_dim) -> (T, n, d)``, the ``n`` rows ``slots`` consecutive G calls of ``n // slots`` codes:
        BatchNorm takes each trial's batch statistics per call (and, with grad enabled, updates the running
        averages once per call, as ``nn.BatchNorm1d``), or its running averages with ``running_stats``."""
        h, n_hidden, (t, n, _) = z, len(self.g_bn) // 2, z.shape
        if slots < 1 or n % slots:
            raise ValueError(f"slots must be >= 1 and divide the {n} codes per trial; got {slots}")
        for i in range(n_hidden + 1):
            h = torch.baddbmm(self.g_lin[2 * i + 1], h, self.g_lin[2 * i])
            if i < n_hidden:
                calls = h.view(t, slots, n // slots, -1)
                if running_stats:
                    mean, var = self.running_mean[i][:, None, None], self.running_var[i][:, None, None]
                else:
                    mean, var = calls.mean(2, keepdim=True), calls.var(2, unbiased=False, keepdim=True)
                    if torch.is_grad_enabled():
                        self._track(i, mean, var, n // slots)
                scale, shift = self.g_bn[2 * i][:, None], self.g_bn[2 * i + 1][:, None]  # (T, 1, 1, width)
                h = torch.relu((calls - mean) * torch.rsqrt(var + BN_EPS) * scale + shift).view(t, n, -1)
        return h

    @torch.no_grad()
    def _track(self, layer: int, mean: Tensor, var: Tensor, n: int) -> None:
        """``running ← 0.9·running + 0.1·stat`` once per call, in call order (momentum 0.1, unbiased variance);
        ``mean``, ``var``: ``(T, slots, 1, width)``."""
        slots = mean.shape[1]
        w = 0.1 * 0.9 ** torch.arange(slots - 1, -1, -1, device=mean.device, dtype=torch.float32)  # last call: 0.1
        for buf, stat in ((self.running_mean, mean.float()), (self.running_var, var.float() * n / (n - 1))):
            buf[layer].mul_(0.9**slots).add_(torch.einsum("s,tsw->tw", w, stat[:, :, 0]))

    def discriminate(self, x: Tensor) -> Tensor:
        """``(T, n, pack·d) -> (T, n)`` logits, the maxout layers taking the max over ``pieces`` maps."""
        n_maxout = len(self.d_lin) // 2 - 1
        for i in range(n_maxout):
            x = torch.baddbmm(self.d_lin[2 * i + 1], x, self.d_lin[2 * i]).unflatten(2, (-1, self.pieces)).max(3)[0]
        return torch.baddbmm(self.d_lin[-1], x, self.d_lin[-2]).squeeze(2)

    def real_batch(self, batch: int) -> Tensor:
        """``(T, batch, pack·d)``: packs of ``pack`` training points, each slot an independent resample."""
        idx = torch.randint(self.train_sets.shape[1], (self.trials, batch * self.pack), device=self.train_sets.device)
        x = torch.gather(self.train_sets, 1, idx[..., None].expand(-1, -1, self.train_sets.shape[2]))
        return x.reshape(self.trials, batch, -1)

    def fake_batch(self, batch: int) -> Tensor:
        """``(T, batch, pack·d)``: one G call on ``batch`` fresh codes per pack slot (BatchNorm statistics per slot)."""
        z = torch.randn(self.pack, self.trials, batch, self.latent_dim, device=self.train_sets.device)
        # the pack's G calls as one pass: 1/pack of the kernels, and the small GPU workload is bound by their launches;
        # the codes are drawn slot-major as before, so a seed gives the same random numbers as the per-call loop did
        x = self.generate(z.transpose(0, 1).reshape(self.trials, -1, self.latent_dim), slots=self.pack)
        return x.view(self.trials, self.pack, batch, -1).transpose(1, 2).flatten(2)

    def joint_loss(self, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        """Sums over trials of each trial's D and G loss, from one D pass over real and fake packs.

        Summing keeps each trial's gradient its own (the trials share no parameter)."""
        r, f = self.discriminate(torch.cat([real, fake], 1)).split([real.shape[1], fake.shape[1]], 1)
        t = self.trials  # every trial has the same batch, so T × the mean over all logits = Σ_t mean_t
        return t * losses.d_loss(r, f, self.loss), t * losses.g_loss(f, self.loss)

    @torch.no_grad()
    def sample(self, n: int, chunk: int = 1000, running_stats: bool = False) -> Tensor:
        """``(T, n, d)`` samples per trial, BatchNorm over chunks of ``chunk`` codes or, with ``running_stats``,
        with its running averages (as :meth:`GAN.sample`)."""
        dev = self.train_sets.device
        parts = [self.generate(torch.randn(self.trials, min(chunk, n - i), self.latent_dim, device=dev),
                               running_stats=running_stats) for i in range(0, n, chunk)]  # fmt: skip
        return torch.cat(parts, 1)


class EnsembleTrainer:
    """Adam and the reference's simultaneous update for an :class:`Ensemble` (eager; :class:`Lockstep` replays
    iterations as a CUDA graph).

    Adam is element-wise, so one optimiser over the stacked parameters is exactly one Adam per trial. The step
    size is a tensor, so a captured graph reads its decay. ``bf16``: the forward passes under bfloat16 autocast.
    """

    def __init__(
        self,
        ensemble: Ensemble,
        batch: int = 100,
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.8, 0.999),
        steps: int = 400_000,
        lr_decay: float = 0.0,
        device: str = "auto",
        bf16: bool = False,
    ) -> None:
        for name, value in (("batch", batch), ("steps", steps)):
            if value < 1:
                raise ValueError(f"{name} must be >= 1; got {value}")
        check_adam(betas, lr_decay, lr=lr)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        self.ens, self.batch, self.steps, self.lr, self.lr_decay = ensemble.to(self.device), batch, steps, lr, lr_decay
        self.bf16 = bf16
        if bf16:
            warn_if_slow_bf16(self.device)
        kw = {"betas": betas, "fused": True, "capturable": self.device.type == "cuda"}
        self.opt_d = torch.optim.Adam(self.ens.d_params(), lr=torch.tensor(lr, device=self.device), **kw)
        self.opt_g = torch.optim.Adam(self.ens.g_params(), lr=torch.tensor(lr, device=self.device), **kw)
        self.step = 0

    def iteration(self) -> None:
        """Draw a minibatch and codes and step both Adams once (nothing read back: that would sync a GPU)."""
        with bf16_autocast(self.device, self.bf16):
            real, fake = self.ens.real_batch(self.batch), self.ens.fake_batch(self.batch)
            ld, lg = self.ens.joint_loss(real, fake)
        d, g = self.ens.d_params(), self.ens.g_params()
        grads = torch.autograd.grad(ld, d, retain_graph=True) + torch.autograd.grad(lg, g)
        for p, grad in zip(d + g, grads, strict=True):
            p.grad = grad
        self.opt_d.step()
        self.opt_g.step()

    def lr_factor(self, step: int) -> float:
        """1, then falling linearly to 0 over the last ``lr_decay`` of ``steps`` (as the shared trainer)."""
        return tail_decay(step, self.steps, self.lr_decay)

    def set_lr(self) -> None:
        """This step's size into both optimisers (in place: a captured graph reads the same tensors)."""
        if self.lr_decay > 0:
            for group in self.opt_d.param_groups + self.opt_g.param_groups:
                group["lr"].fill_(self.lr * self.lr_factor(self.step))

    def state_dict(self) -> dict:
        """Step, stacked networks and both Adam states (the random streams are the caller's to save)."""
        return {"step": self.step, "ensemble": self.ens.state_dict(), "opt_d": self.opt_d.state_dict(),
                "opt_g": self.opt_g.state_dict()}  # fmt: skip

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`; before any CUDA graph is captured (it would keep the old Adam state)."""
        if "running_mean" not in state["ensemble"]:
            raise ValueError("checkpoint written before the batched trials kept BatchNorm running averages "
                             "(2026-11-28), which eval-mode scoring needs: rerun it with this version")  # fmt: skip
        self.ens.load_state_dict(state["ensemble"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.step = int(state["step"])

    def train_step(self) -> None:
        """One eager iteration for every trial."""
        self.set_lr()
        self.iteration()
        self.step += 1


class Lockstep:
    """Several :class:`EnsembleTrainer` (one per variant, say) advanced together, one iteration each per call.

    On CUDA (``graph=None`` means there) the first call runs three eager warm-up iterations (Adam's state must
    exist before capture; they count as steps) and captures one iteration of every trainer as a single CUDA graph,
    each trainer a branch on its own stream so that their small kernels can overlap; later calls replay it. The
    branches are captured in order, so they draw the same random numbers as the eager loop.
    """

    def __init__(self, trainers: list[EnsembleTrainer], graph: bool | None = None) -> None:
        self.trainers = list(trainers)
        if not self.trainers:
            raise ValueError("trainers must hold at least one EnsembleTrainer")
        cuda = all(tr.device.type == "cuda" for tr in self.trainers)
        self.graph = cuda if graph is None else graph
        if self.graph and not cuda:
            raise ValueError("graph=True needs every trainer on a CUDA device")
        self._graph = None

    @property
    def step(self) -> int:
        return min(tr.step for tr in self.trainers)

    def _capture(self) -> None:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                for tr in self.trainers:
                    tr.train_step()
        torch.cuda.current_stream().wait_stream(side)
        branches = [torch.cuda.Stream() for _ in self.trainers]
        self._graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self._graph):
            capture = torch.cuda.current_stream()
            for s in branches:  # fork every branch before joining any, or they would run one after another
                s.wait_stream(capture)
            for tr, s in zip(self.trainers, branches, strict=True):
                with torch.cuda.stream(s):
                    tr.iteration()
            for s in branches:
                capture.wait_stream(s)

    def train_step(self) -> None:
        """One iteration of every trainer."""
        if self.graph and self._graph is None and min(tr.steps - tr.step for tr in self.trainers) > 3:
            self._capture()
        if self._graph is None:
            for tr in self.trainers:
                tr.train_step()
            return
        for tr in self.trainers:
            tr.set_lr()
        self._graph.replay()  # fresh minibatches and codes: the graph's random offsets advance with each replay
        for tr in self.trainers:
            tr.step += 1
