"""Third-party imports too slow to pay in every process that only might need them.

``nbformat`` (the report pipeline's export, papermill) imports ``jsonschema``, and
``jsonschema`` imports ``rfc3987_syntax`` where it is installed (``jupyterlab`` brings it)
for its ``iri`` and ``iri-reference`` format checks. That module builds an Earley parser of
the RFC 3987 grammar at import: 3.6-4.1 s on these machines, more than all the rest of the
report command's imports together, in every ``streetwise report`` and in every test process
that exports a page. No notebook schema uses those formats, so the parser is built only
when a check first asks for it: a stand-in module answers the import, and its
``is_valid_syntax`` imports the real module at its first call and hands every call on.
Checks therefore answer exactly as before; only the cost moves to where it is used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

IRI_MODULE = "rfc3987_syntax"


def defer_iri_parser() -> bool:
    """Answer ``import rfc3987_syntax`` with a stand-in that loads the real one on first use.

    Does nothing when the module is already imported or not installed (then ``jsonschema``
    leaves the ``iri`` checks out, as it always did).

    Returns:
        Whether the stand-in was put in place.
    """
    if IRI_MODULE in sys.modules or importlib.util.find_spec(IRI_MODULE) is None:
        return False
    stand_in = types.ModuleType(IRI_MODULE, "stand-in: the real module is imported on first use")

    def is_valid_syntax(syntax: str, value: str) -> bool:
        """The real ``rfc3987_syntax.is_valid_syntax``, imported at the first call."""
        if sys.modules.get(IRI_MODULE) is stand_in:
            del sys.modules[IRI_MODULE]
        real = importlib.import_module(IRI_MODULE)
        return real.is_valid_syntax(syntax, value)

    stand_in.is_valid_syntax = is_valid_syntax
    sys.modules[IRI_MODULE] = stand_in
    return True
