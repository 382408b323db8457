#!/usr/bin/env bash
# Mutation testing of the outcome, analysis, store and config modules (`make mutation`).
#
# mutmut ([tool.mutmut] in pyproject.toml) mutates model/outcomes, model/analysis,
# model/experiments/store.py and model/config one change at a time and runs the fast tests of
# those modules against each mutant; a mutant the tests do not notice "survives". The run works
# in a fresh copy of the committed tree (HEAD), so the working tree gets no mutants/ folder.
# It prints the kill rate and every survivor. CPU heavy (hours for every module on two cores,
# at the lowest priority): run it by hand, never in CI or `make test`.
#
# Usage: scripts/mutation.sh [MUTANT_GLOB...]   e.g. 'model.outcomes*' 'model.experiments*'
# Environment: JOBS=N mutants in parallel (default: the number of cores); SHOW=1 prints the
# diff of every survivor; KEEP=1 keeps the work folder (to browse it with `mutmut browse`);
# PYTEST_ADDOPTS reaches every test run (e.g. a --deselect).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
jobs=${JOBS:-$(nproc)}

if ! "$python" -c 'import mutmut' 2>/dev/null; then
    echo "mutation.sh: mutmut is not installed in $python; run make venv (it is a dev extra)" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/streetwise-mutation.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    echo "work folder (kept): $work"
else
    trap 'rm -rf "$work"' EXIT
fi
git -C "$root" archive HEAD | tar -x -C "$work"
cd "$work"

echo "mutation testing of $(git -C "$root" rev-parse --short HEAD) ${*:-(every module)}" \
    "with $jobs jobs at nice 19..."
started=$(date +%s)
if ! nice -n 19 "$python" -m mutmut run --max-children "$jobs" "$@" >mutmut-run.log 2>&1; then
    tail -n 40 mutmut-run.log >&2
    echo "mutation.sh: mutmut failed (log above)" >&2
    exit 1
fi
minutes=$((($(date +%s) - started + 59) / 60))
"$python" -m mutmut results --all true >mutants.txt

"$python" - "$minutes" <<'SUMMARY'
import sys
from collections import Counter, defaultdict

# the status of every mutant ("not checked": outside the globs given on the command line)
rows = [
    tuple(line.strip().rsplit(": ", 1))
    for line in open("mutants.txt", encoding="utf-8")
    if ": " in line
]
rows = [(name, status) for name, status in rows if status != "not checked"]
count = Counter(status for _, status in rows)
caught = ("killed", "timeout", "segfault", "caught by type check")
killed = sum(count[s] for s in caught)
mutants = len(rows) - count["skipped"]
reached = mutants - count["no tests"]
summary = ", ".join(f"{n} {s}" for s, n in count.most_common())
print(f"\nmutants: {mutants} in {sys.argv[1]} min ({summary})")
if mutants:
    print(
        f"kill rate: {killed / mutants:.1%} ({killed} of {mutants} mutants); "
        f"{killed / max(reached, 1):.1%} of the {reached} that the selected tests reach"
    )
survivors = [(name, status) for name, status in rows if status not in (*caught, "skipped")]
by_module = defaultdict(Counter)
for name, status in survivors:
    by_module[name.split(".x")[0]][status] += 1
print("\nnot killed, by module:")
for module, counts in sorted(by_module.items()):
    print(f"  {module}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
print("\nsurvivors (SHOW=1 prints their diffs):")
for name, status in survivors:
    print(f"  {name}: {status}")
SUMMARY

if [ "${SHOW:-0}" = 1 ]; then
    grep -E ': (survived|no tests|suspicious)$' mutants.txt | sed 's/^ *//; s/: .*$//' |
        while read -r name; do
            "$python" -m mutmut show "$name"
        done
fi
