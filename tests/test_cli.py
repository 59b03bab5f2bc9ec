"""The saliency-course console script."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from saliency_course import __version__
from saliency_course.cli import COMMANDS, main


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert all(name in out for name in COMMANDS)


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"saliency-course {command}" in capsys.readouterr().out


def test_console_script_is_installed():
    script = shutil.which("saliency-course") or str(
        __import__("pathlib").Path(sys.executable).parent / "saliency-course"
    )
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and __version__ in result.stdout
