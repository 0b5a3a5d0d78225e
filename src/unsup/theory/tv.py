"""Total variation between packed distributions, the PacGAN view of mode collapse (Lin et al. 2018, §3).

With the lecture's bounded discriminator ``|D(x)| ≤ 1`` the inner maximisation of
``E_P[D(x)] + E_Q[1 - D(x)]`` is solved by ``D(x) = +1 where P(x) ≥ Q(x), -1 elsewhere``, and what G then
minimises is (an affine function of) ``d_TV(P, Q) = ½ Σ_x |P(x) - Q(x)|``. A discriminator judging ``m`` samples
sees ``d_TV(Pᵐ, Qᵐ)``, which grows with ``m`` much faster for a generator that misses mass (mode collapse) than for
one that spreads it wrongly.

Exact computation never enumerates the ``kᵐ`` points of the product space: atoms with the same likelihood ratio
``P(x)/Q(x)`` are merged first (the ratio is sufficient for the test between P and Q), and ``Pᵐ, Qᵐ`` are then
constant on each multinomial *type class* ``{x : counts(x) = n}``, so
``d_TV(Pᵐ, Qᵐ) = ½ Σ_n (m choose n) |Π p_iⁿⁱ - Π q_iⁿⁱ|`` over the ``(m + k' - 1 choose k' - 1)`` types.
"""

from __future__ import annotations

import itertools
import math
import os
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import gammaln, logsumexp

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

MAX_TYPES = 5_000_000


def _probability_vector(p, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or len(p) == 0:
        raise ValueError(f"{name} must be a non-empty probability vector; got shape {p.shape}")
    if (p < 0).any() or not math.isclose(p.sum(), 1.0, rel_tol=0, abs_tol=1e-9):
        raise ValueError(f"{name} must be non-negative and sum to 1; sums to {p.sum():.6g}")
    return p


def merge_by_ratio(p: ArrayLike, q: ArrayLike, decimals: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Merge atoms whose likelihood ratios ``p_i / q_i`` agree (to ``decimals`` digits); ``d_TV(Pᵐ, Qᵐ)`` is
    unchanged for every ``m``. Returns the merged ``(p', q')``."""
    p, q = _probability_vector(p, "p"), _probability_vector(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must share one support; got {len(p)} and {len(q)} atoms")
    keep = (p > 0) | (q > 0)
    p, q = p[keep], q[keep]
    angle = np.round(np.arctan2(p, q), decimals)  # ratio as an angle: finite for q = 0 too
    labels, inverse = np.unique(angle, return_inverse=True)
    return np.bincount(inverse, p, len(labels)), np.bincount(inverse, q, len(labels))


def _types(m: int, k: int) -> np.ndarray:
    """All count vectors ``n ∈ ℕᵏ`` with ``Σ n = m``, as a ``(T, k)`` array (stars and bars)."""
    bars = np.array(list(itertools.combinations(range(m + k - 1), k - 1)), dtype=np.int64).reshape(-1, k - 1)
    edges = np.concatenate([np.full((len(bars), 1), -1), bars, np.full((len(bars), 1), m + k - 1)], 1)
    return np.diff(edges, axis=1) - 1


def _log_power(p: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``log Π p_i^{n_i}`` per row of ``n`` (``0⁰ = 1``)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 · log 0 is masked out below
        terms = np.where(n > 0, n * np.log(p), 0.0)
    return terms.sum(1)


def tv_distance(p: ArrayLike, q: ArrayLike, pack: int = 1) -> float:
    """Exact ``d_TV(Pᵐ, Qᵐ)`` for probability vectors ``p, q`` over the same ``k`` atoms and ``m = pack``."""
    if not isinstance(pack, (int, np.integer)) or pack < 1:
        raise ValueError(f"pack must be an integer >= 1; got {pack!r}")
    p, q = merge_by_ratio(p, q)
    k = len(p)
    if k == 1:
        return 0.0
    if math.comb(pack + k - 1, k - 1) > MAX_TYPES:
        raise ValueError(f"pack={pack} over {k} distinct likelihood ratios has more than {MAX_TYPES:,} types; "
                         "use tv_distance_mc")  # fmt: skip
    n = _types(pack, k)
    log_multinomial = gammaln(pack + 1) - gammaln(n + 1).sum(1)
    a, b = log_multinomial + _log_power(p, n), log_multinomial + _log_power(q, n)
    return float(0.5 * np.abs(np.exp(a) - np.exp(b)).sum())


def optimal_discriminator(p: ArrayLike, q: ArrayLike) -> np.ndarray:
    """The lecture's maximiser of ``E_P[D] + E_Q[1 - D]`` over ``|D| ≤ 1``: ``+1`` where ``p ≥ q``, else ``-1``."""
    p, q = _probability_vector(p, "p"), _probability_vector(q, "q")
    return np.where(p >= q, 1.0, -1.0)


def product(p: ArrayLike, pack: int) -> np.ndarray:
    """The ``kᵐ`` probabilities of ``Pᵐ`` (brute force; for checks on small supports)."""
    out = np.ones(1)
    for _ in range(pack):
        out = np.outer(out, np.asarray(p, dtype=np.float64)).ravel()
    return out


def gaussian_mixture_logpdf(
    x: np.ndarray, means: ArrayLike, std: float, weights: ArrayLike | None = None
) -> np.ndarray:
    """Log density ``(n,)`` at ``x`` ``(n, d)`` of an isotropic Gaussian mixture; zero-weight modes are absent."""
    means = np.asarray(means, dtype=np.float64)
    k, d = means.shape
    w = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=np.float64) / np.sum(weights)
    sq = ((x[:, None, :] - means[None]) ** 2).sum(-1)
    with np.errstate(divide="ignore"):
        logw = np.log(w)
    return logsumexp(logw - sq / (2 * std**2), axis=1) - d * math.log(std * math.sqrt(2 * math.pi))


def tv_distance_mc(p_mix: dict, q_mix: dict, pack: int = 1, n: int = 20_000, seed: int = 0) -> tuple[float, float]:
    """Monte Carlo ``d_TV(Pᵐ, Qᵐ) = E_{Pᵐ}[(1 - Qᵐ/Pᵐ)₊]`` for Gaussian mixtures given as
    ``{"means": (k, d), "std": s, "weights": (k,) or None}``; returns ``(estimate, standard error)``."""
    if pack < 1 or n < 2:
        raise ValueError(f"pack must be >= 1 and n >= 2; got pack={pack}, n={n}")
    rng = np.random.default_rng(seed)
    means = np.asarray(p_mix["means"], dtype=np.float64)
    k, d = means.shape
    w = p_mix.get("weights")
    w = np.full(k, 1.0 / k) if w is None else np.asarray(w, dtype=np.float64) / np.sum(w)
    idx = rng.choice(k, size=n * pack, p=w)
    x = means[idx] + p_mix["std"] * rng.standard_normal((n * pack, d))
    log_ratio = gaussian_mixture_logpdf(
        x, q_mix["means"], q_mix["std"], q_mix.get("weights")
    ) - gaussian_mixture_logpdf(x, p_mix["means"], p_mix["std"], p_mix.get("weights"))
    vals = np.clip(1 - np.exp(log_ratio.reshape(n, pack).sum(1)), 0, None)
    return float(vals.mean()), float(vals.std(ddof=1) / math.sqrt(n))


def plot_tv_vs_pack(p: ArrayLike, qs: dict, max_pack: int, path: str | os.PathLike) -> dict:
    """Plot ``d_TV(Pᵐ, Qᵐ)`` for ``m = 1..max_pack`` for each named ``q`` in ``qs``; returns the curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    packs = list(range(1, max_pack + 1))
    curves = {name: [tv_distance(p, q, m) for m in packs] for name, q in qs.items()}
    fig, ax = plt.subplots(figsize=(4.5, 3.2), dpi=100)
    for name, ys in curves.items():
        ax.plot(packs, ys, marker="o", ms=3, label=name)
    ax.set_xlabel("pack size m")
    ax.set_ylabel(r"$d_{TV}(P^m, Q^m)$")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return curves


# The lecture's example on ten equal bins of [0, 1]: P uniform; Q1 drops the first two bins (mode collapse);
# Q2 keeps every bin but puts 0.14 on each of the first five and 0.06 on the last five.
LECTURE_P = np.full(10, 0.1)
LECTURE_Q1 = np.array([0.0] * 2 + [0.125] * 8)
LECTURE_Q2 = np.array([0.14] * 5 + [0.06] * 5)
