"""Lesson 9 — crashes: what a device crash loses, with and without a backup; a year of risk."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from course import figures
from course.dashboards.base import Control, ControlKind, Dashboard, Progress, which
from course.dashboards.common import DAYS, SEED, control, plural

DEVICES = (("phone", "phone"), ("laptop", "laptop"), ("desktop", "desktop"))
SWEEP_AGES = (0, 1, 2, 3, 5, 7, 10, 14)  # backup ages (days) of the exported sweep figure


@dataclass(frozen=True)
class _NoCrash:
    """Stands in for a crash record when the model reports none (the crash did not happen)."""

    wiped_messages: int = 0
    restored_messages: int = 0
    lost_messages: int = 0
    lost_metadata: int = 0


def _rec(record: Any) -> Any:
    return _NoCrash() if record is None else record


def _lost(record: Any) -> int:
    """Messages a crash record lost (0 when the crash did not happen)."""
    return _rec(record).lost_messages


@dataclass(frozen=True)
class Lesson9Data:
    """One crash run, and the yearly Monte Carlo when asked for (``None`` otherwise)."""

    crash: Any
    yearly: Any | None


def yearly_loss(trials: int, crashes_per_year: float, backup_age_days: float | None, seed: int,
                progress: Progress) -> Any:
    """:func:`sim.experiments.lesson9_yearly_loss`, one trial at a time so a bar can show progress.

    Trial ``k`` of the model's Monte Carlo is the run with seed ``seed + k``, so calling it with
    ``trials=1`` per seed and pooling gives exactly the record of one call with ``trials``.
    """
    from sim.experiments import RANGES, YearlyLoss, lesson9_yearly_loss

    if seed + trials - 1 > RANGES["seed"][1]:  # per-trial seeds would leave the allowed range
        whole = lesson9_yearly_loss(trials=trials, crashes_per_year=crashes_per_year,
                                    backup_age_days=backup_age_days, seed=seed)
        progress(1.0)
        return whole
    lost_pop3: list[float] = []
    lost_imap: list[float] = []
    days = 30
    for k in range(trials):
        one = lesson9_yearly_loss(trials=1, crashes_per_year=crashes_per_year,
                                  backup_age_days=backup_age_days, seed=seed + k)
        days = one.days
        lost_pop3 += one.lost_pop3
        lost_imap += one.lost_imap
        progress((k + 1) / trials)
    return YearlyLoss(trials, days, tuple(lost_pop3), tuple(lost_imap),
                      sum(lost_pop3) / trials, sum(lost_imap) / trials)


class Lesson9Dashboard(Dashboard):
    """A crash loses what only the device held; IMAP is not a backup either (DESIGN.md §5, row 9)."""

    lesson = 9
    title = "What does a crash cost?"
    figure_name = "crash_loss"
    long_running = True
    figure_size = (11.0, 4.2)
    controls = (
        Control("crash_device", "device that crashes", ControlKind.CHOICE, "phone", options=DEVICES),
        dataclasses.replace(control("crash_day", "crash on day", ControlKind.FLOAT, 5.0, step=0.5),
                            max_from="days"),
        control("backup_age_days", "restore a backup", ControlKind.OPTIONAL_INT, None,
                unit="days old", off_label="no backup"),
        Control("accidental_delete", "accidental delete on the phone",
                ControlKind.TOGGLE, True),
        DAYS,
        SEED,
        Control("monte_carlo", "run the yearly Monte Carlo", ControlKind.TOGGLE, False),
        control("trials", "Monte Carlo: years", ControlKind.INT, 20),
        control("crashes_per_year", "crashes per device per year", ControlKind.FLOAT,
                1.0, step=0.5),
    )

    def check(self, values: Mapping[str, Any]) -> None:
        if values["crash_day"] > values["days"]:
            raise ValueError(f"crash_day: {values['crash_day']:g} is after the end of the run "
                             f"(days={values['days']}); allowed 0..{values['days']}")

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Lesson9Data:
        from sim.experiments import lesson9_crash

        crash = lesson9_crash(days=values["days"], seed=values["seed"],
                              crash_day=values["crash_day"], crash_device=values["crash_device"],
                              backup_age_days=values["backup_age_days"],
                              accidental_delete=values["accidental_delete"])
        yearly = None
        if values["monte_carlo"]:
            yearly = yearly_loss(values["trials"], values["crashes_per_year"],
                                 values["backup_age_days"], values["seed"], progress)
        progress(1.0)
        return Lesson9Data(crash, yearly)

    def compute_results(self, data: Lesson9Data) -> dict[str, float | str]:
        lp = float(_lost(data.crash.crash_pop3))
        li = float(_lost(data.crash.crash_imap))
        nan = float("nan")
        return {
            "lost_messages_pop3": lp,
            "lost_messages_imap": li,
            "yearly_loss_pop3": float(data.yearly.mean_pop3) if data.yearly else nan,
            "yearly_loss_imap": float(data.yearly.mean_imap) if data.yearly else nan,
            "more_lost": which(lp, li, abs_tol=0.5),
        }

    def summary(self, data: Lesson9Data) -> str:
        c = data.crash
        cp, ci = _rec(c.crash_pop3), _rec(c.crash_imap)
        device = self.values["crash_device"]
        backup = ("no backup" if self.values["backup_age_days"] is None
                  else f"a backup {self.values['backup_age_days']} days old")
        text = (f"The {device} crashed on day {self.values['crash_day']:g} and was restored from "
                f"{backup}. Under POP3 it lost {plural(cp.lost_messages, 'message')} for good "
                f"({cp.lost_metadata} flags/folders); under IMAP {plural(ci.lost_messages, 'message')} "
                f"({ci.lost_metadata} flags/folders).")
        if self.values["accidental_delete"] and c.deleted_message is not None:
            n = len(c.pop3.devices)
            kept_pop3 = n - len(c.accidental_delete_gone_pop3)
            kept_imap = n - len(c.accidental_delete_gone_imap)
            text += (f"\nThe message deleted by mistake on the phone is still on {kept_pop3} of {n} "
                     f"devices under POP3 and on {kept_imap} under IMAP: IMAP syncs the delete to "
                     f"every device, so it is no backup.")
        if data.yearly is not None:
            text += (f"\nOver {self.values['trials']} simulated years: on average "
                     f"{data.yearly.mean_pop3:.1f} messages lost per year under POP3, "
                     f"{data.yearly.mean_imap:.1f} under IMAP.")
        return text

    def draw(self, fig: Figure, data: Lesson9Data) -> None:
        c = data.crash
        fig.clear()
        axes = fig.subplots(1, 3, width_ratios=(1.5, 1, 1.2))
        cats = ["wiped", "restored", "lost"]
        get = lambda r: [r.wiped_messages, r.restored_messages, r.lost_messages]
        figures.grouped_bars(axes[0], cats, get(_rec(c.crash_pop3)), get(_rec(c.crash_imap)),
                             "messages", "{:.0f}")
        axes[0].set_title(f"The {self.values['crash_device']} crashes", loc="left")
        if self.values["accidental_delete"] and c.deleted_message is not None:
            n = len(c.pop3.devices)
            figures.grouped_bars(axes[1], ["devices still holding it"],
                                 [n - len(c.accidental_delete_gone_pop3)],
                                 [n - len(c.accidental_delete_gone_imap)], "devices", "{:.0f}")
            axes[1].set_ylim(0, n + 0.5)
            figures.drop_legend(axes[1])
        else:
            figures._empty(axes[1], "no accidental delete")
        axes[1].set_title("An accidental delete", loc="left")
        if data.yearly is not None:
            figures.draw_yearly_loss(axes[2], data.yearly.lost_pop3, data.yearly.lost_imap)
        else:
            figures._empty(axes[2], "tick “run the yearly\nMonte Carlo” to see\na year of random crashes")
            axes[2].axis("off")
            axes[2].set_title("A year of crashes", loc="left")

    def key_figures(self):
        values = dict(self.values)

        def sweep(fig: Figure) -> None:
            from sim.experiments import lesson9_crash

            base = {"days": values["days"], "seed": values["seed"], "crash_day": values["crash_day"],
                    "crash_device": values["crash_device"], "accidental_delete": False}
            runs = [lesson9_crash(**base, backup_age_days=a) for a in SWEEP_AGES]
            none = lesson9_crash(**base, backup_age_days=None)
            figures.crash_loss(fig, SWEEP_AGES, [_lost(r.crash_pop3) for r in runs],
                               [_lost(r.crash_imap) for r in runs],
                               no_backup=(_lost(none.crash_pop3), _lost(none.crash_imap)))

        def yearly(fig: Figure) -> None:
            y = yearly_loss(values["trials"], values["crashes_per_year"], values["backup_age_days"],
                            values["seed"], lambda _f: None)
            figures.yearly_loss(fig, y.lost_pop3, y.lost_imap)

        def crash_timeline() -> Any:
            import dataclasses

            from course.dashboards.overview import timeline_drawer
            from sim.presets import preset
            from sim.scenario import CrashSpec

            age = values["backup_age_days"]
            scenario = preset("family", days=values["days"], seed=values["seed"])
            scenario = dataclasses.replace(scenario, crashes=CrashSpec(
                at=((values["crash_device"], values["crash_day"] * 86400.0),),
                backup_age_s=None if age is None else age * 86400.0))
            return timeline_drawer(scenario)

        return super().key_figures() + [("loss_vs_backup_age", sweep), ("yearly_loss", yearly),
                                        ("crash_timeline", crash_timeline())]


DASHBOARD = Lesson9Dashboard
