import pytest
import torch
from torch import nn

from unsup.translate.semantic import DomainClassifiers, domain_classifiers, pseudo_labels, self_trained_classifier


class _Planted(nn.Module):
    """Logits read off the image: class = first pixel's integer, confidence = second pixel."""

    def forward(self, x):
        flat = x.flatten(1)
        return nn.functional.one_hot(flat[:, 0].long(), 10).float() * flat[:, 1:2]


def _images(classes, confidences):
    x = torch.zeros(len(classes), 1, 2, 2)
    x[:, 0, 0, 0], x[:, 0, 0, 1] = torch.tensor(classes, dtype=torch.float), torch.tensor(confidences)
    return x


def test_pseudo_labels_keep_the_most_confident_fraction_of_each_class():
    x = _images([0, 0, 0, 0, 3, 3, 7], [1.0, 5.0, 3.0, 2.0, 0.5, 9.0, 0.1])
    idx, labels = pseudo_labels(_Planted(), x, keep=0.5)
    # class 0: the two surest of four (5.0, 3.0); class 3: one of two (9.0); class 7: at least one of one
    assert idx.tolist() == [1, 2, 5, 6] and labels.tolist() == [0, 0, 3, 7]
    idx, _ = pseudo_labels(_Planted(), x, keep=1.0)
    assert idx.tolist() == list(range(7))
    with pytest.raises(ValueError, match="keep"):
        pseudo_labels(_Planted(), x, keep=0.0)


def test_self_training_retrains_on_the_pseudo_labelled_other_domain(monkeypatch):
    calls = []

    def fake_train(images, labels, epochs, seed):
        calls.append((len(images), labels[4:].tolist(), seed))
        return _Planted()

    monkeypatch.setattr("unsup.metrics.mnist_classifier.train_classifier", fake_train)
    src, ys = torch.zeros(4, 1, 2, 2), torch.zeros(4, dtype=torch.long)
    other = _images([2, 2, 2, 2, 5, 5, 5, 5], [1, 2, 3, 4, 1, 2, 3, 4])
    seen = []
    self_trained_classifier(src, ys, other, rounds=2, seed=10, on_round=lambda r, f: seen.append(r))
    assert seen == [0, 1, 2]
    # round 1 adds the surer half of each class, round 2 three quarters; seeds never repeat
    assert calls == [(4, [], 10), (8, [2, 2, 5, 5], 11), (10, [2, 2, 2, 5, 5, 5], 12)]
    calls.clear()
    self_trained_classifier(src, ys, other, rounds=0, seed=10)
    assert calls == [(4, [], 10)]
    with pytest.raises(ValueError, match="rounds"):
        self_trained_classifier(src, ys, other, rounds=-1, seed=10)


def test_domain_classifiers_give_the_unlabelled_domain_a_reader_of_its_own(monkeypatch):
    calls, nets = [], []

    def fake_train(images, labels, epochs, seed):
        calls.append((images.clone(), labels.tolist(), seed))
        nets.append(_Planted())
        return nets[-1]

    monkeypatch.setattr("unsup.metrics.mnist_classifier.train_classifier", fake_train)
    src, ys = torch.zeros(4, 1, 2, 2), torch.zeros(4, dtype=torch.long)
    other = _images([2, 2, 5, 5], [1, 2, 3, 4])
    readers = domain_classifiers(src, ys, other, rounds=1, seed=10)
    # source-only, self-trained (round 1), then a reader of `other` alone with every image pseudo-labelled
    assert [seed for *_, seed in calls] == [10, 11, 12]
    images, labels, _ = calls[2]
    assert torch.equal(images, other) and labels == [2, 2, 5, 5]
    assert isinstance(readers, DomainClassifiers) and readers.a is nets[0] and readers.b is nets[2]
    swapped = domain_classifiers(src, ys, other, rounds=1, seed=10, labelled="B")
    assert swapped.b is nets[3] and swapped.a is nets[5]  # the labelled domain is B: its reader saw the labels
    with pytest.raises(ValueError, match="rounds"):
        domain_classifiers(src, ys, other, rounds=0, seed=10)
    with pytest.raises(ValueError, match="labelled"):
        domain_classifiers(src, ys, other, rounds=1, seed=10, labelled="C")
