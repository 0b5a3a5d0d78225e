"""Worker-process hygiene (unsup._threads)."""

import os
import signal
import subprocess
import sys
import time

import pytest

_ORPHAN_SCRIPT = """
import multiprocessing as mp, os, time
from unsup._threads import init_worker
if __name__ == "__main__":
    pool = mp.get_context("spawn").Pool(1, initializer=init_worker)
    print(pool.apply(os.getpid), flush=True)
    pool.apply_async(time.sleep, (120,))  # a trial that would outlive the parent
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_exit_when_the_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(_ORPHAN_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    assert _alive(worker)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 20
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    orphaned = _alive(worker)
    if orphaned:
        os.kill(worker, signal.SIGKILL)
    assert not orphaned, "the pool worker kept running after its parent was killed"
