import subprocess
import sys

import pytest

from unsup.cli import build_parser, main


def test_unknown_command_is_one_line_error(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("unsup: error:")


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert "unsup" in capsys.readouterr().out


def test_parser_builds_without_torch_or_sklearn():
    # `unsup --help` / `unsup cluster --help` must not pay for torch and scikit-learn (seconds on a laptop).
    code = (
        "import sys; from unsup.cli import build_parser; p = build_parser(); "
        "p.format_help(); p._subparsers._group_actions[0].choices['cluster'].format_help(); "
        "print('torch' in sys.modules, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def _all_commands() -> list[list[str]]:
    """Every group and command path of the registered parser, groups loaded (``[], ["gan"], ["gan", "train"]...``)."""
    paths: list[list[str]] = []

    def walk(parser, prefix):
        paths.append(prefix)
        parser.format_help()  # registers a group's commands
        for action in parser._subparsers._group_actions if parser._subparsers else []:
            for name, sub in action.choices.items():
                walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return paths


def test_every_group_lists_the_commands_its_modules_register():
    from unsup.cli import GROUP_MODULES

    paths = _all_commands()
    groups = {p[0] for p in paths if len(p) == 2}
    assert groups == set(GROUP_MODULES)
    assert {"cluster", "demo"} <= {p[0] for p in paths if len(p) == 1}
    assert ["gan", "train"] in paths and ["bench", "pacgan"] in paths and ["restore", "invert"] in paths


@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "unsup")
def test_help_of_every_command(path, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*path, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: unsup") and "--help" in out
