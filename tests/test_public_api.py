"""Every ``unsup.x.y`` name that README.md and docs/*.md mention imports, and each sub-package's lazy exports
resolve without loading torch at ``import``."""

import importlib
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOTTED = re.compile(r"\bunsup(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
FROM_IMPORT = re.compile(r"from (unsup(?:\.[A-Za-z_][A-Za-z0-9_]*)*) import (?:\(([^)]*)\)|([A-Za-z0-9_, ]+))")


def _mentioned() -> list[str]:
    names = set()
    for doc in DOCS:
        text = doc.read_text()
        names |= set(DOTTED.findall(text))
        for module, grouped, imported in FROM_IMPORT.findall(text):
            names |= {f"{module}.{n.strip()}" for n in (grouped or imported).replace("\n", ",").split(",") if n.strip()}
    return sorted(names)


def _resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_the_docs_mention_names():
    assert "unsup.theory.tv_distance" in _mentioned()  # the README's own example
    assert len(_mentioned()) > 30


@pytest.mark.parametrize("name", _mentioned())
def test_a_documented_name_imports(name):
    assert _resolve(name) is not None


@pytest.mark.parametrize("package", ["unsup.gan", "unsup.metrics", "unsup.data", "unsup.theory", "unsup.translate"])
def test_a_sub_package_exports_its_names_lazily(package):
    module = importlib.import_module(package)
    assert module.__all__, package
    for name in module.__all__:
        assert getattr(module, name) is getattr(importlib.import_module(module._NAMES[name]), name)
    code = f"import sys, {package}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"  # importing the package alone stays cheap
