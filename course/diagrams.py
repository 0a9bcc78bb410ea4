"""The welcome lesson's flow diagram: who moves which mail, as a picture before any code runs.

The diagram is committed inside the welcome notebook as a PNG cell attachment: JupyterLab shows
attachments of bitmap types only (an SVG attachment renders as a broken image), and Voila and
GitHub show the same bytes. It is drawn with matplotlib's Agg backend and its bundled DejaVu
fonts from a list of shapes (:data:`MAIL_FLOW`), so a test can read what the picture says.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from course.style import encode_png

__all__ = [
    "MAIL_FLOW",
    "MAIL_FLOW_ALT",
    "Arrow",
    "Box",
    "Label",
    "mail_flow_figure",
    "mail_flow_png",
]

MAIL_FLOW_ALT = (
    "Flow diagram: a sender's mail reaches the mail server by SMTP. From the server, POP3 "
    "downloads whole messages to a device and by default deletes them, so each message ends up "
    "on one device; IMAP keeps the mail on the server, and the phone, laptop and desktop each "
    "fetch what they show and send back flags, moves and deletions, so all see the same mailbox."
)

# Geometry in pixels of a 975 x 430 canvas, y downwards; font sizes in pixels.
WIDTH_PX, HEIGHT_PX = 975, 430
DPI = 120  # the PNG is 1170 px wide: sharp when JupyterLab scales it to the cell's width
# the course's protocol colours (course.style: Okabe-Ito orange for POP3, blue for IMAP)
_POP3, _IMAP, _GREY, _BLACK = "#E69F00", "#0072B2", "#555555", "#000000"


@dataclass(frozen=True)
class Box:
    """A rounded box with a bold first line and smaller lines under it."""

    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...]
    stroke: str = _GREY
    fill: str = "#FFFFFF"


@dataclass(frozen=True)
class Arrow:
    """A line from (x1, y1) to (x2, y2) with a head at the end (and at the start if ``both``)."""

    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    both: bool = False


@dataclass(frozen=True)
class Label:
    """A line of text whose baseline starts (or is centred) at (x, y)."""

    x: float
    y: float
    text: str
    colour: str = _BLACK
    size: float = 12
    centre: bool = False
    bold: bool = False


def _lines(
    x: float, y0: float, texts: tuple[str, ...], colour: str, step: float = 16
) -> tuple[Label, ...]:
    return tuple(Label(x, y0 + step * i, t, colour) for i, t in enumerate(texts))


MAIL_FLOW: tuple[Box | Arrow | Label, ...] = (
    # sender -> SMTP -> server
    Box(10, 180, 120, 60, ("Sender", "any mail client")),
    Arrow(130, 210, 238, 210, _GREY),
    Label(184, 200, "SMTP", _GREY, 13, centre=True, bold=True),
    Label(184, 232, "ports 25 / 587", _GREY, 11, centre=True),
    Box(
        240,
        150,
        170,
        130,
        ("Mail server", "the maildrop (POP3)", "mailboxes (IMAP)", "kept on its disks"),
    ),
    # POP3: download, usually delete; one device ends up with each message
    Label(440, 30, "POP3  (ports 110 / 995)", _POP3, 15, bold=True),
    Arrow(410, 178, 712, 82, _POP3),
    *_lines(
        440,
        54,
        ("downloads whole messages, then by", "default deletes them from the server"),
        _POP3,
    ),
    Box(715, 45, 105, 55, ("phone", "its own copies"), _POP3, "#FFF8E6"),
    Box(830, 45, 140, 55, ("laptop, desktop", "miss what it took"), _POP3, "#FFF8E6"),
    *_lines(
        715,
        122,
        (
            "Each message lives on the device that",
            "fetched it first; read marks and folders",
            "stay on that device.",
        ),
        _BLACK,
    ),
    # IMAP: mail stays on the server; every device syncs
    Label(440, 238, "IMAP  (ports 143 / 993)", _IMAP, 15, bold=True),
    *(Arrow(412, 262, 712, y, _IMAP, both=True) for y in (287, 343, 399)),
    Box(715, 262, 240, 50, ("phone", "headers; bodies when opened"), _IMAP, "#E6F1F8"),
    Box(715, 318, 240, 50, ("laptop", "headers and bodies"), _IMAP, "#E6F1F8"),
    Box(715, 374, 240, 50, ("desktop", "a full offline copy"), _IMAP, "#E6F1F8"),
    *_lines(
        240,
        310,
        (
            "mail stays on the server; devices fetch",
            "what they show and send back read marks,",
            "moves and deletions: all see one mailbox",
        ),
        _IMAP,
    ),
    Label(240, 366, "(new mail: an IDLE push or a poll)", _IMAP),
)


def mail_flow_figure() -> Figure:
    """Sender -> SMTP -> server -> POP3 or IMAP -> phone, laptop, desktop, with what each moves."""
    fig = Figure(figsize=(WIDTH_PX / 100, HEIGHT_PX / 100), dpi=100, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH_PX)
    ax.set_ylim(HEIGHT_PX, 0)
    ax.set_axis_off()
    pt = 72 / 100  # points per canvas pixel at the figure's 100 dpi
    for shape in MAIL_FLOW:
        if isinstance(shape, Box):
            ax.add_patch(
                FancyBboxPatch(
                    (shape.x, shape.y),
                    shape.w,
                    shape.h,
                    boxstyle="round,pad=0,rounding_size=8",
                    facecolor=shape.fill,
                    edgecolor=shape.stroke,
                    lw=2 * pt,
                )
            )
            first = shape.y + shape.h / 2 - 9 * (len(shape.lines) - 1)
            for i, line in enumerate(shape.lines):
                ax.text(
                    shape.x + shape.w / 2,
                    first + 18 * i + 5,
                    line,
                    ha="center",
                    va="baseline",
                    fontsize=(15 if i == 0 else 12) * pt,
                    fontweight="bold" if i == 0 else "normal",
                )
        elif isinstance(shape, Arrow):
            ax.annotate(
                "",
                xy=(shape.x2, shape.y2),
                xytext=(shape.x1, shape.y1),
                arrowprops={
                    "arrowstyle": "<|-|>" if shape.both else "-|>",
                    "color": shape.colour,
                    "lw": 3 * pt,
                    "shrinkA": 0,
                    "shrinkB": 0,
                    "mutation_scale": 14,
                },
            )
        else:
            ax.text(
                shape.x,
                shape.y,
                shape.text,
                ha="center" if shape.centre else "left",
                va="baseline",
                color=shape.colour,
                fontsize=shape.size * pt,
                fontweight="bold" if shape.bold else "normal",
            )
    return fig


def mail_flow_png() -> bytes:
    """The diagram as the PNG the welcome notebook carries."""
    return encode_png(mail_flow_figure(), DPI)
