"""Tests for experiments/readme_figures.py: it reruns the READMEs' commands into its folder; the
figures in figures/ are those the READMEs show."""

import importlib
import re
from pathlib import Path

import pytest

from conftest import assert_refused
from experiments import readme_figures

README = Path(__file__).resolve().parent.parent / "README.md"


def test_it_reruns_each_command_into_its_folder_and_stops_at_a_failure(tmp_path, monkeypatch):
    ran = []
    for module in {module for module, _ in readme_figures.COMMANDS}:
        monkeypatch.setattr(importlib.import_module(module), "main",
                            lambda argv, module=module: ran.append((module, argv)) or 0)
    assert readme_figures.main(["--out", str(tmp_path)]) == 0
    assert ran == [(module, [*argv, "--out", str(tmp_path)])
                   for module, argv in readme_figures.COMMANDS]
    # A command that fails stops the rest, with its status.
    ran.clear()
    monkeypatch.setattr(importlib.import_module("experiments.compare"), "main",
                        lambda argv: ran.append(("experiments.compare", argv)) or 1)
    assert readme_figures.main(["--out", str(tmp_path)]) == 1
    assert [module for module, _ in ran] == ["discrete_bandit", "experiments.compare"]


def test_the_readmes_show_the_commands_and_every_figure_is_committed():
    # Each command is in a README as a reader types it; the figures shown are those committed.
    readmes = README.read_text() + (README.parent / "experiments" / "README.md").read_text()
    for module, argv in readme_figures.COMMANDS:
        command = ("python discrete_bandit.py" if module == "discrete_bandit"
                   else f"python -m {module}")
        assert " ".join([command, *argv]).strip() in readmes, (module, argv)
    shown = set(re.findall(r"\((?:\.\./)?(figures/[\w.]+\.png)\)", readmes))
    committed = {f"figures/{path.name}" for path in (README.parent / "figures").iterdir()}
    assert shown == committed
    for path in shown:
        assert (README.parent / path).read_bytes().startswith(b"\x89PNG"), path


@pytest.mark.parametrize("argv", [["--out", "/proc/figures"], ["--steps", "10"]])
def test_bad_input_gets_one_line_exit_2(argv, capsys):
    assert_refused(readme_figures.main, argv, capsys)
