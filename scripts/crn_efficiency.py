"""How much common random numbers narrow the comparisons of one or two experiments.

For each outcome, over the arms of an experiment: the SD of the paired differences
(arm - reference, replicate by replicate) divided by the SD an unpaired difference of
independent runs would have (:func:`model.analysis.effects.crn_efficiency`; 1 = no gain,
0 = the pairs share all their noise). With two results folders (say, before and after a
change of the random streams) it prints both side by side. The basis of the CRN table of
docs/ODD.md (section 7.19).

Run: ``.venv/bin/python scripts/crn_efficiency.py RESULTS [RESULTS_AFTER] [--outcomes a,b]``
(reads ``runs.parquet`` and ``manifest.json``; seconds).
"""

from __future__ import annotations

import argparse

import pandas as pd

from model.analysis.effects import crn_efficiency, paired_effects
from model.outcomes.registry import OUTCOMES
from model.reporting.registry import direction
from model.reporting.results import load_results

DEFAULT_OUTCOMES = [name for name, spec in OUTCOMES.items() if spec.headline]


def summary(folder: str, outcomes: list[str]) -> pd.DataFrame:
    """The CRN efficiency of every outcome in ``outcomes`` over the experiment's arms."""
    results = load_results(folder)
    present = [name for name in outcomes if name in results.runs.columns]
    directions = {name: direction(name) for name in present}
    effects = paired_effects(results.runs, directions, results.reference)
    return crn_efficiency(effects).set_index("outcome")


def cell(row: pd.Series) -> str:
    """``median [min, max] (arms)``."""
    if row["arms"] == 0:
        return "n/a"
    return (
        f"{row['ratio_median']:.2f} [{row['ratio_min']:.2f}, {row['ratio_max']:.2f}]"
        f" ({int(row['arms'])})"
    )


def main() -> None:
    """Print the CRN efficiency table of one or two results folders."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="one or two results folders")
    parser.add_argument("--outcomes", default=",".join(DEFAULT_OUTCOMES))
    args = parser.parse_args()
    if len(args.folders) > 2:
        parser.error("give one or two results folders")
    outcomes = [name.strip() for name in args.outcomes.split(",") if name.strip()]
    unknown = [name for name in outcomes if name not in OUTCOMES]
    if unknown:
        parser.error(f"unknown outcome {unknown[0]!r}")
    tables = [summary(folder, outcomes) for folder in args.folders]
    header = ["outcome", *[f"SD paired / SD unpaired: {f}" for f in args.folders]]
    print("| " + " | ".join(header) + " |")
    print("|---" * len(header) + "|")
    for name in outcomes:
        cells = [cell(t.loc[name]) if name in t.index else "n/a" for t in tables]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
