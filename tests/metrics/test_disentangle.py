import numpy as np
import pytest

from unsup.data.sprites import CircularSprites, DSprites
from unsup.metrics.disentangle import (
    Probe,
    all_metrics,
    beta_vae_score,
    dataset_probe,
    dci,
    factor_vae_score,
    generator_probe,
    mig,
    model_centrality,
    sap,
)

DATA = CircularSprites()


def _probe(represent):
    return Probe(2, DATA.sample_factors, represent)


def perfect(f):
    return np.stack([f[:, 0] / 40.0, f[:, 1] / 27.0], 1)


def swapped_scaled(f):  # still perfectly disentangled: codes permuted, rescaled, monotone-transformed
    return np.stack([np.exp(f[:, 1] / 10.0), -3.0 * f[:, 0]], 1)


def cartesian(f):  # the same information, entangled: both codes move with both factors
    t = 2 * np.pi * f[:, 0] / 40
    return np.stack([f[:, 1] * np.cos(t), f[:, 1] * np.sin(t)], 1)


def random_codes(seed):
    rng = np.random.default_rng(seed)
    return lambda f: rng.normal(size=(len(f), 3))


@pytest.mark.parametrize("rep", [perfect, swapped_scaled])
def test_perfect_encoder_scores_top_marks(rep):
    p = _probe(rep)
    assert factor_vae_score(p, np.random.default_rng(0)) == 1.0
    # with about one bin per factor value MIG is 1 up to the plug-in estimator's bias on the runner-up code
    assert mig(p, np.random.default_rng(0), bins=64) > 0.95
    # the reference 20 bins cannot separate 40 angles: log(20)/log(40) caps the angle term
    m20 = mig(p, np.random.default_rng(0))
    assert 0.75 < m20 < 0.95
    assert sap(p, np.random.default_rng(0), form="continuous") > (0.99 if rep is perfect else 0.6)
    # the discrete form's one-code linear SVM (C = 0.01) cannot split 40 angle or 27 radius classes: near 0, as the
    # reference scores such codes too (tests/metrics/test_disentangle_reference.py pins it on small codes)
    if rep is perfect:
        assert sap(p, np.random.default_rng(0), n=2000, n_test=1000) < 0.1
    d = dci(p, np.random.default_rng(0), n_train=800, n_test=400, importance="forest")
    assert d["disentanglement"] > 0.99 and d["completeness"] > 0.99 and d["informativeness"] > 0.98
    assert beta_vae_score(p, np.random.default_rng(0), n_train=300, n_eval=200) > 0.98


# The sprite checks below use DCI's random-forest importances: boosting 40 angle classes costs 4,000 trees per fit.
# The default (gradient-boosted trees) is pinned to the reference in tests/metrics/test_disentangle_reference.py.


def test_random_encoder_scores_chance():
    p = _probe(random_codes(0))
    # two factors: the majority vote is right half the time by chance
    assert abs(factor_vae_score(p, np.random.default_rng(0)) - 0.5) < 0.06
    assert mig(p, np.random.default_rng(0)) < 0.02
    assert sap(p, np.random.default_rng(0), form="continuous") < 0.02
    assert sap(p, np.random.default_rng(0), n=2000, n_test=1000) < 0.02
    d = dci(p, np.random.default_rng(0), n_train=800, n_test=400, importance="forest")
    assert d["disentanglement"] < 0.05 and d["informativeness"] < 0.1
    assert abs(beta_vae_score(p, np.random.default_rng(0), n_train=300, n_eval=300) - 0.5) < 0.1


def test_entangled_encoder_is_told_apart_from_disentangled():
    p = _probe(cartesian)
    assert factor_vae_score(p, np.random.default_rng(0)) < 0.7
    assert mig(p, np.random.default_rng(0)) < 0.1
    d = dci(p, np.random.default_rng(0), n_train=800, n_test=400, importance="forest")
    assert d["disentanglement"] < 0.1 and d["informativeness"] > 0.6  # informative (chance ~0.03), not disentangled
    # BetaVAE's linear classifier on |z1 - z2| still finds which factor was shared: it does not see entanglement
    assert beta_vae_score(p, np.random.default_rng(0), n_train=300, n_eval=200) > 0.9


def test_dataset_probe_encodes_images_once_and_matches_on_demand():
    calls = []

    def encode(x):
        calls.append(len(x))
        ys, xs = np.mgrid[0:64, 0:64] + 0.5
        m = x[:, 0].sum(axis=(1, 2))
        return np.stack([(x[:, 0] * xs).sum(axis=(1, 2)) / m, (x[:, 0] * ys).sum(axis=(1, 2)) / m], 1)

    p = dataset_probe(DATA, encode)
    assert sum(calls) == len(DATA)
    f = DATA.sample_factors(50, np.random.default_rng(0))
    np.testing.assert_allclose(p.represent(f), encode(DATA.render(f)))
    lazy = dataset_probe(DATA, encode, cache_limit=10)
    np.testing.assert_allclose(lazy.represent(f), p.represent(f))
    assert sum(calls) == len(DATA) + 2 * 50  # the lazy probe renders only what it is asked for
    drawn = []
    own = dataset_probe(DATA, encode, cache_limit=10, render=lambda g: drawn.append(len(g)) or DATA.render(g))
    np.testing.assert_allclose(own.represent(f), p.represent(f))
    assert drawn == [50]  # a given renderer (e.g. one drawing on the GPU) replaces data.render


def test_dsprites_probe_is_lazy_and_positions_are_found():
    data = DSprites()
    seen = []

    def encode(x):  # centre of mass: a perfect code for pos_x/pos_y, blind to the rest
        seen.append(len(x))
        ys, xs = np.mgrid[0:64, 0:64] + 0.5
        m = x[:, 0].sum(axis=(1, 2))
        return np.stack([(x[:, 0] * xs).sum(axis=(1, 2)) / m, (x[:, 0] * ys).sum(axis=(1, 2)) / m], 1)

    p = dataset_probe(data, encode)
    assert not seen  # 737,280 images: nothing is encoded up front
    d = dci(p, np.random.default_rng(0), n_train=600, n_test=300, importance="forest")
    # positions are read off exactly, shape/scale/orientation are at chance: (1 + 1 + 1/3 + 1/6 + 1/40) / 5 ~ 0.5
    assert sum(seen) == 900 and 0.3 < d["informativeness"] < 0.6


def test_all_metrics_keys_and_seeding():
    small = Probe(2, lambda n, rng: rng.integers(0, 5, size=(n, 2)), lambda f: f / 5.0)  # few classes: fast trees
    a = all_metrics(small, votes=200, samples=2000)
    assert set(a) == {
        "factor_vae",
        "mig",
        "sap_discrete",
        "sap_continuous",
        "beta_vae",
        "dci_disentanglement",
        "dci_completeness",
        "dci_informativeness",
    }
    assert a == all_metrics(small, votes=200, samples=2000)
    assert a["dci_disentanglement"] > 0.99 and a["sap_continuous"] > 0.99 and a["factor_vae"] == 1.0


def _linear_model(rotation):
    """A 'generator' that writes its 2 codes into a 2-pixel image, and the encoder that reads them back."""
    r = np.array(rotation, dtype=np.float64)

    def generate(z):
        return (z[:, :2] @ r.T)[:, None, :, None]

    def encode(x):
        return x[:, 0, :, 0] @ np.linalg.inv(r).T

    return generate, encode


def test_model_centrality_prefers_the_consensus_model():
    c, s = np.cos(np.pi / 4), np.sin(np.pi / 4)
    models = [_linear_model(np.eye(2)), _linear_model([[2.0, 0], [0, 0.5]]), _linear_model([[c, -s], [s, c]])]
    # model 2 encodes with a 45-degree rotation: it disagrees with the two axis-aligned models
    mc = model_centrality(
        [
            (models[0][0], models[0][1]),
            (models[1][0], models[1][1]),
            (models[2][0], lambda x: models[2][1](x) @ np.array([[c, -s], [s, c]]).T),
        ],
        codes=2,
        noise=1,
        n_train=200,
        n_eval=200,
        n_var=1000,
    )
    assert mc.shape == (3,) and mc[2] < mc[0] and mc[2] < mc[1]
    assert mc[0] > 0.7


def test_generator_probe_fixes_one_code():
    gen, enc = _linear_model(np.eye(2))
    p = generator_probe(gen, enc, codes=2, noise=1)
    f = p.sample_factors(10, np.random.default_rng(0))
    assert f.shape == (10, 2) and np.abs(f).max() <= 1
    np.testing.assert_allclose(p.represent(f), f)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="batch"):
        factor_vae_score(_probe(perfect), np.random.default_rng(0), batch=1)
    with pytest.raises(ValueError, match="models"):
        model_centrality([_linear_model(np.eye(2))], codes=2, noise=0)
