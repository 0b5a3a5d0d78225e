"""Users' own tabular data: CSV, NPY and NPZ files → a float64 array (n_samples, n_features)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np

_MAGIC = {".npy": b"\x93NUMPY", ".npz": b"PK"}


def load_table(path: str | Path, key: str | None = None) -> np.ndarray:
    """Load a 2-D numeric array from ``.csv`` (optional header row), ``.npy`` or ``.npz`` (``key`` or ``X`` or its
    only array). Raises ``FileNotFoundError`` / ``ValueError`` with the reason for anything unusable."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a data file")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz", ".csv", ".txt", ".tsv"):
        raise ValueError(f"{path}: unsupported file type {suffix!r} (use .csv, .npy or .npz)")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the file is empty")
    if suffix in (".csv", ".txt", ".tsv"):
        return _check(_from_csv(path, "\t" if suffix == ".tsv" else ","), path)
    with open(path, "rb") as fh:
        if not fh.read(6).startswith(_MAGIC[suffix]):
            raise ValueError(f"{path}: not a {suffix} file (it does not start like one)")
    try:
        X = np.load(path, allow_pickle=False) if suffix == ".npy" else _from_npz(path, key)
    except ValueError as exc:
        if "allow_pickle" in str(exc):  # never unpickled: a data file may run code when it is
            raise ValueError(f"{path}: holds Python objects (pickled), not a numeric array") from None
        if str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path}: not a valid {suffix} file ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a valid {suffix} file ({exc})") from None
    return _check(X, path)


def _from_npz(path: Path, key: str | None) -> np.ndarray:
    with np.load(path, allow_pickle=False) as z:
        names = list(z.keys())
        if key is None:
            key = "X" if "X" in names else (names[0] if len(names) == 1 else None)
        if key not in names:
            wanted = f"no array {key!r}" if key is not None else "several arrays"
            raise ValueError(f"{path}: {wanted}; choose one with --key: {', '.join(names) or '(none)'}")
        return z[key]


def _from_csv(path: Path, delimiter: str) -> np.ndarray:
    try:
        with open(path, newline="") as fh:
            rows = [r for r in csv.reader(fh, delimiter=delimiter) if r and any(c.strip() for c in r)]
    except (UnicodeDecodeError, csv.Error):
        raise ValueError(f"{path}: not a text table (binary content; an image or archive renamed?)") from None
    if rows and not all(_is_number(c) for c in rows[0]):
        rows = rows[1:]  # header
    if not rows:
        raise ValueError(f"{path}: no data rows")
    width = len(rows[0])
    out = np.empty((len(rows), width))
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{path}: row {i + 1} has {len(row)} columns, expected {width}")
        for j, cell in enumerate(row):
            if not _is_number(cell):
                raise ValueError(f"{path}: non-numeric value {cell.strip()!r} in row {i + 1}, column {j + 1}")
            out[i, j] = float(cell)
    return out


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _check(X: np.ndarray, path: Path) -> np.ndarray:
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{path}: array of dtype {X.dtype} is not numeric")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{path}: expected a 2-D array (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{path}: no samples")
    bad = ~np.isfinite(X)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"{path}: {int(bad.sum())} missing or non-finite values (first at row {i + 1}, column {j + 1})"
        )
    return X
