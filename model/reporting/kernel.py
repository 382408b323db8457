"""The project's Jupyter kernel: this environment's Python, registered as ``streetwise``.

The notebooks name the kernel ``streetwise`` in their metadata, papermill executes them with
it, and ``make lab`` opens them in JupyterLab with it, so a notebook runs in the project's
environment without hand steps. :func:`ensure_kernel` writes the kernel spec into the
environment itself (``<sys.prefix>/share/jupyter/kernels/streetwise``, e.g. inside ``.venv``),
where Jupyter started from this environment finds it; nothing is written to the user's home.

``python -m model.reporting.kernel`` does the same from the command line; with ``--lab`` it then
starts JupyterLab on 127.0.0.1 in the repository folder (``make lab``); further arguments go
to JupyterLab (``--port=8899``, ``--no-browser``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from model.config.paths import REPO_ROOT

KERNEL_NAME = "streetwise"
"""Name of the kernel in notebook metadata, papermill and JupyterLab."""

DISPLAY_NAME = "Python (streetwise)"
"""Name JupyterLab shows in its launcher and kernel menu."""


class KernelError(RuntimeError):
    """The ``streetwise`` kernel found first runs another Python than this environment's."""


def _same_interpreter(path: str) -> bool:
    """Whether ``path`` is this environment's interpreter (symlinks of a venv kept apart)."""
    return os.path.abspath(path) == os.path.abspath(sys.executable)


def kernel_python(name: str = KERNEL_NAME) -> str | None:
    """The interpreter of the kernel Jupyter finds under ``name``, or None when there is none."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return None
    return spec.argv[0] if spec.argv else None


def ensure_kernel(name: str = KERNEL_NAME, *, prefix: str | Path | None = None) -> str:
    """Register this environment's Python as the Jupyter kernel ``name`` unless it already is.

    Args:
        name: kernel name.
        prefix: installation prefix (default ``sys.prefix``: the kernel lives in the
            environment, e.g. ``.venv/share/jupyter/kernels/streetwise``).

    Returns:
        The kernel name.

    Raises:
        KernelError: a kernel of that name that Jupyter finds before the environment's own
            (e.g. in the user's home) runs another interpreter.
    """
    from ipykernel.kernelspec import install

    found = kernel_python(name)
    if found is not None and _same_interpreter(found):
        return name
    install(kernel_name=name, display_name=DISPLAY_NAME, prefix=str(prefix or sys.prefix))
    found = kernel_python(name)
    if found is None or not _same_interpreter(found):
        raise KernelError(
            f"the Jupyter kernel {name!r} runs {found}, not this environment's "
            f"{sys.executable}; remove the other one (jupyter kernelspec remove {name})"
        )
    return name


def lab_command(extra: Sequence[str] = ()) -> list[str]:
    """The command that starts JupyterLab on 127.0.0.1 in the repository, with this Python.

    Args:
        extra: further JupyterLab arguments.
    """
    command = [sys.executable, "-m", "jupyterlab", "--ip=127.0.0.1"]
    command.append(f"--ServerApp.root_dir={REPO_ROOT}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers often run as root; Jupyter refuses otherwise
    return [*command, *extra]


def main(argv: Sequence[str] | None = None) -> int:
    """Register the kernel; with ``--lab`` start JupyterLab afterwards (extra args passed on)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] != "--lab":
        print(f"error: unknown argument {arguments[0]} (only --lab ...)", file=sys.stderr)
        return 2
    try:
        name = ensure_kernel()
    except KernelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Jupyter kernel {name!r} runs {sys.executable}")
    if not arguments:
        return 0
    try:
        return subprocess.run(lab_command(arguments[1:]), check=False).returncode
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
