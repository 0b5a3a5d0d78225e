"""Disentanglement metrics of a representation on images with known factors of variation.

Every metric talks to the data through a :class:`Probe`: ``sample_factors(n, rng) -> (n, K)`` draws factor
vectors and ``represent(factors) -> (n, D)`` returns the representation (e.g. InfoGAN's Q codes) of the images
those factors render. :func:`dataset_probe` builds one from a :mod:`unsup.data.sprites` set and an encoder (caching
the codes of every image when the set is small), :func:`generator_probe` from a trained generator whose own codes
play the factors (used by :func:`model_centrality`).

Implemented after the reference definitions (Locatello et al. 2019's disentanglement_lib choices unless noted):

- :func:`factor_vae_score` (Kim & Mnih 2018): fix one factor, find the code of least normalised variance,
  majority-vote classifier from that code to the factor; its held-out accuracy. Codes whose spread (std) is below
  0.05 are pruned first, as in disentanglement_lib's study configuration (``prune=0``: only collapsed codes).
- :func:`mig` (Chen et al. 2018): mean over factors of ``(I(z_a; v) − I(z_b; v)) / H(v)`` for the two codes with
  the most mutual information, codes discretised into 20 equal-width bins.
- :func:`sap` (Kumar et al. 2018): mean over factors of the gap between the two best per-code scores. The
  discrete-factor form (default, the setting of disentanglement_lib's studies) scores a code by the held-out
  accuracy of a linear SVM (C = 0.01, balanced classes) from that one code to the factor; the continuous form by
  its R² with the factor taken as an ordinal value.
- :func:`dci` (Eastwood & Williams 2018): importances R (codes × factors) from gradient-boosted trees per factor
  (disentanglement_lib's model; ``importance="forest"``: a random forest); disentanglement, completeness
  (1 − entropy of R's rows / columns) and informativeness (held-out accuracy).
- :func:`beta_vae_score` (Higgins et al. 2017): logistic regression from the mean ``|z1 − z2|`` over pairs sharing
  a factor to that factor; held-out accuracy.
- :func:`model_centrality` (Lin et al. 2020): a model's mean pairwise FactorVAE score against the other models,
  each model's generator standing in for the ground truth of the others; picks a run without labels.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import mutual_info_score
from sklearn.svm import LinearSVC

if TYPE_CHECKING:
    from unsup.data.sprites import FactorImages

Encoder = Callable[[np.ndarray], np.ndarray]  # images (n, C, H, W) -> codes (n, D)
SAP_FORMS = ("discrete", "continuous")
DCI_IMPORTANCES = ("gbt", "forest")
STILL_VARIANCE = 1e-12  # normalised codes have unit spread; a batch's variance below this is rounding, not motion


@dataclass
class Probe:
    """How a metric sees the data: ``num_factors`` K, a factor sampler and the representation of factors."""

    num_factors: int
    sample_factors: Callable[[int, np.random.Generator], np.ndarray]  # (n, rng) -> (n, K)
    represent: Callable[[np.ndarray], np.ndarray]  # (n, K) factors -> (n, D) codes


def dataset_probe(
    data: FactorImages, encode: Encoder, chunk: int = 512, cache_limit: int = 20_000, render: Callable | None = None
) -> Probe:
    """Probe for a factor-image set (``factor_sizes``, ``sample_factors``, ``render``) and an image encoder.

    Sets with at most ``cache_limit`` images are encoded once, in full; larger ones are rendered on demand, by
    ``render`` when given (factor indices ``(n, K)`` -> images ``encode`` accepts, e.g. a GPU tensor) else by
    ``data.render``.
    """
    sizes = np.asarray(data.factor_sizes)
    draw = render or data.render
    if len(data) <= cache_limit:
        grid = np.stack(np.unravel_index(np.arange(len(data)), sizes), axis=-1)
        table = _batched(lambda f: encode(draw(f)), grid, chunk)

        def represent(f: np.ndarray) -> np.ndarray:
            return table[np.ravel_multi_index(tuple(np.asarray(f).T), sizes)]
    else:

        def represent(f: np.ndarray) -> np.ndarray:
            return _batched(lambda g: encode(draw(g)), np.asarray(f), chunk)

    return Probe(len(sizes), data.sample_factors, represent)


def generator_probe(
    generate: Callable[[np.ndarray], np.ndarray],
    encode: Encoder,
    codes: int,
    noise: int,
    seed: int = 0,
    chunk: int = 512,
) -> Probe:
    """Probe whose factors are a generator's ``codes`` coordinates ~ U[-1, 1]; nuisance noise is fresh per image.

    ``generate``: latents ``(n, codes + noise)`` -> images; ``encode``: images -> ``(n, D)``.
    """
    noise_rng = np.random.default_rng(seed)

    def represent(c: np.ndarray) -> np.ndarray:
        s = noise_rng.uniform(-1, 1, size=(len(c), noise))
        z = np.concatenate([c, s], 1).astype(np.float32)
        return _batched(lambda zz: encode(generate(zz)), z, chunk)

    return Probe(codes, lambda n, rng: rng.uniform(-1, 1, size=(n, codes)), represent)


def _batched(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, chunk: int) -> np.ndarray:
    return np.concatenate([np.asarray(fn(x[i : i + chunk]), dtype=np.float64) for i in range(0, len(x), chunk)])


def _fixed_factor_batches(probe: Probe, n: int, batch: int, rng: np.random.Generator):
    """``n`` groups of ``batch`` factor vectors, group g sharing factor ``k[g]``: returns codes ``(n, batch, D)``, k."""
    k = rng.integers(probe.num_factors, size=n)
    f = probe.sample_factors(n * batch, rng).reshape(n, batch, -1)
    f[np.arange(n), :, k] = f[np.arange(n), 0, k][:, None]
    return probe.represent(f.reshape(n * batch, -1)).reshape(n, batch, -1), k


def factor_vae_score(
    probe: Probe,
    rng: np.random.Generator,
    n_train: int = 1000,
    n_eval: int = 500,
    batch: int = 64,
    n_var: int = 5000,
    prune: float = 0.05,
) -> float:
    """FactorVAE score in [0, 1]: held-out accuracy of the majority vote ``argmin_d Var(z_d / σ_d) -> fixed factor``.

    Codes with global std ``σ_d < prune`` do not vote (disentanglement_lib's studies: 0.05); ``prune=0`` drops only
    collapsed codes (zero spread). Unlike the reference, a batch in which no normalised code varies by more than
    rounding (``STILL_VARIANCE``) casts no vote.
    """
    if min(n_train, n_eval, n_var) < 1 or batch < 2:
        raise ValueError(
            f"n_train, n_eval, n_var must be >= 1 and batch >= 2; got {n_train}, {n_eval}, {n_var}, {batch}"
        )
    if prune < 0:
        raise ValueError(f"prune must be >= 0; got {prune}")
    scale = probe.represent(probe.sample_factors(n_var, rng)).std(0, ddof=1)
    active = scale >= prune if prune > 0 else scale > 1e-8

    def votes(n: int) -> np.ndarray:
        z, k = _fixed_factor_batches(probe, n, batch, rng)
        var = (z[:, :, active] / scale[active]).var(1)
        # a batch whose codes do not move (its images are all alike, e.g. circular sprites at radius 0) cannot say
        # which factor was fixed: its argmin would be rounding noise (the reference counts it anyway)
        moved = var.max(1) > STILL_VARIANCE
        v = np.zeros((int(active.sum()), probe.num_factors), dtype=np.int64)
        np.add.at(v, (var.argmin(1)[moved], k[moved]), 1)
        return v

    if not active.any():
        return 0.0
    train, test = votes(n_train), votes(n_eval)
    predict = train.argmax(1)  # each code dimension votes for its most frequent factor
    return float(test[np.arange(len(predict)), predict].sum() / max(test.sum(), 1))


def _sample(probe: Probe, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    f = probe.sample_factors(n, rng)
    return probe.represent(f), f


def mig(probe: Probe, rng: np.random.Generator, n: int = 10_000, bins: int = 20) -> float:
    """Mutual Information Gap in [0, 1] for discrete factors (codes histogrammed into ``bins`` bins)."""
    z, f = _sample(probe, n, rng)
    zd = np.stack([np.digitize(c, np.histogram(c, bins)[1][1:-1]) for c in z.T])
    mi = np.array([[mutual_info_score(fj, zi) for fj in f.T] for zi in zd])  # (D, K)
    h = np.array([mutual_info_score(fj, fj) for fj in f.T])
    top = np.sort(mi, axis=0)[::-1]
    second = top[1] if len(top) > 1 else 0.0
    keep = h > 0
    return float(np.mean((top[0] - second)[keep] / h[keep]))


def sap(probe: Probe, rng: np.random.Generator, n: int = 5000, n_test: int = 2500, form: str = "discrete") -> float:
    """Separated Attribute Predictability in [0, 1] from ``n`` samples (and ``n_test`` held out, discrete form)."""
    z, f = _sample(probe, n, rng)
    zt, ft = _sample(probe, n_test, rng) if form == "discrete" else (None, None)
    return sap_score(z, f, zt, ft, form)


def sap_score(
    z: np.ndarray,
    f: np.ndarray,
    z_test: np.ndarray | None = None,
    f_test: np.ndarray | None = None,
    form: str = "discrete",
) -> float:
    """SAP of codes ``z`` (n, D) for factors ``f`` (n, K): mean over factors of the top-two gap in per-code score.

    ``form="discrete"``: a code's score is the accuracy on ``(z_test, f_test)`` of a linear SVM (C = 0.01, balanced
    class weights) trained from that code alone on ``(z, f)``; ``"continuous"``: its R² with the factor on ``(z, f)``.
    """
    if form not in SAP_FORMS:
        raise ValueError(f"form must be one of {SAP_FORMS}; got {form!r}")
    if form == "continuous":
        zc, fc = z - z.mean(0), f - f.mean(0)
        cov = zc.T @ fc
        denom = np.outer((zc**2).sum(0), (fc**2).sum(0))
        score = np.divide(cov**2, denom, out=np.zeros_like(cov), where=denom > 1e-12)  # (D, K)
    else:
        if z_test is None or f_test is None:
            raise ValueError("form='discrete' needs z_test and f_test")
        score = np.array([[_code_accuracy(z[:, i], f[:, j], z_test[:, i], f_test[:, j]) for j in range(f.shape[1])]
                          for i in range(z.shape[1])])  # fmt: skip
    top = np.sort(score, axis=0)[::-1]
    return float(np.mean(top[0] - (top[1] if len(top) > 1 else 0.0)))


def _code_accuracy(c: np.ndarray, y: np.ndarray, c_test: np.ndarray, y_test: np.ndarray) -> float:
    """Held-out accuracy of a linear SVM from one code to one discrete factor (0 if the factor never varies)."""
    if len(np.unique(y)) < 2:
        return float(np.mean(y_test == y[0]))
    with warnings.catch_warnings():  # C = 0.01 converges slowly on raw codes; the reference runs it the same way
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LinearSVC(C=0.01, class_weight="balanced").fit(c[:, None], y)
    return float(np.mean(clf.predict(c_test[:, None]) == y_test))


def dci(
    probe: Probe,
    rng: np.random.Generator,
    n_train: int = 3000,
    n_test: int = 1000,
    seed: int = 0,
    importance: str = "gbt",
) -> dict[str, float]:
    """DCI disentanglement, completeness and informativeness of ``n_train`` + ``n_test`` sampled codes."""
    z, f = _sample(probe, n_train + n_test, rng)
    return dci_scores(z[:n_train], f[:n_train], z[n_train:], f[n_train:], importance, seed)


def dci_scores(
    z: np.ndarray, f: np.ndarray, z_test: np.ndarray, f_test: np.ndarray, importance: str = "gbt", seed: int = 0
) -> dict[str, float]:
    """DCI of codes ``z`` (n, D) for discrete factors ``f`` (n, K); informativeness is accuracy on the test pair.

    Importances ``R`` (D × K) are the impurity importances of one classifier per factor: gradient-boosted trees with
    scikit-learn's defaults (100 depth-3 trees, as disentanglement_lib) or ``importance="forest"`` (50 trees, depth
    10), both seeded with ``seed``.
    """
    if importance not in DCI_IMPORTANCES:
        raise ValueError(f"importance must be one of {DCI_IMPORTANCES}; got {importance!r}")
    R, acc = [], []
    for j in range(f.shape[1]):
        if importance == "gbt":
            model = GradientBoostingClassifier(random_state=seed)
        else:
            model = RandomForestClassifier(
                n_estimators=50, max_depth=10, max_features=None, random_state=seed, n_jobs=1
            )
        if len(np.unique(f[:, j])) < 2:  # a constant factor: nothing to predict, no importance
            R.append(np.zeros(z.shape[1]))
            acc.append(float(np.mean(f_test[:, j] == f[0, j])))
            continue
        model.fit(z, f[:, j])
        R.append(model.feature_importances_)
        acc.append(model.score(z_test, f_test[:, j]))
    R = np.abs(np.array(R).T)  # (D, K)
    return {
        "disentanglement": _dci_disentanglement(R),
        "completeness": _dci_disentanglement(R.T),
        "informativeness": float(np.mean(acc)),
    }


def _dci_disentanglement(R: np.ndarray) -> float:
    """``Σ_i ρ_i (1 − H_K(P_i·))`` with ``P_ij = R_ij / Σ_j R_ij`` and ``ρ_i`` the share of row i in ``R``."""
    if R.shape[1] < 2 or R.sum() == 0:
        return 1.0 if R.shape[1] == 1 else 0.0
    rows = R.sum(1)
    p = R / np.where(rows > 0, rows, 1)[:, None]
    h = -np.sum(p * np.log(np.where(p > 0, p, 1)), axis=1) / np.log(R.shape[1])
    return float(np.sum(rows / rows.sum() * (1 - h)))


def beta_vae_score(
    probe: Probe, rng: np.random.Generator, n_train: int = 1000, n_eval: int = 500, batch: int = 64
) -> float:
    """BetaVAE score in [0, 1]: held-out accuracy of logistic regression ``mean |z1 − z2| -> shared factor``."""

    def features(n: int) -> tuple[np.ndarray, np.ndarray]:
        k = rng.integers(probe.num_factors, size=n)
        f1 = probe.sample_factors(n * batch, rng).reshape(n, batch, -1)
        f2 = probe.sample_factors(n * batch, rng).reshape(n, batch, -1)
        f2[np.arange(n), :, k] = f1[np.arange(n), :, k]
        z1 = probe.represent(f1.reshape(n * batch, -1)).reshape(n, batch, -1)
        z2 = probe.represent(f2.reshape(n * batch, -1)).reshape(n, batch, -1)
        return np.abs(z1 - z2).mean(1), k

    xa, ya = features(n_train)
    xb, yb = features(n_eval)
    clf = LogisticRegression(max_iter=2000).fit(xa, ya)
    return float(clf.score(xb, yb))


def all_metrics(probe: Probe, seed: int = 0, votes: int = 1000, samples: int = 10_000) -> dict[str, float]:
    """Every metric above on one probe, each from its own seeded stream (a flat dict for JSON).

    ``votes``: training votes of the FactorVAE and BetaVAE classifiers (half as many held out), each vote a batch
    of 64 images; ``samples``: images for MIG, SAP and DCI (SAP's discrete form and DCI train on three quarters of
    them and test on the rest). SAP is reported in both forms, ``sap_discrete`` (disentanglement_lib's studies) and
    ``sap_continuous``.
    """
    if votes < 2 or samples < 8:
        raise ValueError(f"votes must be >= 2 and samples >= 8; got {votes}, {samples}")
    out = {
        "factor_vae": factor_vae_score(probe, np.random.default_rng(seed), n_train=votes, n_eval=votes // 2),
        "mig": mig(probe, np.random.default_rng(seed + 1), n=samples),
        "sap_discrete": sap(probe, np.random.default_rng(seed + 2), n=samples * 3 // 4, n_test=samples // 4),
        "sap_continuous": sap(probe, np.random.default_rng(seed + 2), n=samples, form="continuous"),
        "beta_vae": beta_vae_score(probe, np.random.default_rng(seed + 4), n_train=votes, n_eval=votes // 2),
    }
    d = dci(probe, np.random.default_rng(seed + 3), n_train=samples * 3 // 4, n_test=samples // 4)
    out.update({f"dci_{k}": v for k, v in d.items()})
    return out


def model_centrality(
    models: Sequence[tuple[Callable[[np.ndarray], np.ndarray], Encoder]],
    codes: int,
    noise: int,
    seed: int = 0,
    **factor_vae_kw,
) -> np.ndarray:
    """ModelCentrality of M models ``(M,)``: ``MC_i = mean_{j≠i} ½(s_ij + s_ji)``.

    ``models[i] = (generate_i, encode_i)`` with ``generate``: latents ``(n, codes + noise)`` -> images and
    ``encode``: images -> ``(n, D)``. ``s_ij`` is the FactorVAE score of model i's encoder with model j's
    generator (and its codes) as the ground truth. No labels are used: pick the run with the largest value.
    """
    m = len(models)
    if m < 2:
        raise ValueError(f"models must hold at least 2 models; got {m}")
    s = np.eye(m)
    for i in range(m):
        for j in range(m):
            if i != j:
                probe = generator_probe(models[j][0], models[i][1], codes, noise, seed=seed + j)
                s[i, j] = factor_vae_score(probe, np.random.default_rng(seed + i * m + j), **factor_vae_kw)
    d = (s + s.T) / 2
    return (d.sum(1) - 1) / (m - 1)
