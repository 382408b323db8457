"""What the hourly events read and write as Python numbers: status codes and incident harm.

The events store and compare plain-int status codes; the harm of incidents adds as numpy
adds it.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.config.codes import ISSUE_TYPES, IssueStatus
from model.sim import issues
from model.sim.recorder import Recorder


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    batches=st.lists(st.integers(1, 20), min_size=1, max_size=40),
)
def test_harm_of_incidents_adds_as_numpy_does(model, seed: int, batches: list[int]) -> None:
    """Incidents counted one or several at a time add the harm numpy's sum gives.

    One incident adds its type's harm; several add ``ndarray.sum`` of theirs (pairwise,
    which rounds differently from a left-to-right sum of these harms).
    """
    rng = np.random.default_rng(seed)
    harm = rng.random(len(ISSUE_TYPES)) * 10.0 ** rng.integers(-3, 17, len(ISSUE_TYPES))
    recorder = Recorder(
        model.issues,
        model.service,
        model.workforce,
        model.residents,
        model.ledger,
        harm_yuan_by_type=harm,
        rider=model.config.workers.rider,
        service_config=model.config.service,
    )
    expected = 0.0
    for n in batches:
        types = rng.integers(0, len(ISSUE_TYPES), n).tolist()
        recorder.count_incidents(types)
        expected += float(harm[np.array(types)].sum())
        assert np.float64(recorder.harm_yuan).view(np.uint64) == np.float64(expected).view(
            np.uint64
        )
        assert type(recorder.harm_yuan) is float
    assert recorder.incidents_total == sum(batches)


def test_status_codes_are_the_enums_values_as_plain_ints() -> None:
    """The hourly events store and compare these codes: each is its stage's, a plain int."""
    for stage in IssueStatus:
        if hasattr(issues, f"{stage.name}_CODE"):
            code = getattr(issues, f"{stage.name}_CODE")
            assert type(code) is int and code == stage.value, stage
    used = {"DETECTED", "REPORTED", "ACKNOWLEDGED", "DISPATCHED", "RESOLVED"}
    used |= {"CLOSED_UNRESOLVED", "ESCALATED", "EXPIRED"}
    assert all(hasattr(issues, f"{name}_CODE") for name in used)
