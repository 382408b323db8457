#!/usr/bin/env bash
# Mutation testing of the outcome, analysis, store and config modules (`make mutation`).
#
# mutmut ([tool.mutmut] in pyproject.toml) mutates model/outcomes, model/analysis,
# model/experiments/store.py and model/config one change at a time and runs the fast tests of
# those modules against each mutant; a mutant the tests do not notice "survives". The run works
# in a fresh copy of the committed tree (HEAD), so the working tree gets no mutants/ folder.
# It prints the kill rate and every survivor. CPU heavy (about an hour on two cores, at the
# lowest priority): run it by hand, never in CI or `make test`.
#
# Usage: scripts/mutation.sh [MUTANT_GLOB...]   e.g. 'model.outcomes*' 'model.experiments*'
# Environment: JOBS=N mutants in parallel (default: the number of cores); SHOW=1 prints the
# diff of every survivor; KEEP=1 keeps the work folder (to browse it with `mutmut browse`).
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

echo "mutation testing of $(git -C "$root" rev-parse --short HEAD) with $jobs jobs (nice 19)..."
started=$(date +%s)
if ! nice -n 19 "$python" -m mutmut run --max-children "$jobs" "$@" >mutmut-run.log 2>&1; then
    tail -n 40 mutmut-run.log >&2
    echo "mutation.sh: mutmut failed (log above)" >&2
    exit 1
fi
minutes=$((($(date +%s) - started + 59) / 60))

"$python" -m mutmut export-cicd-stats >/dev/null
"$python" -m mutmut results >survivors.txt

"$python" - "$minutes" <<'EOF'
import json
import sys
from collections import Counter, defaultdict

minutes = sys.argv[1]
stats = json.load(open("mutants/mutmut-cicd-stats.json", encoding="utf-8"))
killed = stats["killed"] + stats["timeout"] + stats["segfault"]
mutants = stats["total"] - stats["skipped"]
tested = mutants - stats["no_tests"]
print(f"\nmutants: {mutants} ({minutes} min)")
print(f"  killed {stats['killed']}, timed out {stats['timeout']}, crashed {stats['segfault']}")
print(f"  survived {stats['survived']}, suspicious (slow) {stats['suspicious']}, "
      f"reached by no selected test {stats['no_tests']}")
if mutants:
    print(f"kill rate: {killed / mutants:.1%} of all mutants "
          f"({killed / tested:.1%} of those the tests reach)" if tested else "kill rate: n/a")
rows = [line.strip().rsplit(": ", 1) for line in open("survivors.txt", encoding="utf-8")
        if ": " in line]
by_module = defaultdict(Counter)
for name, status in rows:
    module = name.split(".x_")[0].split(".xǁ")[0]
    by_module[module][status] += 1
print("\nnot killed, by module:")
for module, counts in sorted(by_module.items()):
    print(f"  {module}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
print("\nsurvivors:")
for name, status in rows:
    print(f"  {name}: {status}")
EOF

if [ "${SHOW:-0}" = 1 ]; then
    grep -E ': (survived|no tests)$' survivors.txt | sed 's/^ *//; s/: .*$//' | while read -r name; do
        "$python" -m mutmut show "$name"
    done
fi
