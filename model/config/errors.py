"""Bad input: the one error type and the one formatter of validation errors.

Everything a user can get wrong (a scenario, an experiment file, a command-line option)
ends as a :class:`ConfigError` whose message is one line naming the file, the key and the
problem; the command line prints it and exits 2, without a traceback.
"""

from __future__ import annotations

from pydantic import ValidationError


class ConfigError(Exception):
    """A scenario, experiment or option could not be read or validated; one line for the user."""


def error_location(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a key: ``arms[0].overrides``, ``workers.rider.speed_kmh``."""
    where = ""
    for part in loc:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where or "(top level)"


def format_validation_error(source: str, error: ValidationError) -> str:
    """One line for a pydantic error: ``source: key: problem (and N more problems)``.

    Args:
        source: what was validated (a file, ``--set``, an arm of an experiment).
        error: the validation error; its first problem is named, the others counted.

    Returns:
        The message, e.g. ``scenario.yaml: population.residents: unknown key``.
    """
    first = error.errors()[0]
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key missing"
    message = message.removeprefix("Value error, ")
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{source}: {error_location(first['loc'])}: {message}{suffix}"
