"""Where the repository is: the one root every default path is built from."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the ``model`` package (and ``scenarios/``, ``notebooks/``, ``docs/``)."""
