"""The local worker processes of a run: how many cores, and how a worker is started.

Shared by :mod:`sim.model.shards` (users split over processes) and :mod:`sim.model.pair` (the
two protocols of a lesson run at once)."""

from __future__ import annotations

import os
from typing import Any


def default_workers() -> int:
    """The ``--workers`` default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


def worker_context() -> Any:
    """The start method of local workers: ``forkserver`` where the platform has it, with the model
    preloaded, else ``spawn`` (never plain ``fork``: the caller may have threads, such
    as a Jupyter kernel's).

    A spawned worker boots an interpreter and imports the model before its shard starts
    (0.3-0.6 s each); the fork server does that once per session and forks each worker ready
    (0.01 s), so every sharded run after the first in a session starts at once.  (A server
    started before a source edit keeps the code it imported; restart the session.)"""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.model.shards", "sim.model.pair"])
    return ctx
