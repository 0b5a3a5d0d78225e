"""Run folders and atomic writes, shared by every command that leaves files behind."""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def new_run_dir(root: str | os.PathLike, prefix: str) -> Path:
    """Create and return a fresh folder ``root/prefix-YYYYmmdd-HHMMSS[-N]``; never reuses an existing one."""
    root = prepare_dir(root)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for i in range(1000):
        path = root / (f"{prefix}-{stamp}" + (f"-{i}" if i else ""))
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a fresh run folder under {root}")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and ``os.replace``: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a shared file should get what open() would give
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Atomically write ``obj`` as indented JSON (NumPy scalars and arrays converted)."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=_jsonable) + "\n").encode())


def drop_jsonl_after(path: str | os.PathLike, step: int) -> None:
    """Keep only the lines of the JSON-lines log ``path`` whose ``step`` is at most ``step`` (atomically; a missing
    file is left missing): on resume, the lines an interrupted run wrote after its checkpoint are written again."""
    path = Path(path)
    if path.exists():
        keep = [ln for ln in path.read_text().splitlines() if ln and json.loads(ln)["step"] <= step]
        atomic_write_bytes(path, "".join(ln + "\n" for ln in keep).encode())


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> None:
    """``torch.save`` that cannot leave a truncated checkpoint behind."""
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


@contextmanager
def heartbeat(what: str, every: float = 10.0) -> Iterator[None]:
    """Print ``unsup: WHAT ... N s`` to stderr every ``every`` seconds until the block ends: a sign of life for
    long steps that have no progress bar of their own."""
    stop, t0 = threading.Event(), time.perf_counter()

    def beat() -> None:
        while not stop.wait(every):
            print(f"unsup: {what} ... {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def refuse_overwrite(path: str | os.PathLike, force: bool = False) -> Path:
    """:func:`prepare_outputs` for one file: ``path`` as a Path, checked, its missing parent folders created."""
    return prepare_outputs([path], force)[0]


def prepare_outputs(paths: Iterable[str | os.PathLike], force: bool = False) -> list[Path]:
    """Check every output file before anything is written, then create their missing parent folders.

    Raises ``FileExistsError`` for an existing file without ``force``, ``IsADirectoryError`` for a folder,
    ``NotADirectoryError`` when a parent is a file and ``PermissionError`` for a folder we cannot write to; on any
    of these nothing has been created."""
    paths = [Path(p) for p in paths]
    for path in paths:
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder; give a file name")
        if path.exists() and not force:
            raise FileExistsError(f"{path} exists; pass --force to overwrite it")
        _check_writable_folder(path.parent, path)
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
    return paths


def prepare_dir(path: str | os.PathLike) -> Path:
    """Check that the output folder ``path`` exists or can be created, and is writable; create it."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} is a file, not a folder")
    _check_writable_folder(path, path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_writable_folder(folder: Path, target: Path) -> None:
    """``folder`` (to hold ``target``) is writable, or its nearest existing ancestor is a writable folder."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise NotADirectoryError(f"cannot write {target}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write {target}: folder {existing} is not writable")


def _jsonable(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def rng_state() -> dict:
    """Every global random state a training run draws from (torch, CUDA, NumPy, Python), for checkpoints: tensors
    and plain Python values only, so that :func:`load_checkpoint` reads it back with ``weights_only=True``."""
    import random

    import numpy as np
    import torch

    name, keys, pos, has_gauss, cached = np.random.get_state()  # noqa: NPY002
    state = {"torch": torch.get_rng_state(), "numpy": [name, keys.tolist(), pos, has_gauss, cached],
             "python": random.getstate()}  # fmt: skip
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`rng_state` saved, so a resumed run draws what an uninterrupted one would."""
    import random

    import numpy as np
    import torch

    torch.set_rng_state(state["torch"])
    name, keys, *rest = state["numpy"]  # a list, or the tuple with an array of checkpoints from before 0.2
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), *rest))  # noqa: NPY002
    random.setstate(_as_tuples(state["python"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _as_tuples(obj: Any) -> Any:
    return tuple(_as_tuples(v) for v in obj) if isinstance(obj, (list, tuple)) else obj


# What each kind of checkpoint is, for the one-line message when another kind (or no checkpoint) is given.
CHECKPOINT_KINDS = {
    "gan": "a GAN run's checkpoint (unsup gan train)",
    "pacgan-batched": "a batched bench pacgan checkpoint (unsup bench pacgan --layout batched)",
    "translate": "a translation run's checkpoint (unsup translate train)",
    "dip": "a Deep Image Prior run's state (unsup restore denoise|inpaint|sr)",
}


def load_checkpoint(path: str | os.PathLike, kind: str, map_location: Any = "cpu") -> dict:
    """The checkpoint at ``path``, read with ``weights_only=True`` (tensors and plain Python values only: a file
    that would run code when unpickled is refused); ``ValueError`` with one line naming the file and what it is
    unless it is a checkpoint of ``kind`` (one of :data:`CHECKPOINT_KINDS`). Checkpoints written before the
    ``"kind"`` tag are recognised by their keys."""
    import pickle

    import torch

    path, expected = Path(path), CHECKPOINT_KINDS[kind]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint file; expected {expected}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: empty file; expected {expected}")
    try:
        with torch.serialization.safe_globals(_legacy_numpy_globals()):
            state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        raise ValueError(
            f"{path}: refused: it holds Python objects other than tensors and plain values, which "
            f"unsup never unpickles (an older unsup's or a foreign file); expected {expected}"
        ) from None
    except Exception as exc:  # noqa: BLE001  (torch reports truncated or foreign files with many exception types)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        raise ValueError(f"{path}: not a readable checkpoint, truncated or not a torch file ({first}); "
                         f"expected {expected}") from None  # fmt: skip
    found = (state.get("kind") or _legacy_kind(state)) if isinstance(state, dict) else None
    if found != kind:
        what = CHECKPOINT_KINDS.get(found, "not a checkpoint unsup writes")
        raise ValueError(f"{path}: {what}; expected {expected}")
    return state


def _legacy_numpy_globals() -> list:
    """The NumPy pieces of the RNG states older checkpoints stored as arrays: plain arrays, safe to rebuild."""
    import numpy as np

    core = getattr(np, "_core", None) or np.core
    return [core.multiarray._reconstruct, np.ndarray, np.dtype, type(np.dtype(np.uint32))]


def _legacy_kind(state: dict) -> str | None:
    """The kind of a checkpoint written before the ``"kind"`` tag, from its keys."""
    keys = set(state)
    for kind, needs in (("gan", {"game", "opt_d", "opt_g"}), ("translate", {"epoch", "model", "history"}),
                        ("dip", {"t", "net", "opt"}), ("pacgan-batched", {"step", "trainers"})):  # fmt: skip
        if needs <= keys:
            return kind
    return None
