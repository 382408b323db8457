"""Per-agent reference versions of the vectorised submodels, for checking the fast code.

The hot path works on whole arrays (docs/ODD.md, section 2.2, says why). Every vectorised
submodel has here a reference written the obvious way: Python loops over cells, issues,
observers, workers or residents, from the definitions in docs/ODD.md (section 7), never from
the fast code's intermediate arrays. The tests (``tests/sim/test_reference.py``) compare the
two on small streets, for the same random numbers:

- detection and the report decisions take their uniforms from the run's keyed draws
  (:class:`model.sim.streams.KeyedDraws`) or as arrays passed in; the reference takes the
  same numbers (drawn here one event at a time, with the fast code's keys) and the results
  must be identical;
- the daily levers draw from a generator; the reference takes the same draws from a
  generator seeded alike, in the fast code's draw order (each function says which draws);
- where the fast code picks in two stages (the noticing worker and resident), the
  reference also gives the per-agent probabilities, and the empirical distribution of many
  fast picks must fit them.

Nothing in the model imports this package; it is slow on purpose. One module per
submodel, each to be read against section 7 and imported by its callers directly (this
file re-exports nothing): :mod:`~model.sim.reference.space` (pass weights, exposure, door
contacts, windows), :mod:`~model.sim.reference.detection` (noticing intensity, hits, the
noticing agent and its probabilities), :mod:`~model.sim.reference.workforce` (shifts,
belonging), :mod:`~model.sim.reference.decisions` (the channels open to each reporter,
costs, the report decisions), :mod:`~model.sim.reference.issues` (escalation age), and the
lever code of :mod:`~model.sim.reference.levers`, :mod:`~model.sim.reference.stations` and
:mod:`~model.sim.reference.deliberation`.
"""
