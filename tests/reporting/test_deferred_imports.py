"""The slow IRI grammar is imported only when a format check asks for it, and answers alike."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from model.reporting import deferred_imports

pytest.importorskip("rfc3987_syntax")

PROBE = textwrap.dedent(
    """
    import sys
    import model.reporting.html  # imports nbformat, hence jsonschema
    import jsonschema
    iri = sys.modules["rfc3987_syntax"]
    print("parser built at import:", hasattr(iri, "syntax_parser"))
    checker = jsonschema.FormatChecker()
    print("good iri:", checker.conforms("https://example.org/街道?q=1", "iri"))
    print("bad iri:", checker.conforms("not an iri", "iri"))
    print("good reference:", checker.conforms("../街道#part", "iri-reference"))
    print("real module now:", hasattr(sys.modules["rfc3987_syntax"], "syntax_parser"))
    """
)


def test_exporting_pages_does_not_build_the_iri_parser_and_checks_still_answer():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "parser built at import: False",
        "good iri: True",
        "bad iri: False",
        "good reference: True",
        "real module now: True",
    ]


def real_iri_module():
    """The real ``rfc3987_syntax`` (this process may hold the stand-in: one call loads it)."""
    import rfc3987_syntax

    rfc3987_syntax.is_valid_syntax("iri", "http://a")
    real = sys.modules["rfc3987_syntax"]
    assert hasattr(real, "__file__")
    return real


def test_the_stand_in_gives_the_real_modules_answers():
    real = real_iri_module()
    sys.modules.pop("rfc3987_syntax")
    try:
        assert deferred_imports.defer_iri_parser() is True
        stand_in = sys.modules["rfc3987_syntax"]
        assert stand_in is not real
        for syntax, value in [("iri", "http://a/b?c#d"), ("iri", "a b"), ("iri_reference", "x")]:
            assert stand_in.is_valid_syntax(syntax, value) == real.is_valid_syntax(syntax, value)
        # the first call put the real package back in place of the stand-in
        assert sys.modules["rfc3987_syntax"].__file__ == real.__file__
    finally:
        sys.modules["rfc3987_syntax"] = real


def test_nothing_is_deferred_when_the_module_is_imported_or_missing(monkeypatch):
    real_iri_module()  # imported: nothing to defer
    assert deferred_imports.defer_iri_parser() is False
    monkeypatch.delitem(sys.modules, "rfc3987_syntax")
    monkeypatch.setattr(deferred_imports.importlib.util, "find_spec", lambda _name: None)
    assert deferred_imports.defer_iri_parser() is False
    assert "rfc3987_syntax" not in sys.modules  # jsonschema then leaves the iri checks out
