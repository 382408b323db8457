"""Configuration: the scenario schema, loading and ``--set``, the named codes, paths, errors.

- :mod:`model.config.scenario` - :class:`ScenarioConfig`, built from the themed blocks in
  ``street``, ``people``, ``issue_types``, ``channels``, ``service``, ``behaviour`` and
  ``policies`` (every number the model uses, with its unit and source);
- :mod:`model.config.loading` - YAML files, ``--set dotted.key=value``, validation;
- :mod:`model.config.codes` - the integer codes of every category (worker kinds, observers,
  issue types, channels, departments, roles, issue statuses), defined once;
- :mod:`model.config.paths` - the repository root;
- :mod:`model.config.errors` - :class:`ConfigError` and the one formatter of validation errors.

The bottom layer: it imports nothing else of the package.
"""
