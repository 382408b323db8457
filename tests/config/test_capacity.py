"""The memory guard (model/config/capacity.py): an estimate before anything runs.

A scenario too large for the machine is refused with exit 2 and the estimate (not a late
MemoryError with exit 1); the estimate grows with every size it names, and bounds what a
small run really allocates.
"""

from __future__ import annotations

import tracemalloc

import pytest
import yaml
from conftest import SMALL, make_config

from model import cli
from model.config.capacity import (
    BYTES_PER_RESIDENT,
    check_capacity,
    estimate_run_memory,
    human_bytes,
)
from model.config.errors import ConfigError
from model.sim.model import run_model

GB = 10**9


def test_estimate_grows_with_every_size():
    base = estimate_run_memory(make_config())
    bigger = {
        "population.residents": make_config({"population": {"residents": 400_000}}),
        "population.workers": make_config(
            {"population": {"workers": {"rider": 60_000, "courier": 300, "driver": 300}}}
        ),
        "street.cells_x": make_config({"street": {"cells_x": 200, "cells_y": 200}}),
    }
    for key, config in bigger.items():
        grown = estimate_run_memory(config)
        assert grown.parts[key] > base.parts[key], key
        assert grown.total > base.total
        assert grown.largest == key
    longer = estimate_run_memory(make_config(), days=400)
    assert longer.parts["issues.types"] > base.parts["issues.types"]
    assert longer.parts["population.workers"] > base.parts["population.workers"]  # turnover


def test_residents_part_is_linear():
    one = estimate_run_memory(make_config({"population": {"residents": 1000}}))
    two = estimate_run_memory(make_config({"population": {"residents": 2000}}))
    assert two.parts["population.residents"] - one.parts["population.residents"] == (
        1000 * BYTES_PER_RESIDENT
    )


def test_refused_with_the_estimate_and_the_key():
    config = make_config({"population": {"residents": 200_000_000}})
    with pytest.raises(ConfigError) as caught:
        check_capacity(config, source="big.yaml", available=8 * GB)
    message = str(caught.value)
    assert message.startswith("big.yaml: population.residents=200000000: a run needs about")
    assert "100 GB" in message and "8 GB available" in message and "\n" not in message


def test_fits_alone_but_not_with_workers_at_once():
    config = make_config()
    need = estimate_run_memory(config).total
    check_capacity(config, available=int(need * 1.5))  # one run fits
    with pytest.raises(ConfigError, match=r"2 runs at once.*--workers 1"):
        check_capacity(config, concurrent=2, available=int(need * 1.5))


def test_human_bytes():
    assert human_bytes(1.234e11) == "123 GB"
    assert human_bytes(5e6) == "5 MB"
    assert human_bytes(12) == "12 B"


def traced_peak(config) -> int:
    """Peak bytes Python and numpy allocate during a 3-day run (tracemalloc)."""
    tracemalloc.start()
    try:
        run_model(config, seed=1, days=3)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("key", "small", "large", "count"),
    [
        ("population.residents", {"residents": 10_000}, {"residents": 50_000}, 40_000),
        ("population.workers", {"workers": {"rider": 60}}, {"workers": {"rider": 3060}}, 3000),
    ],
)
def test_estimate_per_item_bounds_what_a_run_allocates(key, small, large, count):
    """Each added resident or worker costs less than the estimate says, but not far less."""
    configs = [make_config({"population": sizes}) for sizes in (small, large)]
    peaks = [traced_peak(config) for config in configs]
    measured = (peaks[1] - peaks[0]) / count
    estimated = (
        estimate_run_memory(configs[1], days=3).parts[key]
        - estimate_run_memory(configs[0], days=3).parts[key]
    ) / count
    assert estimated / 3 < measured < estimated, (measured, estimated)
    assert peaks[1] < estimate_run_memory(configs[1], days=3).total


def scenario_file(tmp_path, **population) -> str:
    data = {**SMALL, "population": {**SMALL["population"], **population}}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_cli_refuses_up_front_with_exit_2(tmp_path, capsys, command):
    path = scenario_file(tmp_path, residents=200_000_000)
    out = tmp_path / "out"
    args = [command, path] + (["--out", str(out)] if command == "run" else [])
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "population.residents=200000000: a run needs about 100 GB" in err
    assert err.count("\n") == 1 and "MemoryError" not in err
    assert not out.exists()


def test_validate_states_the_estimate(tmp_path, capsys):
    assert cli.main(["validate", scenario_file(tmp_path)]) == 0
    assert "a run needs about" in capsys.readouterr().out


def test_experiment_refused_before_any_run(tmp_path, capsys):
    scenario_file(tmp_path, residents=200_000_000)
    spec = tmp_path / "big.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "name": "big",
                "days": 2,
                "base_seed": 1,
                "replications": 1,
                "scenario": "scenario.yaml",
                "arms": [{"name": "huge"}],
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert cli.main(["experiment", str(spec), "--out", str(out), "--executor", "serial"]) == 2
    err = capsys.readouterr().err
    assert "arm 'huge'" in err and "a run needs about 100 GB" in err
    assert not out.exists()
