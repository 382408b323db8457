"""Reporting: what readers see - the comparative-effectiveness reports and their index.

- :mod:`~model.reporting.pipeline` - ``streetwise report``: experiments, notebooks, index;
- :mod:`~model.reporting.notebooks` - papermill execution of ``notebooks/`` and export;
- :mod:`~model.reporting.kernel` - the project's Jupyter kernel (``make lab``);
- :mod:`~model.reporting.html`, :mod:`~model.reporting.index` - self-contained pages, index;
- :mod:`~model.reporting.results` - reading a results folder (runs, daily, issues, workers);
- :mod:`~model.reporting.registry`, :mod:`~model.reporting.measures` - outcome metadata and
  the annualised measures of the brief;
- :mod:`~model.reporting.brief`, :mod:`~model.reporting.findings` - the ranked brief and the
  generated sentences;
- :mod:`~model.reporting.costeffectiveness`, :mod:`~model.reporting.equity`,
  :mod:`~model.reporting.issue_outcomes`, :mod:`~model.reporting.summaries`,
  :mod:`~model.reporting.worlds` - cost-effectiveness, who benefits, outcomes of subsets,
  daily bands and funnel, robustness across sampled worlds;
  :mod:`~model.reporting.world_gaps` - which sampled worlds leave a measure without a value,
  and why;
- :mod:`~model.reporting.figures` - one function per figure, each with its caption;
- :mod:`~model.reporting.pages` - the sections of each notebook;
- :mod:`~model.reporting.text` - every word a reader sees (``messages/``: one file per
  language and the glossary);
- :mod:`~model.reporting.synthetic` - results folders with planted effects (tests);
- :mod:`~model.reporting.paramdoc` - the parameter table of docs/ODD.md (``make docs``);
- :mod:`~model.reporting.deferred_imports` - a slow third-party import put off until used.
"""

from model.reporting.deferred_imports import defer_iri_parser

defer_iri_parser()
