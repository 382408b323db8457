"""Checks that the packaging, CI and setup files agree with each other."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIND_PYTHON = ROOT / "scripts" / "find_python.sh"
NO_PYTHON_MESSAGE = (
    "streetwise: no Python >= 3.12 found (looked on PATH and in pyenv versions); "
    "install Python 3.12 or newer"
)


def _normalise(requirement: str) -> str:
    """Remove all whitespace from a requirement string.

    Args:
        requirement: A PEP 508 requirement string.

    Returns:
        The requirement without any whitespace.
    """
    return re.sub(r"\s+", "", requirement)


def _pyproject_requirements() -> set[str]:
    """Return runtime plus dev requirements declared in pyproject.toml.

    Returns:
        The normalised requirement strings.
    """
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    requirements = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
    return {_normalise(r) for r in requirements}


def _environment() -> dict:
    """Load environment.yml.

    Returns:
        The parsed conda environment specification.
    """
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _environment_pip_list() -> list[str]:
    """Return the pip requirement list from environment.yml.

    Returns:
        The raw entries of the ``pip:`` section.
    """
    for entry in _environment()["dependencies"]:
        if isinstance(entry, dict) and "pip" in entry:
            return [str(item) for item in entry["pip"]]
    raise AssertionError("environment.yml has no pip: section")


def test_environment_pip_list_matches_pyproject() -> None:
    pip_list = _environment_pip_list()
    assert pip_list[-1].strip() == "-e ."
    env_requirements = [_normalise(r) for r in pip_list if _normalise(r) != "-e."]
    assert len(env_requirements) == len(set(env_requirements)), "duplicates in environment.yml"
    assert set(env_requirements) == _pyproject_requirements()


def test_environment_pins_python_312() -> None:
    env = _environment()
    conda_deps = [str(d).replace(" ", "") for d in env["dependencies"] if not isinstance(d, dict)]
    assert "python=3.12" in conda_deps


def test_ci_runs_make_test() -> None:
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK), ".ci/run must be executable"
    lines = [line.split("#", 1)[0].strip() for line in ci.read_text(encoding="utf-8").splitlines()]
    assert "make test" in lines


def test_readme_leads_with_the_two_commands() -> None:
    head = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:15])
    assert "make report" in head
    assert "make test" in head


def test_find_python_fails_clearly_without_suitable_python(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python3"
    fake.write_text(
        '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python 3.11.7"; else echo False; fi\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    pyenv_root = tmp_path / "pyenv"
    pyenv_root.mkdir()
    env = {"PATH": str(bin_dir), "PYENV_ROOT": str(pyenv_root), "HOME": str(tmp_path)}

    result = subprocess.run(
        ["/bin/bash", str(FIND_PYTHON)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [NO_PYTHON_MESSAGE]


def test_find_python_finds_python_312_or_newer() -> None:
    result = subprocess.run(
        ["/bin/bash", str(FIND_PYTHON)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.is_absolute()
    version = subprocess.run(
        [str(path), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    match = re.search(r"Python (\d+)\.(\d+)", version.stdout + version.stderr)
    assert match is not None
    assert (int(match.group(1)), int(match.group(2))) >= (3, 12)
