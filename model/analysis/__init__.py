"""Analysis: statistics on result tables only (never imports the simulation).

:mod:`~model.analysis.paired` - paired (common-random-number) differences between arms with
t-intervals, and the stopping rule of adaptive replications.
"""
