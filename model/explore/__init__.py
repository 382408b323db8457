"""The interactive explorer: a SolaraViz page that shows one street hour by hour.

``state`` is the only module that reads the model (the adapter), ``drawing`` turns its plain
snapshots into matplotlib figures, ``app`` lays the page out with Mesa's ``SolaraViz``.
Start it with ``make explore`` or ``solara run model/explore/app.py``.
"""
