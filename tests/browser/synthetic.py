"""Small notebooks, made on the fly, that prove the browser harness can pass and can fail.

They use only ipywidgets and matplotlib (no course code), so the harness is tested on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

DASHBOARD = """import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

slider = widgets.IntSlider(value=3, min=1, max=10, description="bars")
out = widgets.Output()
summary = widgets.HTML()


def draw(change=None):
    with out:
        out.clear_output(wait=True)
        fig, ax = plt.subplots(figsize=(4, 2.5))
        ax.bar(range(slider.value), range(1, slider.value + 1))
        plt.show()
    summary.value = f"<b>{slider.value} bars</b>"


slider.observe(draw, names="value")
draw()
display(widgets.VBox([slider, summary, out]))"""

STATIC = """import ipywidgets as widgets
widgets.IntSlider(value=3, min=1, max=10, description="inert")"""

FAILING = """counts = {"pop3": 3}
counts["imap"]"""


def _cell(kind: str, source: str, index: int) -> dict:
    cell = {"cell_type": kind, "id": f"cell-{index}", "metadata": {}, "source": source}
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def notebook(code: str, filler: int = 6) -> dict:
    """A notebook long enough to need scrolling, with `code` in the middle and a last cell."""
    parts = [("markdown", "# Harness self-test")]
    parts += [
        ("markdown", f"## Filler {i}\n\n" + "Text to scroll past. " * 50) for i in range(filler)
    ]
    parts += [("code", code)]
    parts += [("markdown", f"## After {i}\n\n" + "More text. " * 50) for i in range(filler)]
    parts += [("code", "print('last cell ran')")]
    return {
        "cells": [_cell(kind, source, i) for i, (kind, source) in enumerate(parts)],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebooks(folder: Path) -> dict[str, Path]:
    """The three self-test notebooks: one that works, one whose control does nothing, one
    that raises."""
    made = {}
    for name, code in {"dashboard": DASHBOARD, "static": STATIC, "failing": FAILING}.items():
        path = folder / f"selftest_{name}.ipynb"
        path.write_text(json.dumps(notebook(code), indent=1), encoding="utf-8")
        made[name] = path
    return made
