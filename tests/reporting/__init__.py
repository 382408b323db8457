"""Tests of model.reporting (a package, so its conftest does not shadow tests/conftest.py)."""
