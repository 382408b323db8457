"""Reading a run's Arrow tables as numpy arrays (the issue log, the report log, the series)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def values(table: pa.Table, name: str) -> np.ndarray:
    """A column as numpy (strings as objects, nulls of integer columns as they come)."""
    return table.column(name).to_numpy(zero_copy_only=False)


def times(table: pa.Table, name: str) -> np.ndarray:
    """A float column (a time, hours) as numpy with null turned into NaN."""
    return pc.fill_null(table.column(name), np.nan).to_numpy(zero_copy_only=False)
