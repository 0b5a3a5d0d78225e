import torch

from unsup.translate.pool import HistoryPool


def _images(start, n):
    return torch.arange(start, start + n, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 1, 2, 2).clone()


def test_pool_fills_first_and_returns_inputs_unchanged():
    pool = HistoryPool(size=10, seed=0)
    for k in range(5):
        batch = _images(2 * k, 2)
        assert torch.equal(pool.query(batch), batch)
    assert len(pool.images) == 10
    assert sorted(float(t[0, 0, 0]) for t in pool.images) == list(range(10))


def test_full_pool_swaps_about_half_with_stored_images():
    pool = HistoryPool(size=10, seed=0)
    pool.query(_images(0, 10))
    swapped, n = 0, 2000
    for k in range(n):
        x = _images(100 + k, 1)
        y = pool.query(x)
        if not torch.equal(x, y):
            swapped += 1
            assert float(y[0, 0, 0, 0]) < 100 + k  # a swap returns an image stored earlier
    assert 0.45 < swapped / n < 0.55
    assert len(pool.images) == 10


def test_size_zero_passes_through():
    pool = HistoryPool(size=0)
    x = _images(0, 4)
    assert pool.query(x) is x and pool.images == []


def test_state_dict_reproduces_future_draws():
    pool = HistoryPool(size=4, seed=3)
    pool.query(_images(0, 6))
    clone = HistoryPool(size=4, seed=99)
    clone.load_state_dict(pool.state_dict())
    for k in range(20):
        x = _images(10 + k, 2)
        assert torch.equal(pool.query(x), clone.query(x))
