"""The welcome lesson's flow diagram: who moves which mail, drawn as a small hand-written SVG.

Why SVG text and not matplotlib: the diagram is committed inside the welcome notebook (a cell
attachment, so it shows on GitHub, in JupyterLab and in Voila before any code runs), and a
generator check compares the committed notebook byte for byte. Text we write ourselves is the
same on every machine; a rendered image would depend on fonts and library versions.
"""

from __future__ import annotations

from html import escape

__all__ = ["MAIL_FLOW_ALT", "mail_flow_svg"]

MAIL_FLOW_ALT = (
    "Flow diagram: a sender's mail reaches the mail server by SMTP. From the server, POP3 "
    "downloads whole messages to a device and by default deletes them, so each message ends up "
    "on one device; IMAP keeps the mail on the server, and the phone, laptop and desktop each "
    "fetch what they show and send back flags, moves and deletions, so all see the same mailbox.")

_W, _H = 975, 430
_FONT = "font-family='DejaVu Sans, Arial, sans-serif'"
# the course's protocol colours (course.style: Okabe-Ito orange for POP3, blue for IMAP)
_POP3, _IMAP, _GREY = "#E69F00", "#0072B2", "#555555"


def _box(x: int, y: int, w: int, h: int, lines: tuple[str, ...], stroke: str = _GREY,
         fill: str = "#FFFFFF") -> str:
    out = [f"<rect x='{x}' y='{y}' width='{w}' height='{h}' rx='8' fill='{fill}' "
           f"stroke='{stroke}' stroke-width='2'/>"]
    first = y + h / 2 - 9 * (len(lines) - 1)
    for i, line in enumerate(lines):
        weight = "bold" if i == 0 else "normal"
        size = 15 if i == 0 else 12
        out.append(f"<text x='{x + w / 2:g}' y='{first + 18 * i + 5:g}' text-anchor='middle' "
                   f"font-size='{size}' font-weight='{weight}' {_FONT}>{escape(line)}</text>")
    return "".join(out)


def _arrow(x1: int, y1: int, x2: int, y2: int, colour: str, both: bool = False) -> str:
    ends = f"marker-end='url(#head-{colour[1:]})'"
    if both:
        ends += f" marker-start='url(#tail-{colour[1:]})'"
    return (f"<line x1='{x1}' y1='{y1}' x2='{x2}' y2='{y2}' stroke='{colour}' "
            f"stroke-width='3' {ends}/>")


def _label(x: int, y: int, text: str, colour: str = "#000000", size: int = 12,
           anchor: str = "start", weight: str = "normal") -> str:
    return (f"<text x='{x}' y='{y}' text-anchor='{anchor}' font-size='{size}' "
            f"font-weight='{weight}' fill='{colour}' {_FONT}>{escape(text)}</text>")


def _markers() -> str:
    out = []
    for colour in (_POP3, _IMAP, _GREY):
        c = colour[1:]
        out.append(f"<marker id='head-{c}' viewBox='0 0 10 10' refX='9' refY='5' "
                   f"markerWidth='7' markerHeight='7' orient='auto'>"
                   f"<path d='M0,0 L10,5 L0,10 z' fill='{colour}'/></marker>")
        out.append(f"<marker id='tail-{c}' viewBox='0 0 10 10' refX='1' refY='5' "
                   f"markerWidth='7' markerHeight='7' orient='auto'>"
                   f"<path d='M10,0 L0,5 L10,10 z' fill='{colour}'/></marker>")
    return "<defs>" + "".join(out) + "</defs>"


def mail_flow_svg() -> str:
    """Sender -> SMTP -> server -> POP3 or IMAP -> phone, laptop, desktop, with what each moves."""
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{_W}' height='{_H}' "
             f"viewBox='0 0 {_W} {_H}'>", _markers(),
             f"<rect width='{_W}' height='{_H}' fill='#FFFFFF'/>"]
    # sender and server
    parts.append(_box(10, 180, 120, 60, ("Sender", "any mail client")))
    parts.append(_arrow(130, 210, 238, 210, _GREY))
    parts.append(_label(184, 200, "SMTP", _GREY, 13, "middle", "bold"))
    parts.append(_label(184, 232, "ports 25 / 587", _GREY, 11, "middle"))
    parts.append(_box(240, 150, 170, 130, ("Mail server", "the maildrop (POP3)", "mailboxes (IMAP)",
                                           "kept on its disks")))
    # POP3: download, usually delete; one device ends up with each message
    parts.append(_label(440, 30, "POP3  (ports 110 / 995)", _POP3, 15, "start", "bold"))
    parts.append(_arrow(410, 178, 712, 82, _POP3))
    parts.append(_label(440, 54, "downloads whole messages, then by", _POP3, 12))
    parts.append(_label(440, 70, "default deletes them from the server", _POP3, 12))
    parts.append(_box(715, 45, 105, 55, ("phone", "its own copies"), _POP3, "#FFF8E6"))
    parts.append(_box(830, 45, 140, 55, ("laptop, desktop", "miss what it took"), _POP3,
                      "#FFF8E6"))
    for i, line in enumerate(("Each message lives on the device that",
                              "fetched it first; read marks and folders",
                              "stay on that device.")):
        parts.append(_label(715, 122 + 16 * i, line, "#000000", 12))
    # IMAP: mail stays on the server; every device syncs
    parts.append(_label(440, 238, "IMAP  (ports 143 / 993)", _IMAP, 15, "start", "bold"))
    for y in (287, 343, 399):
        parts.append(_arrow(412, 262, 712, y, _IMAP, both=True))
    parts.append(_box(715, 262, 240, 50, ("phone", "headers; bodies when opened"), _IMAP,
                      "#E6F1F8"))
    parts.append(_box(715, 318, 240, 50, ("laptop", "headers and bodies"), _IMAP, "#E6F1F8"))
    parts.append(_box(715, 374, 240, 50, ("desktop", "a full offline copy"), _IMAP, "#E6F1F8"))
    for i, line in enumerate(("mail stays on the server; devices fetch",
                              "what they show and send back read marks,",
                              "moves and deletions: all see one mailbox",
                              "(new mail: an IDLE push or a poll)")):
        parts.append(_label(240, 310 + 16 * i + (8 if i == 3 else 0), line, _IMAP, 12))
    parts.append("</svg>")
    return "".join(parts) + "\n"
