"""Where numba caches the compiled kernels: a folder keyed on every compiled source file.

numba checks a cached kernel against its own file only; a kernel that calls a compiled helper
of another file would run the helper's old code after an edit there. The package keys the
cache folder on all the compiled files (:func:`model.compiled_sources_digest`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import model
from model import NUMBA_CACHE_FOLDER, compiled_sources_digest
from model.config.paths import REPO_ROOT

SIM = Path(model.__file__).parent / "sim"


def _copy_of_sim(tmp_path: Path) -> Path:
    folder = tmp_path / "sim"
    folder.mkdir()
    for path in SIM.glob("*.py"):
        shutil.copy(path, folder / path.name)
    return folder


def test_the_digest_changes_with_any_compiled_file_and_only_with_those(tmp_path) -> None:
    folder = _copy_of_sim(tmp_path)
    before = compiled_sources_digest(folder)
    assert before == compiled_sources_digest(SIM)
    compiled = [p.name for p in folder.glob("*.py") if b"@njit" in p.read_bytes()]
    assert {"compiled_arithmetic.py", "detection_kernels.py", "decision_kernels.py"} <= set(
        compiled
    )
    # a helper that other files' kernels call: the case numba itself does not see
    helper = folder / "compiled_arithmetic.py"
    helper.write_text(helper.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = compiled_sources_digest(folder)
    assert edited != before
    # a file numba does not compile leaves the cache where it is
    plain = folder / "recorder.py"
    assert b"@njit" not in plain.read_bytes()
    plain.write_text(plain.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert compiled_sources_digest(folder) == edited


def test_numba_caches_in_the_folder_of_the_digest_unless_the_user_chose_one(tmp_path) -> None:
    probe = "import model, numba; print(numba.config.CACHE_DIR)"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    fresh = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True,
        cwd=REPO_ROOT,
    )  # fmt: skip
    assert fresh.stdout.strip() == str(NUMBA_CACHE_FOLDER / compiled_sources_digest())
    mine = str(tmp_path / "my-cache")
    chosen = subprocess.run(
        [sys.executable, "-c", probe], env={**env, "NUMBA_CACHE_DIR": mine},
        capture_output=True, text=True, check=True, cwd=REPO_ROOT,
    )  # fmt: skip
    assert chosen.stdout.strip() == mine


def test_a_new_digest_removes_the_folders_of_earlier_sources(tmp_path) -> None:
    cache = tmp_path / "numba"
    for digest in ("aaaa", "bbbb"):
        (cache / digest / "sim_x").mkdir(parents=True)
        (cache / digest / "sim_x" / "kernel.nbi").write_bytes(b"old")
    # the folder of the sources now exists: nothing is touched
    assert model.numba_cache_for("bbbb", cache) == cache / "bbbb"
    assert sorted(p.name for p in cache.iterdir()) == ["aaaa", "bbbb"]
    # new sources: the earlier folders go, the new one is left for numba to create
    assert model.numba_cache_for("cccc", cache) == cache / "cccc"
    assert list(cache.iterdir()) == []
    # no cache folder at all (a fresh clone): nothing to remove, no error
    assert model.numba_cache_for("dddd", tmp_path / "none") == tmp_path / "none" / "dddd"
