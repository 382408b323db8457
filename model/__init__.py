"""Streetwise: an agent-based model (Mesa) of gig workers in community governance.

One module per concept, in the order of the data flow: ``config`` (scenario schema) ->
``district`` (space) -> ``agents``, ``workforce``, ``residents`` (people) -> ``issues``,
``detection``, ``decisions``, ``service`` (the service chain) -> ``policies`` (levers and
costs) -> ``simulation`` (the Mesa model and its hourly schedule) -> ``outcomes`` ->
``store`` (files) -> ``cli``.
"""

__version__ = "0.1.0"
