import pytest


@pytest.fixture
def interrupt_batched_at(monkeypatch):
    """``arm(step)`` makes every batched trainer raise KeyboardInterrupt when it reaches ``step`` (as Ctrl-C would);
    it returns ``disarm()``, which puts the real training step back."""
    from unsup.repro.ensemble import EnsembleTrainer

    real_step = EnsembleTrainer.train_step

    def arm(step: int):
        def crash(self):
            if self.step == step:
                raise KeyboardInterrupt
            real_step(self)

        monkeypatch.setattr(EnsembleTrainer, "train_step", crash)
        return lambda: monkeypatch.setattr(EnsembleTrainer, "train_step", real_step)

    return arm
