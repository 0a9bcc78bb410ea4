"""Fixtures for the course tests: which lesson dashboards can run (their experiment exists)."""

from __future__ import annotations

import importlib

import matplotlib
import pytest

matplotlib.use("Agg")

EXPERIMENTS = {1: "lesson1_where_mail_lives", 2: "lesson2_ports_and_tls", 3: "lesson3_notification",
               4: "lesson4_folders", 5: "lesson5_flags", 6: "lesson6_leave_on_server",
               7: "lesson7_virus", 8: "lesson8_search", 9: "lesson9_crash", 10: None}


def experiment_available(n: int) -> bool:
    """True when ``sim.experiments`` already provides lesson ``n``'s function (and it runs)."""
    module = importlib.import_module("sim.experiments")
    name = EXPERIMENTS[n]
    if name is None:  # the capstone runs the model directly: it needs both clients
        return _importable("sim.model") and _importable("sim.model.imap_client")
    return callable(getattr(module, name, None))


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def need_experiment(n: int) -> None:
    if not experiment_available(n):
        pytest.skip(f"sim.experiments has no lesson {n} function yet")
