"""Lesson 11 (on the wire): a transcript viewer and the lab's live server on loopback.

* :func:`transcript_view` shows an annotated transcript from :mod:`sim.live.transcript` (the engines'
  own bytes) as a table: who sent each line, the line, what it means; the byte totals below.
* :class:`LiveLab` starts ``python -m sim serve --json`` as a child process bound to 127.0.0.1,
  reads its start-up record (ports, generated users and passwords) and stops the server when the
  notebook's kernel exits (or on :meth:`LiveLab.stop` / leaving a ``with`` block), so a cell can
  point Python's ``poplib`` and ``imaplib`` at it.
"""

from __future__ import annotations

import atexit
import html
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.figure import Figure

__all__ = [
    "Endpoint",
    "LiveLab",
    "draw_bytes_per_command",
    "draw_state_machines",
    "transcript_html",
    "transcript_results",
    "transcript_view",
    "wire_figures",
]

PROTOCOLS = ("pop3", "imap")
START_TIMEOUT_S = 20.0


def examples() -> dict[str, tuple[str, ...]]:
    """The transcripts ``sim.live.transcript`` can build, per protocol (``typical`` first)."""
    from sim.live import transcript as t

    out: dict[str, list[str]] = {p: [] for p in PROTOCOLS}
    for proto, example in t.BUILDERS:
        out[proto.value].append(example.value)
    return {p: tuple(sorted(v, key=lambda e: (e != "typical", e))) for p, v in out.items()}


def _build(protocol: str, example: str = "typical") -> Any:
    from sim.live import transcript as t

    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol: must be one of {PROTOCOLS}, got {protocol!r}")
    allowed = examples()[protocol]
    if example not in allowed:
        raise ValueError(f"example: for {protocol} must be one of {allowed}, got {example!r}")
    return t.build(t.Protocol(protocol), t.Example(example))


def transcript_html(transcript: Any, full: bool = False, elide_over: int = 10) -> str:
    """An HTML table of a :class:`sim.live.transcript.Transcript`; long message payloads elided."""
    rows = []
    run: list[Any] = []

    def flush_run() -> None:
        if not run:
            return
        shown: list[Any] = list(run)
        if not full and len(run) > elide_over:
            hidden = run[4:-1]
            octets = sum(len(ln.text) + 2 for ln in hidden)
            shown = (
                run[:4]
                + [f"… {len(hidden)} more lines of message content ({octets} octets) …"]
                + run[-1:]
            )
        for ln in shown:
            if isinstance(ln, str):
                rows.append(
                    f"<tr><td></td><td colspan=2 style='color:#7F7F7F'><i>{html.escape(ln)}</i></td></tr>"
                )
            else:
                rows.append(_row(ln))
        run.clear()

    for ln in transcript.lines:
        if ln.payload:
            run.append(ln)
            continue
        flush_run()
        rows.append(_row(ln))
    flush_run()
    counts = transcript.record.server_counts
    total = (
        f"<p><b>Client sent {transcript.client_bytes:,} bytes; server sent "
        f"{transcript.server_bytes:,} bytes</b> (framing {counts.framing:,}, headers "
        f"{counts.header:,}, bodies {counts.body:,}, attachments {counts.attachment:,}); "
        f"{transcript.record.round_trips} round trips.</p>"
    )
    return (
        f"<h4>{html.escape(transcript.title)}</h4>"
        "<table style='font-size:0.92em;border-collapse:collapse'>"
        "<tr><th style='text-align:left'>who</th><th style='text-align:left'>on the wire</th>"
        "<th style='text-align:left'>what it means</th></tr>" + "".join(rows) + "</table>" + total
    )


def _row(ln: Any) -> str:
    client = ln.direction.value == "C"
    who = "client" if client else "server"
    colour = "#0072B2" if client else "#000000"
    weight = "bold" if client else "normal"
    text = html.escape(ln.text) if ln.text else "&nbsp;"
    return (
        f"<tr><td style='color:{colour};padding-right:8px'>{who}</td>"
        f"<td style='font-family:monospace;white-space:pre;color:{colour};font-weight:{weight};"
        f"padding-right:14px'>{text}</td>"
        f"<td style='color:#555'>{html.escape(ln.annotation)}</td></tr>"
    )


def transcript_results() -> dict[str, float]:
    """Lesson 11's named results: the client bytes of the default POP3 and IMAP transcripts."""
    out: dict[str, float] = {}
    for protocol in PROTOCOLS:
        try:
            out[f"{protocol}_client_bytes"] = float(_build(protocol).client_bytes)
        except Exception:  # a transcript the engines cannot build must not break the lesson
            out[f"{protocol}_client_bytes"] = float("nan")
    return out


def transcript_view(
    protocol: str = "pop3", example: str = "typical", full: bool = False
) -> ipywidgets.Widget:
    """A dropdown of the available transcripts and the chosen one as an annotated table."""
    import ipywidgets as w

    choices = [(f"{p.upper()} – {e}", (p, e)) for p, names in examples().items() for e in names]
    pick = w.Dropdown(options=choices, value=(protocol, example), description="transcript")
    show_all = w.Checkbox(value=full, description="show every payload line", indent=False)
    body = w.HTML()

    def render(_: object = None) -> None:
        p, e = pick.value
        try:
            body.value = transcript_html(_build(p, e), full=show_all.value)
        except Exception as exc:  # shown to the learner instead of a traceback
            body.value = f"<i>{html.escape(str(exc))}</i>"

    pick.observe(render, names="value")
    show_all.observe(render, names="value")
    render()
    box = w.VBox([w.HBox([pick, show_all]), body])
    box.pick, box.show_all, box.body = pick, show_all, body
    return box


# -- the live server --------------------------------------------------------------------------

# Runs in the child before the server: on Linux ask for SIGTERM when the parent (the notebook's
# kernel) dies, then exec the server -- the request survives exec.  ``atexit`` covers a kernel that
# shuts down normally; this covers one that is killed, so no server is left listening on loopback.
# (Done in the child's own interpreter rather than with ``preexec_fn``, which is unsafe in a
# kernel that runs threads.)
_LAUNCHER = """\
import ctypes, os, signal, sys
parent = int(sys.argv[1])
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != parent:
    sys.exit(0)
os.execv(sys.executable, [sys.executable] + sys.argv[2:])
"""


@dataclass(frozen=True)
class Endpoint:
    """Where one service listens."""

    host: str
    port: int


class LiveLab:
    """The lab's POP3+IMAP server as a child process on loopback, for ``poplib``/``imaplib`` cells.

    ``lab = LiveLab.start(messages=5, deliver_every=20)`` then ``lab.pop3.port``,
    ``lab.imap.port``, ``lab.user``, ``lab.password``; ``lab.stop()`` (also at kernel exit).
    """

    def __init__(self, process: subprocess.Popen, record: dict[str, Any]) -> None:
        self.process = process
        self.record = record
        self.pop3 = Endpoint(record["pop3"]["host"], int(record["pop3"]["port"]))
        self.imap = Endpoint(record["imap"]["host"], int(record["imap"]["port"]))
        self.users: list[tuple[str, str]] = [(u["user"], u["password"]) for u in record["users"]]
        atexit.register(self.stop)

    @property
    def user(self) -> str:
        return self.users[0][0]

    @property
    def password(self) -> str:
        return self.users[0][1]

    @classmethod
    def start(
        cls, messages: int = 5, users: int = 1, seed: int = 1, deliver_every: float | None = None
    ) -> LiveLab:
        """Start the server on 127.0.0.1 with free ports; raises ``RuntimeError`` if it fails."""
        if not 0 <= messages <= 1000:
            raise ValueError(f"messages: {messages} is outside the allowed range 0..1000")
        if not 1 <= users <= 10:
            raise ValueError(f"users: {users} is outside the allowed range 1..10")
        if deliver_every is not None and not 0 < deliver_every <= 86400:
            raise ValueError(
                f"deliver_every: {deliver_every} is outside the allowed range (0, 86400]"
            )
        args = [
            "-m",
            "sim",
            "serve",
            "--json",
            "--host",
            "127.0.0.1",
            "--messages",
            str(messages),
            "--users",
            str(users),
            "--seed",
            str(seed),
        ]
        if deliver_every is not None:
            args += ["--deliver-every", f"{deliver_every:g}"]
        cmd = [sys.executable, *args]
        if sys.platform == "linux":
            cmd = [sys.executable, "-c", _LAUNCHER, str(os.getpid()), *args]
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line: list[str] = []
        stdout = process.stdout
        assert stdout is not None  # stdout=PIPE above
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        if not line or not line[0].strip():
            process.kill()
            _, err = process.communicate(timeout=5)
            raise RuntimeError(
                f"the live server did not start (python {' '.join(args)}): {err.strip()[-500:]}"
            )
        return cls(process, json.loads(line[0]))

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the server (SIGTERM, then kill after 5 s); safe to call more than once."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (
            f"LiveLab({state}: POP3 {self.pop3.host}:{self.pop3.port}, IMAP "
            f"{self.imap.host}:{self.imap.port}, user {self.user!r})"
        )


# -- figure for the export ---------------------------------------------------------------------


def wire_figures() -> list[tuple[str, Any]]:
    """Lesson 11's exported figure: bytes per exchange of the default transcripts."""
    return [("bytes_per_command", draw_bytes_per_command), ("state_machines", draw_state_machines)]


def _command_label(index: int, client: bytes, width: int = 22) -> str:
    """A short y-axis label for one exchange; passwords masked, server-only exchanges named."""
    text = client.decode("utf-8", "replace").split("\r\n")[0]
    if not text:
        return "(greeting)" if index == 0 else "(server push)"
    words = text.split()
    upper = [w.upper() for w in words]
    if upper and upper[0] == "PASS":
        text = "PASS ****"
    elif len(upper) >= 4 and upper[1] == "LOGIN":
        text = " ".join(words[:3] + ["****"])
    return text if len(text) <= width else text[: width - 1] + "…"


def draw_bytes_per_command(fig: Figure) -> None:
    """Client and server bytes of every exchange (command + reply), one panel per protocol."""
    from course import style
    from course.style import PROTOCOL_COLOURS, Protocol

    transcripts = []
    for protocol in PROTOCOLS:
        try:
            transcripts.append((protocol, _build(protocol)))
        except Exception:  # the slide shows "not available" instead
            transcripts.append((protocol, None))
    fig.clear()
    axes = fig.subplots(1, len(transcripts), squeeze=False)[0]
    for ax, (protocol, tr) in zip(axes, transcripts):
        proto = Protocol.POP3 if protocol == "pop3" else Protocol.IMAP
        ax.set_title(f"{proto.label}: bytes per command", color=PROTOCOL_COLOURS[proto], loc="left")
        if tr is None:
            ax.text(
                0.5,
                0.5,
                "transcript not available",
                ha="center",
                transform=ax.transAxes,
                color=style.GREY,
            )
            continue
        labels = [_command_label(i, e.client) for i, e in enumerate(tr.record.exchanges)]
        ys = range(len(labels))
        ax.barh(
            [y - 0.2 for y in ys],
            [e.client_bytes for e in tr.record.exchanges],
            height=0.4,
            color=PROTOCOL_COLOURS[proto],
            label="client → server",
        )
        ax.barh(
            [y + 0.2 for y in ys],
            [e.server_bytes for e in tr.record.exchanges],
            height=0.4,
            color=style.GREY,
            label="server → client",
        )
        ax.set_yticks(list(ys))
        ax.set_yticklabels(labels, fontfamily="monospace", fontsize=8.5)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("bytes (log scale)")
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right")


# -- state machines ------------------------------------------------------------------------------

# (state, x, y) boxes and (from, to, label, curve) arrows; positions in axes fractions
_POP3_STATES = (("AUTHORIZATION", 0.5, 0.85), ("TRANSACTION", 0.5, 0.5), ("UPDATE", 0.5, 0.15))
_POP3_EDGES = (
    ("AUTHORIZATION", "TRANSACTION", "USER+PASS or APOP\n(maildrop locked)", 0.0),
    ("TRANSACTION", "UPDATE", "QUIT\n(DELE'd messages removed)", 0.0),
)
_IMAP_STATES = (
    ("Not Authenticated", 0.5, 0.88),
    ("Authenticated", 0.5, 0.6),
    ("Selected", 0.5, 0.32),
    ("Logout", 0.5, 0.06),
)
_IMAP_EDGES = (
    ("Not Authenticated", "Authenticated", "LOGIN / AUTHENTICATE", 0.0),
    ("Authenticated", "Selected", "SELECT / EXAMINE", -0.35),
    ("Selected", "Authenticated", "CLOSE / UNSELECT", -0.35),
    ("Selected", "Logout", "LOGOUT", 0.0),
)


def draw_state_machine(
    ax: Any, title: str, colour: str, states: tuple, edges: tuple, note: str
) -> None:
    """Boxes for states, arrows for the commands that move between them."""
    where = {name: (x, y) for name, x, y in states}
    for name, x, y in states:
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            bbox={
                "boxstyle": "round,pad=0.6",
                "facecolor": "white",
                "edgecolor": colour,
                "linewidth": 2,
            },
        )
    for src, dst, label, curve in edges:
        (x0, y0), (x1, y1) = where[src], where[dst]
        ax.annotate(
            "",
            xy=(x1, y1 + (0.06 if y1 < y0 else -0.06)),
            xytext=(x0, y0 - (0.06 if y1 < y0 else -0.06)),
            arrowprops={
                "arrowstyle": "-|>",
                "color": colour,
                "linewidth": 1.6,
                "connectionstyle": f"arc3,rad={curve}",
            },
        )
        offset = 0.04 if curve == 0 else (0.09 if y1 < y0 else -0.09)
        ax.text(
            (x0 + x1) / 2 + offset,
            (y0 + y1) / 2,
            label,
            ha="left" if offset >= 0 else "right",
            va="center",
            fontsize=9,
        )
    ax.text(
        0.5,
        -0.04,
        note,
        ha="center",
        va="top",
        fontsize=8.5,
        color="#555555",
        transform=ax.transAxes,
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.set_title(title, color=colour, loc="left")


def draw_state_machines(fig: Figure) -> None:
    """POP3 (RFC 1939 §3) beside IMAP (RFC 9051 §3)."""
    from course.style import PROTOCOL_COLOURS, Protocol

    fig.clear()
    left, right = fig.subplots(1, 2)
    draw_state_machine(
        left,
        "POP3 states (RFC 1939 §3)",
        PROTOCOL_COLOURS[Protocol.POP3],
        _POP3_STATES,
        _POP3_EDGES,
        "A dropped connection never reaches UPDATE: nothing is deleted.",
    )
    draw_state_machine(
        right,
        "IMAP states (RFC 9051 §3)",
        PROTOCOL_COLOURS[Protocol.IMAP],
        _IMAP_STATES,
        _IMAP_EDGES,
        "LOGOUT (or a dropped connection) from any state ends the session.",
    )
