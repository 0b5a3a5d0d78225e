"""Two CPU processes under torch.distributed (gloo): parameters stay identical across ranks."""

import os
import socket

import pytest
import torch
import torch.multiprocessing as mp


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))  # fmt: skip
    torch.set_num_threads(1)
    from unsup.data.toy import ring
    from unsup.gan.mlp import build_game
    from unsup.gan.trainer import TrainConfig, train

    data = ring(n_train=2000)
    torch.manual_seed(100 + rank)  # different initialisations: the trainer must broadcast rank 0's
    game = build_game(data, pack=2, g_hidden=16, g_layers=2, d_hidden=16, d_layers=1, pieces=2)
    init = [p.detach().clone() for p in game.parameters()]
    cfg = TrainConfig(steps=5, batch=8, lr_d=1e-2, lr_g=1e-2, device="cpu", progress=False, out=out)
    trainer = train(game, data, cfg)
    torch.save({"init": init, "final": [p.detach() for p in game.parameters()], "writes": trainer.writes},
               os.path.join(out, f"rank{rank}.pt"))  # fmt: skip
    torch.distributed.destroy_process_group()


@pytest.mark.dist
def test_two_processes_keep_identical_parameters(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    assert not all(torch.equal(a, b) for a, b in zip(r0["init"], r1["init"], strict=True))
    assert all(torch.equal(a, b) for a, b in zip(r0["final"], r1["final"], strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(r0["init"], r0["final"], strict=True))
    assert r0["writes"] and not r1["writes"]
    assert (tmp_path / "checkpoint.pt").exists()
