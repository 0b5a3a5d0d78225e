"""Every ```python block of README.md and docs/*.md runs, so the examples users copy keep working.

Each block runs on its own, in a fresh namespace (a block is a complete example: its imports and its data), with a
fresh temporary folder as the working directory (nothing is written into the repository) and matplotlib's Agg
backend. A line ``<!-- test: MARK -->`` right before the fence tags the block: ``slow`` (runs under
``-m slow``), ``requires MODULE`` (skipped when an optional dependency is absent) or ``skip REASON`` (cannot run
here, e.g. needs CUDA; the reason is reported with the skip).
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARK = re.compile(r"<!--\s*test:\s*(slow|skip|requires)\b\s*(.*?)\s*-->")


@dataclass(frozen=True)
class Block:
    path: pathlib.Path
    where: str  # "docs/page.md:LINE" of the opening fence
    line: int
    code: str
    mark: str = ""
    arg: str = ""


def blocks(path: pathlib.Path, root: pathlib.Path = ROOT) -> list[Block]:
    """The ```python blocks of one markdown page with the ``<!-- test: ... -->`` mark on the line before each."""
    lines = path.read_text().splitlines()
    found, start = [], None
    for i, line in enumerate(lines):
        if start is None and line.strip() == "```python":
            start = i
        elif start is not None and line.strip() == "```":
            tag = MARK.fullmatch(lines[start - 1].strip()) if start else None
            where = f"{path.relative_to(root)}:{start + 1}"
            code = "\n".join(lines[start + 1 : i])
            found.append(Block(path, where, start + 1, code, *(tag.groups() if tag else ())))
            start = None
    return found


def run_block(block: Block) -> dict:
    """Execute ``block`` in a fresh namespace; tracebacks show the markdown file's lines."""
    code = compile("\n" * block.line + block.code, str(block.path), "exec")
    namespace = {"__name__": "__docs__"}
    exec(code, namespace)
    return namespace


ALL = [b for doc in DOCS for b in blocks(doc)]


def _param(block: Block):
    marks = [pytest.mark.slow] if block.mark == "slow" else []
    return pytest.param(block, id=block.where, marks=marks)


def test_the_docs_have_examples_and_every_mark_is_known():
    assert len(ALL) >= 8
    for doc in DOCS:
        for n, line in enumerate(doc.read_text().splitlines(), 1):
            if "<!-- test:" in line:
                assert MARK.fullmatch(line.strip()), f"{doc.name}:{n}: unknown mark {line.strip()!r}"


def test_a_failing_block_fails(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("text\n\n```python\nx = 1\nraise ValueError('broken example')\n```\n")
    (block,) = blocks(bad, root=tmp_path)
    assert (block.where, block.line, block.mark) == ("bad.md:3", 3, "")
    with pytest.raises(ValueError, match="broken example") as err:
        run_block(block)
    assert err.traceback[-1].lineno + 1 == 5  # the markdown line of the raise


@pytest.mark.parametrize("block", [_param(b) for b in ALL])
def test_a_docs_example_runs(block, tmp_path, monkeypatch):
    if block.mark == "skip":
        pytest.skip(f"{block.where}: {block.arg}")
    if block.mark == "requires":
        pytest.importorskip(block.arg, reason=f"{block.where} needs {block.arg}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    try:
        run_block(block)
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
