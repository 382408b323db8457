"""The simulation: the Mesa model of one street (imports only config and outcomes).

In data-flow order: ``streams`` (named random streams) -> ``space`` (grid, layout, places,
exposure) -> ``issues`` (arrivals and the issue log) -> ``workforce``, ``residents``
(population tables) and ``agents`` (Mesa agents as thin views over them) -> ``detection``
(who notices) -> ``channels`` (effective channel rules) -> ``decisions`` (who reports, and
how) -> ``service`` (the service chain) -> ``levers`` (one function per policy lever),
``stations`` (the worker stations lever), ``deliberation`` (the council seats and
activities lever) and ``costs`` (the ledger) -> ``recorder`` (counters and the daily
series) -> ``model`` (the ``StreetModel``, its hourly schedule, ``run_model``) -> ``output``
(``RunOutput``). The package ``reference`` holds per-agent reference versions of the
vectorised submodels, one module per submodel, which the tests compare the fast code
against.
"""
