"""Notebooks talk to their kernels over IPC sockets of their own (no shared socket paths)."""

from __future__ import annotations

import asyncio
import os
import tempfile

from model.reporting.notebooks import _ipc_kernel_manager


def test_each_kernel_gets_socket_paths_of_its_own_in_the_temporary_folder() -> None:
    manager_class = _ipc_kernel_manager()
    managers = [manager_class() for _ in range(3)]
    paths = [m.ip for m in managers]
    assert all(m.transport == "ipc" for m in managers)
    assert len(set(paths)) == 3  # jupyter_client's default was one "kernel-ipc" for all
    assert all(os.path.dirname(p) == tempfile.gettempdir() for p in paths)


def test_two_kernels_started_together_both_answer() -> None:
    """Two kernels at the same moment (as two test workers start them) each run code."""
    from model.reporting.notebooks import ensure_kernel

    kernel_name = ensure_kernel()
    manager_class = _ipc_kernel_manager()

    async def start(manager):
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        return client

    async def start_two() -> list[str]:
        managers = [manager_class(kernel_name=kernel_name) for _ in range(2)]
        clients = await asyncio.gather(*(start(m) for m in managers))
        try:
            replies = [await c.execute_interactive("x = 1", timeout=60) for c in clients]
            return [reply["content"]["status"] for reply in replies]
        finally:
            for manager, client in zip(managers, clients, strict=True):
                client.stop_channels()
                await manager.shutdown_kernel(now=True)

    assert asyncio.run(start_two()) == ["ok", "ok"]
