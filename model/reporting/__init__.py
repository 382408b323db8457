"""Reporting: what readers see - executed notebooks as HTML, figures, the parameter table.

- :mod:`~model.reporting.notebooks` - papermill execution and HTML export;
- :mod:`~model.reporting.figures` - one function per figure (matplotlib, no pyplot);
- :mod:`~model.reporting.paramdoc` - the parameter table of docs/ODD.md (``make docs``).
"""
