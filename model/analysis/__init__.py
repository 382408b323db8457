"""Analysis: statistics on result tables only (never imports the simulation or the runner).

Kaplan-Meier curves and medians are part of the outcome contract (:mod:`model.outcomes.survival`),
which analysis and reporting use as the runs do.

- :mod:`~model.analysis.paired` - paired (common-random-number) differences with
  t-intervals, and the stopping rule of adaptive replications (used by the runner);
- :mod:`~model.analysis.direction` - which way an outcome is better;
- :mod:`~model.analysis.effects` - paired CRN comparisons of every arm against a reference:
  intervals, relative changes, Holm-adjusted p-values, verdicts, the CRN variance reduction;
- :mod:`~model.analysis.costeffect` - efficient frontier, dominance and ICERs;
- :mod:`~model.analysis.factorial` - OLS on lever indicators with two-way interactions,
  cluster-robust by replicate seed;
- :mod:`~model.analysis.robustness` - win shares, improvement quantiles and regret over
  sampled worlds;
- :mod:`~model.analysis.prim` - PRIM scenario discovery;
- :mod:`~model.analysis.sensitivity` - Morris and Sobol indices (SALib), Latin hypercubes;
- :mod:`~model.analysis.worlds` - an experiment run in sampled worlds: paired effects per
  world, robustness and regret of every policy, Morris/Sobol indices, failure boxes.
"""
