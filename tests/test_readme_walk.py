"""Walk the README as a newcomer would: every command in a fenced block runs and exits 0.

Every line of a fenced block (not ``yaml`` or ``python``) that starts with ``streetwise``,
``.venv/bin/streetwise`` or ``make`` is either run here, in a fresh copy of the repository
(the files git tracks or would track: no ``.venv``, ``results/`` or ``reports/``), or listed
in :data:`EXCLUDED` with the reason, or is a synopsis (placeholders in capitals or optional
parts in brackets). A new command in the README fails :func:`test_every_readme_command_is_walked`
until it is classified. ``streetwise`` runs as ``python -m model`` from the copy, so the copy's
own package and files are what is tested.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.config.paths import REPO_ROOT

README = REPO_ROOT / "README.md"

EXCLUDED = {
    "make report": "the full experiments, the sampled worlds and the calibration: hours on two "
    "cores",
    "make report QUICK=1": "three experiments and the calibration: several minutes",
    "make report SENSITIVITY=0": "the full experiments and the calibration without the sampled "
    "worlds: about an hour on two cores",
    "make test": "the whole suite (about ten minutes); this test is part of it",
    "make lab": "starts a JupyterLab server that runs until stopped",
    "make explore": "starts the explorer's server that runs until stopped "
    "(tests/explore/test_browser.py drives it)",
    "streetwise experiment scenarios/experiments/example.yaml": "15 runs of 120 simulated days "
    "(about two minutes on two cores); tests/experiments run the same path on a reduced street",
    "streetwise report scenarios/experiments/example.yaml --arm mini_program": "the example "
    "experiment, four notebooks and the calibration: minutes; tests/reporting/"
    "test_cli_report.py runs the same pipeline on a tiny experiment",
    "streetwise experiment scenarios/experiments/example.yaml --executor dask "
    "--scheduler tcp://HEAD:8786": "needs a Dask cluster at HEAD (tests/experiments/"
    "test_dask.py starts a real scheduler)",
}
"""Commands not run here, each with the reason."""

_COMMAND = re.compile(r"^(streetwise|\.venv/bin/streetwise|make)\b")
_SYNOPSIS = re.compile(r"\[|\b[A-Z]{3,}(\.yaml)?\b(?!:)")


def readme_commands() -> list[str]:
    """Command lines of the README's fenced shell blocks, without their comments."""
    text = README.read_text(encoding="utf-8")
    commands = []
    for language, body in re.findall(r"^```([^\n]*)\n(.*?)^```", text, re.S | re.M):
        if language.strip() in ("yaml", "python"):
            continue
        for line in body.splitlines():
            line = line.strip()
            if _COMMAND.match(line):
                commands.append(" ".join(shlex.split(line, comments=True)))
    return commands


def is_synopsis(command: str) -> bool:
    """A usage line (``streetwise run SCENARIO.yaml [--seed N]``), not a command to run."""
    return command not in EXCLUDED and bool(_SYNOPSIS.search(command.replace("tcp://", "")))


def walked() -> list[str]:
    return [c for c in readme_commands() if c not in EXCLUDED and not is_synopsis(c)]


def test_every_readme_command_is_walked():
    commands = readme_commands()
    assert commands, "no commands found in the README"
    stale = [command for command in EXCLUDED if command not in commands]
    assert not stale, f"excluded commands no longer in the README: {stale}"
    unclassified = [
        c for c in commands if c not in EXCLUDED and not is_synopsis(c) and c not in walked()
    ]
    assert not unclassified
    synopses = [c for c in commands if is_synopsis(c)]
    assert "streetwise validate SCENARIO.yaml [--set key=value ...]" in synopses
    assert all(not is_synopsis(c) for c in walked())
    assert len(walked()) >= 4  # the help and the first look of "Two commands"


def test_synopsis_detection():
    assert is_synopsis("streetwise run SCENARIO.yaml [--seed N]")
    assert is_synopsis("streetwise experiment FILE [options]")
    assert not is_synopsis("streetwise run scenarios/baseline.yaml --days 30")
    assert not is_synopsis("streetwise validate scenarios/baseline.yaml")


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory) -> Path:
    """The repository as a fresh clone would have it: tracked and trackable files only."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot tell which files a clone has")
    copy = tmp_path_factory.mktemp("clone") / "streetwise"
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    assert not (copy / ".venv").exists() and not (copy / "results").exists()
    return copy


@pytest.mark.parametrize("command", walked())
def test_readme_command_runs(command, fresh_copy):
    words = shlex.split(command)
    assert words[0] in ("streetwise", ".venv/bin/streetwise"), "only streetwise lines are walked"
    done = subprocess.run(
        [sys.executable, "-m", "model", *words[1:]],
        cwd=fresh_copy,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
