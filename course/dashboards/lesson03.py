"""Lesson 3 — push or poll: notification delay against the poll interval, and what waiting costs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from course import figures
from course.dashboards.base import Control, ControlKind, Dashboard, Progress, which_smaller
from course.dashboards.common import DAYS, SEED, control, numbers
from course.predict import format_value


def _seconds(x: float) -> str:
    from course.figures import _fmt_seconds

    return _fmt_seconds(x)


class Lesson3Dashboard(Dashboard):
    """POP3 polls and disconnects; IMAP IDLE is told about new mail (DESIGN.md §5, row 3)."""

    lesson = 3
    title = "How soon does new mail show up?"
    figure_name = "notification_delay"
    figure_notes = {"timeline_one_day": "This figure shows the first simulated day only, with "
                                        "the same poll interval and IDLE setting."}
    controls = (
        control("poll_interval_min", "poll interval", ControlKind.FLOAT,
                10.0, step=1.0, unit="min"),
        Control("idle", "IMAP uses IDLE (off: IMAP polls at the same interval)",
                ControlKind.TOGGLE, True),
        control("nat_timeout_min", "home router timeout",
                ControlKind.OPTIONAL_INT, None, unit="min", off_label="no such router",
                on_value=5),  # home routers forget after 5-10 min (Fastmail)
        control("keepalive_min", "server keepalive after", ControlKind.OPTIONAL_INT, None,
                unit="min of silence", off_label="no keepalive", on_value=2),  # Dovecot's
        Control("tls_resumption", "TLS session resumption", ControlKind.TOGGLE, False),
        Control("device", "whose figures", ControlKind.CHOICE, "phone",
                options=(("the phone", "phone"), ("the laptop", "laptop"),
                         ("the desktop", "desktop"), ("all devices (pooled)", "all"))),
        DAYS,
        SEED,
    )

    def check(self, values: Mapping[str, Any]) -> None:
        nat = values["nat_timeout_min"]
        if nat is not None and not values["idle"] and nat < values["poll_interval_min"]:
            raise ValueError(
                f"nat_timeout_min: a router that forgets after {nat} min, with IMAP polling every "
                f"{values['poll_interval_min']:g} min, is not modelled; allowed: IDLE on, no "
                f"router, or at least {values['poll_interval_min']:g} min")

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.experiments import lesson3_notification

        return lesson3_notification(**values)

    def compute_results(self, data: Any) -> dict[str, float | str]:
        p, i = data.pop3_delay.median_s, data.imap_delay.median_s
        return {
            "median_delay_s_pop3": p,
            "median_delay_s_imap": i,
            "overhead_kb_day_pop3": data.overhead_bytes_per_day_pop3 / 1e3,
            "overhead_kb_day_imap": data.overhead_bytes_per_day_imap / 1e3,
            "faster_notice": which_smaller(p, i, abs_tol=1.0),
        }

    def summary(self, data: Any) -> str:
        r = numbers(self.compute_results(data))
        mode = "IDLE" if self.values["idle"] else f"polling every {self.values['poll_interval_min']:g} min"
        who = ("Pooled over all devices (an always-online phone and computers that are off at "
               "night together)" if self.values["device"] == "all"
               else f"On the {data.device.split('/')[-1]}")
        pairs = data.pop3_delay.pairs
        return (
            f"{who}: half of the messages it showed appeared within "
            f"{_seconds(r['median_delay_s_pop3'])} under POP3 (polling every "
            f"{self.values['poll_interval_min']:g} min) and within "
            f"{_seconds(r['median_delay_s_imap'])} under IMAP ({mode}); 95 % within "
            f"{_seconds(data.pop3_delay.p95_s)} vs {_seconds(data.imap_delay.p95_s)}. "
            f"Never shown, of {pairs} (message, device) pairs: {data.pop3_delay.never} under "
            f"POP3, {data.imap_delay.never} under IMAP.\n"
            f"Waiting costs bytes and the battery: per device and day, "
            f"{format_value(r['overhead_kb_day_pop3'], 'kB')} of protocol overhead, "
            f"{data.wakeups_per_day_pop3:.0f} radio wake-ups and "
            f"{_seconds(data.connection_s_per_day_pop3)} with a connection open under POP3; "
            f"{format_value(r['overhead_kb_day_imap'], 'kB')}, "
            f"{data.wakeups_per_day_imap:.0f} wake-ups and "
            f"{_seconds(data.connection_s_per_day_imap)} open under IMAP."
            + self._silence_note(data)
        )

    def _silence_note(self, data: Any) -> str:
        """What the router and the keepalive did to IMAP's kept-open connections."""
        nat, ka = self.values["nat_timeout_min"], self.values["keepalive_min"]
        if nat is None and ka is None:
            return ""
        connects = sum(d.sessions for d in data.imap.devices)
        days = self.values["days"]
        text = "\n"
        if nat is not None:
            text += (f"Behind a router that forgets a connection after {nat} min of silence"
                     + (f", with a server keepalive after {ka} min of silence" if ka else "")
                     + f", IMAP connected {connects} times in {days} days. ")
        else:
            text += f"With a server keepalive after {ka} min of silence, IMAP connected " \
                    f"{connects} times in {days} days. "
        if nat is not None and (ka is None or ka >= nat):
            text += ("The router forgot each idle connection before the next IDLE re-issue, "
                     "so pushes were lost until the client wrote again and reconnected.")
        else:
            text += "The connections stayed up; the keepalives cost octets, not delay."
        return text

    def draw(self, fig: Figure, data: Any) -> None:
        fig.clear()
        grid = fig.add_gridspec(2, 2, width_ratios=(1.7, 1))
        device = None if self.values["device"] == "all" else data.device
        figures.draw_delay_cdf(fig.add_subplot(grid[:, 0]), data.pop3, data.imap, device=device)
        top, bottom = fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])
        per = ("per device and day (mean)" if device is None
               else f"the {device.split('/')[-1]}, per day")
        figures.grouped_bars(top, [per], [data.overhead_bytes_per_day_pop3 / 1e3],
                             [data.overhead_bytes_per_day_imap / 1e3], "overhead (kB)", None)
        top.set_title("Protocol overhead", loc="left")
        figures.grouped_bars(bottom, [per], [data.wakeups_per_day_pop3],
                             [data.wakeups_per_day_imap], "radio wake-ups", None)
        bottom.set_title("Radio wake-ups (battery)", loc="left")
        figures.drop_legend(bottom)


    def key_figures(self):
        import dataclasses

        from course.dashboards.overview import timeline_drawer
        from sim.presets import preset

        v = self.values
        scenario = preset("family", days=1, seed=v["seed"])
        users = tuple(dataclasses.replace(u, devices=tuple(
            dataclasses.replace(d, pop3=dataclasses.replace(
                d.pop3, poll_interval_s=60.0 * v["poll_interval_min"]),
                imap=dataclasses.replace(d.imap, idle=v["idle"],
                                         poll_interval_s=60.0 * v["poll_interval_min"]))
            for d in u.devices)) for u in scenario.users)
        scenario = dataclasses.replace(scenario, users=users)
        return super().key_figures() + [("timeline_one_day", timeline_drawer(scenario))]


DASHBOARD = Lesson3Dashboard
