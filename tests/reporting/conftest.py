"""Shared results folders for the reporting tests, written once per test session.

Synthetic folders (:mod:`model.reporting.synthetic`) have planted effects, so the brief, the
findings and the figures can be checked against known answers. This folder is a package
(``tests/reporting/__init__.py``) so that this conftest does not take the module name
``conftest`` from ``tests/conftest.py``, which the other test folders import from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from model.reporting.brief import Brief, build_brief
from model.reporting.results import Results, load_results
from model.reporting.synthetic import (
    make_factorial_results,
    make_sensitivity_results,
    make_standard_results,
)
from model.reporting.text import Text


@pytest.fixture(scope="session")
def standard_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_standard_results(tmp_path_factory.mktemp("standard"), replicates=8)


@pytest.fixture(scope="session")
def factorial_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_factorial_results(tmp_path_factory.mktemp("factorial"), replicates=6)


@pytest.fixture(scope="session")
def sensitivity_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sensitivity_results(tmp_path_factory.mktemp("sensitivity"))


@pytest.fixture(scope="session")
def standard(standard_folder: Path) -> Results:
    return load_results(standard_folder)


@pytest.fixture(scope="session")
def brief(standard: Results) -> Brief:
    arms = [a for a in standard.arms if a != standard.reference]
    return build_brief(standard.runs, standard.reference, arms=arms, n_resamples=400)


@pytest.fixture
def t() -> Text:
    return Text("en")
