"""Lesson 9 — crashes: what a device crash loses, what a delete by mistake loses, and a year of both.

The figure has three parts, all from :mod:`sim.lessons.experiments`:

* **the crash** (:func:`~sim.lessons.experiments.lesson9_crash`): POP3 deleting after download vs IMAP;
* **the delete by mistake** on the phone, one day before the crash, in the same run: IMAP, POP3
  deleting after download, and POP3 with a desktop archive (the phone and the laptop leave mail on
  the server for 14 days, the desktop downloads every message and keeps it) -- the set-up in which
  an independent copy exists;
* **a year** (:func:`~sim.lessons.experiments.lesson9_yearly_loss`, behind the "run the yearly Monte
  Carlo" box): whole simulated years of the same family with random crashes and mistaken deletes
  at the rates set, under the same three set-ups.  A year costs a few seconds of computing, so the
  Monte Carlo runs only when asked, fills the progress bar as it goes, and is kept between
  updates: moving a control of the crash panel does not run it again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures, style
from course.dashboards.base import (
    Control,
    ControlKind,
    Dashboard,
    FigureDrawer,
    Progress,
    Recent,
    which,
)
from course.dashboards.common import DAYS, SEED, control, key_of, plural, short
from course.predict import format_value
from course.progress import scaled
from course.style import Protocol
from sim.inputs.scenario import DAY
from sim.lessons.experiments import ARCHIVE_LEAVE_DAYS
from sim.outputs.results import CrashRecord

DEVICES = (("phone", "phone"), ("laptop", "laptop"), ("desktop", "desktop"))
# backup ages (days) of the loss-by-backup-age panel, read off the one crash run (see
# CrashRecord.lost_with_backup_age); no backup is drawn as a line (a backup older than the
# device's mail is no backup)
SWEEP_AGES = (0, 1, 2, 3)
SWEEP_PARAMETERS = ("days", "seed", "crash_day", "crash_device", "accidental_delete")
# the three client set-ups of the delete panel and the Monte Carlo, in the order they are drawn
SETUP_LABELS = ("POP3\ndelete after\ndownload", "POP3\ndesktop\narchive", "IMAP")
SETUP_PROTOCOLS = (Protocol.POP3, Protocol.POP3, Protocol.IMAP)
SETUP_HATCHED = (False, True, False)
ARCHIVE_TEXT = (
    f"the phone and the laptop leave mail on the server for {ARCHIVE_LEAVE_DAYS:g} days, "
    f"the desktop downloads every message and keeps it"
)
MC_PARAMETERS = (
    "trials",
    "crashes_per_year",
    "accidental_deletes_per_year",
    "backup_age_days",
    "seed",
)  # the controls the Monte Carlo depends on


@dataclass(frozen=True)
class _NoCrash:
    """Stands in for a crash record when the model reports none (the crash did not happen)."""

    wiped_messages: int = 0
    restored_messages: int = 0
    lost_messages: int = 0
    lost_metadata: int = 0

    def lost_with_backup_age(self, backup_age_s: float | None) -> int:
        return 0  # a crash that did not happen lost nothing at any backup age


def _rec(record: Any) -> Any:
    return _NoCrash() if record is None else record


def _lost(record: Any) -> int:
    """Messages a crash record lost (0 when the crash did not happen)."""
    return _rec(record).lost_messages


@dataclass(frozen=True)
class DeleteOutcome:
    """Where the message deleted by mistake is at the end of the run, under one set-up."""

    kept_on: tuple[str, ...]  # short names of the devices that still hold it
    devices: int  # devices of the user
    on_server: bool


def delete_outcomes(crash: Any) -> tuple[DeleteOutcome, DeleteOutcome, DeleteOutcome] | None:
    """The delete's outcome per set-up (POP3 delete after download, POP3 archive, IMAP), or
    ``None`` when no message was deleted by mistake."""
    if crash.deleted_message is None:
        return None
    names = [d.device for d in crash.pop3.devices]

    def one(gone: tuple[str, ...], on_server: bool) -> DeleteOutcome:
        return DeleteOutcome(tuple(short(n) for n in names if n not in gone), len(names), on_server)

    return (
        one(crash.accidental_delete_gone_pop3, crash.accidental_delete_on_server_pop3),
        one(
            crash.accidental_delete_gone_pop3_archive,
            crash.accidental_delete_on_server_pop3_archive,
        ),
        one(crash.accidental_delete_gone_imap, crash.accidental_delete_on_server_imap),
    )


@dataclass(frozen=True)
class BackupSweep:
    """Messages lost in the crash at each backup age of :data:`SWEEP_AGES` and without a backup,
    everything else as set (read off the same crash, :func:`backup_sweep`)."""

    ages: tuple[float, ...]
    lost_pop3: tuple[int, ...]
    lost_imap: tuple[int, ...]
    no_backup: tuple[int, int]  # (POP3, IMAP)


def backup_sweep(pop3: CrashRecord | None, imap: CrashRecord | None) -> BackupSweep:
    """What the crash would have lost at each of :data:`SWEEP_AGES` and without a backup."""

    def lost(record: CrashRecord | None, age_days: float | None) -> int:
        return _rec(record).lost_with_backup_age(None if age_days is None else age_days * DAY)

    return BackupSweep(
        SWEEP_AGES,
        tuple(lost(pop3, a) for a in SWEEP_AGES),
        tuple(lost(imap, a) for a in SWEEP_AGES),
        (lost(pop3, None), lost(imap, None)),
    )


@dataclass(frozen=True)
class Lesson9Data:
    """One crash run, the crash at other backup ages, and the yearly Monte Carlo when asked for
    (``None`` otherwise)."""

    crash: Any
    yearly: Any | None
    sweep: BackupSweep


def yearly_loss(values: Mapping[str, Any], progress: Progress) -> Any:
    """:func:`sim.lessons.experiments.lesson9_yearly_loss` for the dashboard's control values."""
    from sim.lessons.experiments import lesson9_yearly_loss

    return lesson9_yearly_loss(
        trials=values["trials"],
        crashes_per_year=values["crashes_per_year"],
        accidental_deletes_per_year=values["accidental_deletes_per_year"],
        backup_age_days=values["backup_age_days"],
        seed=values["seed"],
        progress=progress,
    )


def _where(o: DeleteOutcome) -> str:
    """``"on 1 of 3 devices (desktop), not on the server"``."""
    which_ones = f" ({', '.join(o.kept_on)})" if o.kept_on else ""
    server = "still on the server" if o.on_server else "not on the server"
    return f"on {len(o.kept_on)} of {o.devices} devices{which_ones}, {server}"


def _held(o: DeleteOutcome) -> str:
    """The label over a bar of the delete panel: ``"1: desktop"``, or ``"0"``, and a second line
    ``"+ the server"`` when the server still holds the message."""
    text = f"{len(o.kept_on)}: {', '.join(o.kept_on)}" if o.kept_on else "0"
    return text + ("\n+ the server" if o.on_server else "")


def delete_summary(crash: Any, crash_device: str) -> str:
    """The sentences under the delete panel, each following from the three outcomes."""
    outcomes = delete_outcomes(crash)
    if outcomes is None:
        return (
            "No message was deleted by mistake: before the delete was due (a day before the "
            "crash) no message had arrived that the phone was sure to download first."
        )
    dad, arch, imap = outcomes
    day = crash.deleted_at_s / 86400.0
    text = (
        f"On day {day:.1f} the user deleted by mistake, on the phone, a message the phone "
        f"had downloaded first. At the end of the run it is: under IMAP {_where(imap)}; "
        f"under POP3 with a desktop archive ({ARCHIVE_TEXT}) {_where(arch)}; under POP3 "
        f"deleting after download {_where(dad)}."
    )
    if not imap.kept_on and not imap.on_server:
        text += " IMAP synchronised the delete to every device and the server: it is no backup."
    else:
        text += " Under IMAP a copy is still left: the delete had not reached everywhere yet."
    if arch.kept_on or arch.on_server:
        place = " and ".join(arch.kept_on) if arch.kept_on else "the server"
        text += (
            f" The POP3 delete removed only the phone's copy, so the archive set-up still "
            f"has it ({place})."
        )
    elif crash_device == "desktop":
        text += (
            " The archive set-up lost it too: the desktop, which held the archive's copy, "
            "crashed afterwards."
        )
    else:
        text += " The archive set-up lost it too."
    if not dad.kept_on and not dad.on_server:
        text += " With delete after download the phone held the only copy, so that set-up lost it."
    return text


def yearly_summary(y: Any) -> str:
    """The Monte Carlo's sentences: means per set-up, split by cause, from the record."""
    backup = (
        "no backup"
        if y.backup_age_days is None
        else f"backups {format_value(y.backup_age_days)} days old"
    )
    made = sum(y.accidental_deletes) / y.trials
    parts = []
    for label, losses in (
        ("POP3 deleting after download", y.pop3),
        ("POP3 with a desktop archive", y.pop3_archive),
        ("IMAP", y.imap),
    ):
        parts.append(
            f"{label} {format_value(losses.mean)} ({format_value(losses.mean_crash)} in "
            f"crashes, {format_value(losses.mean_delete)} deleted by mistake)"
        )
    return (
        f"Over {plural(y.trials, 'simulated year')} of {y.days} days (random crashes, "
        f"{format_value(y.crashes_per_year)} per device per year on average, {backup}; "
        f"{format_value(made)} deletes by mistake a year on the phone), received messages lost "
        f"for good per year on average: " + "; ".join(parts) + "."
    )


class Lesson9Dashboard(Dashboard):
    """A crash loses what only the device held; IMAP is not a backup either (DESIGN.md §5, row 9)."""

    lesson = 9
    title = "What does a crash cost, and what does a delete by mistake cost?"
    figure_name = "crash_loss"
    figure_size = (12.0, 4.4)
    assumptions = (
        "the model's documented defaults for everything the controls do not set (message sizes "
        "and rates, online hours, TLS); POP3 in the crash panel deletes after download on every "
        f"device; in the desktop archive {ARCHIVE_TEXT}; a backup is restored only after a crash"
    )
    figure_notes: ClassVar[dict[str, str]] = {
        "loss_vs_backup_age": "This figure repeats the crash for backup ages of "
        f"{', '.join(map(str, SWEEP_AGES[:-1]))} and {SWEEP_AGES[-1]} "
        "days and without a backup, everything else as set.",
        "yearly_loss": "This figure simulates whole 365-day years of the same family at the rates "
        "set, whether or not the Monte Carlo box is ticked.",
    }
    controls = (
        Control(
            "crash_device", "device that crashes", ControlKind.CHOICE, "phone", options=DEVICES
        ),
        dataclasses.replace(
            control("crash_day", "crash on day", ControlKind.FLOAT, 5.0, step=0.5), max_from="days"
        ),
        control(
            "backup_age_days",
            "restore a backup",
            ControlKind.OPTIONAL_INT,
            None,
            on_value=1,
            unit="days old",
            off_label="no backup",
        ),
        Control(
            "accidental_delete",
            "delete by mistake on the phone (a day before the crash)",
            ControlKind.TOGGLE,
            True,
        ),
        DAYS,
        SEED,
        Control(
            "monte_carlo",
            "run the yearly Monte Carlo (a few seconds per year)",
            ControlKind.TOGGLE,
            False,
        ),
        control("trials", "Monte Carlo: simulated years", ControlKind.INT, 3, unit="years"),
        control(
            "crashes_per_year", "crashes per device per year", ControlKind.FLOAT, 1.0, step=0.5
        ),
        control(
            "accidental_deletes_per_year",
            "deletes by mistake per year (phone)",
            ControlKind.FLOAT,
            4.0,
            step=1.0,
        ),
    )

    def __init__(self, **values: Any) -> None:
        self._years: dict[tuple, Any] = {}  # Monte Carlo records by their parameters
        # the crash runs by the controls they read: the Monte Carlo's controls run nothing again
        self._crashes: Recent[Any] = Recent()
        super().__init__(**values)

    def check(self, values: Mapping[str, Any]) -> None:
        if values["crash_day"] > values["days"]:
            raise ValueError(
                f"crash_day: {values['crash_day']:g} is after the end of the run "
                f"(days={values['days']}); allowed 0..{values['days']}"
            )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Lesson9Data:
        from sim.lessons.experiments import lesson9_crash

        monte_carlo = values["monte_carlo"]
        crash = self._crashes.fetch(
            key_of(values, (*SWEEP_PARAMETERS, "backup_age_days")),
            lambda: lesson9_crash(
                **{k: values[k] for k in SWEEP_PARAMETERS},
                backup_age_days=values["backup_age_days"],
            ),
        )
        progress(0.3 if monte_carlo else 1.0)
        sweep = backup_sweep(crash.crash_pop3, crash.crash_imap)
        yearly = None
        if monte_carlo:
            key = tuple(values[k] for k in MC_PARAMETERS)
            if key not in self._years:
                self._years[key] = yearly_loss(values, scaled(progress, 0.3, 1.0))
            yearly = self._years[key]
        progress(1.0)
        return Lesson9Data(crash, yearly, sweep)

    def clear_cache(self) -> None:
        super().clear_cache()
        self._years.clear()
        self._crashes.clear()

    def compute_results(self, data: Lesson9Data) -> dict[str, float | str]:
        lp = float(_lost(data.crash.crash_pop3))
        li = float(_lost(data.crash.crash_imap))
        nan = float("nan")
        outcomes = delete_outcomes(data.crash) if self.values["accidental_delete"] else None
        kept = [nan, nan, nan] if outcomes is None else [float(len(o.kept_on)) for o in outcomes]
        y = data.yearly
        return {
            "lost_messages_pop3": lp,
            "lost_messages_imap": li,
            "deleted_kept_devices_pop3": kept[0],
            "deleted_kept_devices_pop3_archive": kept[1],
            "deleted_kept_devices_imap": kept[2],
            "yearly_loss_pop3": float(y.pop3.mean) if y else nan,
            "yearly_loss_pop3_archive": float(y.pop3_archive.mean) if y else nan,
            "yearly_loss_imap": float(y.imap.mean) if y else nan,
            "more_lost": which(lp, li, abs_tol=0.5),
        }

    def summary(self, data: Lesson9Data) -> str:
        c = data.crash
        cp, ci = _rec(c.crash_pop3), _rec(c.crash_imap)
        device = self.values["crash_device"]
        backup = (
            "no backup"
            if self.values["backup_age_days"] is None
            else f"a backup {self.values['backup_age_days']} days old"
        )
        text = (
            f"The {device} crashed on day {self.values['crash_day']:g} and was restored from "
            f"{backup}. Under POP3 deleting after download it lost "
            f"{plural(cp.lost_messages, 'message')} for good ({cp.lost_metadata} flags/folders); "
            f"under IMAP {plural(ci.lost_messages, 'message')} "
            f"({ci.lost_metadata} flags/folders)."
        )
        if self.values["accidental_delete"]:
            text += "\n" + delete_summary(c, device)
        if data.yearly is not None:
            text += "\n" + yearly_summary(data.yearly)
        return text

    def draw(self, fig: Figure, data: Lesson9Data) -> None:
        self.draw_on(self.make_axes(fig, data), data)

    def axes_key(self, data: Lesson9Data) -> Hashable:
        """The year's row, and whether the delete panel has bars or only a note (its axis off)."""
        return (data.yearly is None, self._delete_outcomes(data) is None)

    def _delete_outcomes(self, data: Lesson9Data) -> Any:
        return delete_outcomes(data.crash) if self.values["accidental_delete"] else None

    def make_axes(self, fig: Figure, data: Lesson9Data) -> list[Axes]:
        """The crash, the delete and the crash by backup age; the year gets a row of its own."""
        y = data.yearly
        fig.clear()
        if fig is self.figure:  # the dashboard's figure grows a row for the year (an exported
            # figure keeps the size it was given)
            rows = 1 if y is None else 2
            fig.set_size_inches(self.figure_size[0], rows * self.figure_size[1])
        grid = fig.add_gridspec(1 if y is None else 2, 1)
        top = grid[0].subgridspec(1, 3, width_ratios=(1.4, 1.2, 1.2))
        axes = [fig.add_subplot(top[0, k]) for k in range(3)]
        if y is not None:
            bottom = grid[1].subgridspec(1, 2)
            axes += [fig.add_subplot(bottom[0, 0]), fig.add_subplot(bottom[0, 1])]
        return axes

    def draw_on(self, axes: Sequence[Axes], data: Lesson9Data) -> None:
        c = data.crash
        y = data.yearly
        crash_ax, delete_ax, sweep_ax = axes[:3]
        cats = ["wiped", "restored", "lost"]

        def get(r: Any) -> list[int]:
            return [r.wiped_messages, r.restored_messages, r.lost_messages]

        figures.grouped_bars(
            crash_ax, cats, get(_rec(c.crash_pop3)), get(_rec(c.crash_imap)), "messages", "{:.0f}"
        )
        crash_ax.set_title(f"The {self.values['crash_device']} crashes", loc="left")
        outcomes = self._delete_outcomes(data)
        delete_ax.set_title("A delete by mistake on the phone", loc="left")
        if outcomes is not None:
            n = outcomes[0].devices
            figures.setup_bars(
                delete_ax,
                SETUP_LABELS,
                SETUP_PROTOCOLS,
                [len(o.kept_on) for o in outcomes],
                f"devices still holding it (of {n})",
                hatched=SETUP_HATCHED,
                texts=[_held(o) for o in outcomes],
            )
            delete_ax.set_ylim(0, n + 0.7)
            delete_ax.set_yticks(range(n + 1))
        else:
            figures._empty(
                delete_ax,
                "no delete by mistake"
                if not self.values["accidental_delete"]
                else "no message the phone was\nsure to have by then",
            )
            delete_ax.axis("off")
        self._draw_sweep(sweep_ax, data)
        note = (
            f"POP3 in the crash panels: delete after download on every device. "
            f"By backup age: one crash run per age, everything else as set.\n"
            f"Desktop archive (hatched): {ARCHIVE_TEXT}."
        )
        if y is not None:
            year_ax, year_delete_ax = axes[3:]
            figures.draw_year_losses(
                year_ax,
                year_delete_ax,
                SETUP_LABELS,
                SETUP_PROTOCOLS,
                SETUP_HATCHED,
                [y.pop3.crash, y.pop3_archive.crash, y.imap.crash],
                [y.pop3.delete, y.pop3_archive.delete, y.imap.delete],
                sum(y.accidental_deletes) / y.trials,
            )
        else:
            note += (
                "\nTick “run the yearly Monte Carlo” to see whole years of random crashes "
                "and deletes by mistake."
            )
        fig = crash_ax.get_figure(root=True)
        if fig is None:
            raise ValueError("Lesson9Dashboard.draw_on: axes must be a figure's (make_axes)")
        fig.supxlabel(note, x=0.01, ha="left", fontsize=8.5, color=style.GREY)

    def _draw_sweep(self, ax: Any, data: Lesson9Data) -> None:
        """Messages lost in the crash against the backup's age, the setting's own run marked."""
        sw = data.sweep
        age = self.values["backup_age_days"]
        current = (_lost(data.crash.crash_pop3), _lost(data.crash.crash_imap))
        figures.draw_crash_loss(
            ax,
            sw.ages,
            sw.lost_pop3,
            sw.lost_imap,
            current_age=age,
            current=None if age is None else current,
            no_backup=sw.no_backup,
            title="Lost, by backup age\n(a separate crash run per age)",
        )

    def key_figures(self) -> list[tuple[str, FigureDrawer]]:
        values = dict(self.values)
        data = self.data

        def sweep(fig: Figure) -> None:
            fig.clear()
            self._draw_sweep(fig.subplots(), data)

        def yearly(fig: Figure) -> None:
            y = yearly_loss(values, lambda _f: None)
            figures.yearly_loss_by_setup(
                fig,
                SETUP_LABELS,
                SETUP_PROTOCOLS,
                SETUP_HATCHED,
                [y.pop3.crash, y.pop3_archive.crash, y.imap.crash],
                [y.pop3.delete, y.pop3_archive.delete, y.imap.delete],
                sum(y.accidental_deletes) / y.trials,
            )

        def crash_timeline() -> Any:
            from course.dashboards.overview import timeline_drawer
            from sim.inputs.presets import preset
            from sim.inputs.scenario import CrashSpec

            age = values["backup_age_days"]
            scenario = preset("family", days=values["days"], seed=values["seed"])
            scenario = dataclasses.replace(
                scenario,
                crashes=CrashSpec(
                    at=((values["crash_device"], values["crash_day"] * 86400.0),),
                    backup_age_s=None if age is None else age * 86400.0,
                ),
            )
            return timeline_drawer(scenario)

        return super().key_figures() + [
            ("loss_vs_backup_age", sweep),
            ("yearly_loss", yearly),
            ("crash_timeline", crash_timeline()),
        ]


DASHBOARD = Lesson9Dashboard
