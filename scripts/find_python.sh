#!/usr/bin/env bash
# Print the absolute path of a Python >= 3.12 interpreter, or fail with one line on stderr.
#
# Order: python3.12, python3.13, python3, python on PATH (pyenv shims that fail are
# skipped because they are actually run), then pyenv versions 3.12+ in ascending order.

ok() {
    # $1: candidate interpreter; succeeds if it runs and is >= 3.12.
    [ -n "$1" ] || return 1
    out=$("$1" -c 'import sys; print(sys.version_info >= (3,12))' 2>/dev/null) || return 1
    [ "$out" = "True" ]
}

resolve() {
    # Print the real executable path of interpreter $1.
    "$1" -c 'import os, sys; print(os.path.abspath(sys.executable))' 2>/dev/null
}

for name in python3.12 python3.13 python3 python; do
    cand=$(command -v "$name" 2>/dev/null) || continue
    if ok "$cand"; then
        path=$(resolve "$cand") && [ -n "$path" ] && { echo "$path"; exit 0; }
    fi
done

roots="${PYENV_ROOT:-$HOME/.pyenv}"
if command -v pyenv >/dev/null 2>&1; then
    pr=$(pyenv root 2>/dev/null) && [ -n "$pr" ] && roots="$roots
$pr"
fi

while IFS= read -r root; do
    [ -n "$root" ] && [ -d "$root/versions" ] || continue
    # Glob order is ascending, so 3.12.x comes before 3.13.x and later.
    for dir in "$root"/versions/3.1[2-9]*; do
        cand="$dir/bin/python"
        [ -x "$cand" ] || continue
        if ok "$cand"; then
            path=$(resolve "$cand") && [ -n "$path" ] && { echo "$path"; exit 0; }
        fi
    done
done <<EOR
$roots
EOR

echo "streetwise: no Python >= 3.12 found (looked on PATH and in pyenv versions); install Python 3.12 or newer" >&2
exit 1
