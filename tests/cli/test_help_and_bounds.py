"""What a newcomer sees first: plain-text help and bound messages that state the real bound."""

from __future__ import annotations

import json
import re

import pytest
from conftest import SMALL_YAML

from model import cli
from model.sim.output import round_significant

COMMANDS = ("run", "validate", "experiment", "calibrate", "report")

RST = re.compile(r"``|:(?:func|mod|class|data|meth):`")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_is_plain_text(command, capsys):
    args = ["--help"] if command is None else [command, "--help"]
    with pytest.raises(SystemExit) as done:
        cli.main(args)
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: streetwise")
    assert not RST.search(text), RST.search(text)


def test_top_help_names_every_command_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    assert all(command in text for command in COMMANDS)
    assert "streetwise validate scenarios/baseline.yaml" in text
    assert "Exit codes: 0 ok; 2 bad input" in text


@pytest.mark.parametrize(
    ("args", "bound"),
    [
        (["run", "s.yaml", "--days", "0"], "--days: must be >= 1, got 0"),
        (["run", "s.yaml", "--days", "-3"], "--days: must be >= 1, got -3"),
        (["run", "s.yaml", "--seed", "-1"], "--seed: must be >= 0, got -1"),
        (["experiment", "e.yaml", "--replications", "0"], "--replications: must be >= 1, got 0"),
        (["experiment", "e.yaml", "--replications", "-2"], "--replications: must be >= 1, got -2"),
        (["experiment", "e.yaml", "--days", "-3"], "--days: must be >= 1, got -3"),
        (["experiment", "e.yaml", "--workers", "-1"], "--workers: must be >= 1, got -1"),
        (["calibrate", "--seeds", "-5"], "--seeds: must be >= 1, got -5"),
        (["run", "s.yaml", "--days", "x"], "--days: expected a whole number, got 'x'"),
    ],
)
def test_bound_messages_state_the_real_bound(args, bound, capsys):
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert bound in err and err.count("\n") == 1


def test_round_significant():
    assert round_significant(120000.00000000087) == 120000.0
    assert round_significant(0.1 + 0.2) == 0.3
    assert round_significant(1 / 3) == 0.333333333333
    assert round_significant(-2.0000000000004e-5) == -2e-5
    assert round_significant(0.0) == 0.0
    assert str(round_significant(float("nan"))) == "nan"


def test_outcomes_json_values_are_rounded(tmp_path, capsys):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL_YAML, encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["run", str(scenario), "--days", "3", "--out", str(out)]) == 0
    text = (out / "outcomes.json").read_text(encoding="utf-8")
    numbers = re.findall(r":\s*(-?[0-9][0-9.eE+-]*)", text)
    assert numbers
    for number in numbers:
        digits = number.lstrip("-").split("e")[0].split("E")[0].replace(".", "").lstrip("0")
        assert len(digits.rstrip("0")) <= 12, number
    assert json.loads(text)  # still valid JSON
