"""Settings for the course tests: figures render off-screen."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
