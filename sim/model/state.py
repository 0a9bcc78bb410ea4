"""Model state: message facts, the server's per-user mailboxes, devices and their local stores.

Theory of operation
-------------------
The model keeps its own compact state instead of a full :class:`sim.protocol.store.Store`: per
user a map from message id to ``[folder, flags]`` on the server, the INBOX as a UID-ordered list
(the POP3 maildrop), and listing sums the POP3 cost arithmetic needs; per device a map from message
id to a :class:`LocalCopy`.  Bytes on the wire come from the engines (see ``pop3_costs`` /
``imap_costs``); this module only says *what is where*.  Flags are the bit set of
:mod:`sim.outputs.metrics` (``SEEN | ANSWERED | FLAGGED | FORWARDED``).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NewType, Protocol

from ..inputs.scenario import DeviceRef
from ..inputs.workload import ActionKind, MessageSpec, Trace, build_message
from ..outputs.metrics import ANSWERED, FLAGGED, FORWARDED, SEEN
from ..protocol.imap.formatting import body_structure
from ..protocol.message import B64_LINE, TEXT_LINE, Entity, Filler, FillerKind, Message

if TYPE_CHECKING:
    from ..inputs.workload import Action, Crash
from .wire_cost import Wire, WireCalc

INBOX: Final = "INBOX"
SENT: Final = "Sent"
# A mail id: the trace's ``MessageSpec.id``, an index into ``World.mails`` (arrivals, then sent
# mail).  Not a UID and not a sequence number: those are per server folder (below).
MailId = NewType("MailId", int)
# A UID in one server folder (RFC 3501 §2.3.1.1): ascending in the folder, never reused.  A
# message's sequence number is its position in the folder's UID list plus one (a plain int).
Uid = NewType("Uid", int)


FLAG_OF_ACTION: Final = {
    ActionKind.READ: SEEN,
    ActionKind.REPLY: ANSWERED,
    ActionKind.FORWARD: FORWARDED,
    ActionKind.FLAG: FLAGGED,
}
"""The flag a user's action sets on a message, whichever client carries it out."""


@dataclass(frozen=True, slots=True)
class Mail:
    """Sizes of one message by byte kind (octets of its rendered form) plus the trace facts."""

    id: MailId
    user: int
    time: float
    size: int
    header: int
    body: int
    attachment: int
    infected: bool
    detectable_at: float | None
    keywords: tuple[str, ...]  # shared with the trace spec (few, so tuple membership is cheap)
    text: int  # octets of the text part's body (IMAP BODY[1])
    att: int  # octets of the attachment part's body (IMAP BODY[2]); 0 without one
    structure: int  # length of its BODYSTRUCTURE (the IMAP cost memo keys on it)


def mail_of(spec: MessageSpec, trace: Trace) -> Mail:
    """Sizes of a trace message, from its structure (no rendering, no region scan)."""
    msg = build_message(spec, trace.scenario)
    root = msg.root
    header = root.header_size
    if root.is_multipart:
        parts = root.parts
        # a non-multipart attachment part counts whole (its MIME header too) as ATTACHMENT
        attachment = sum(p.size for p in parts[1:] if p.is_attachment and not p.is_multipart)
        text = parts[0].body_size
        att = parts[1].body_size if len(parts) > 1 else 0
        body = msg.size - header - attachment
    else:
        attachment = 0
        text = body = root.body_size
        att = 0
    return Mail(
        MailId(spec.id),
        spec.user,
        spec.time,
        msg.size,
        header,
        body,
        attachment,
        spec.infected,
        spec.detectable_at,
        spec.keywords,
        text,
        att,
        fast_structure_len(msg),
    )


_STRUCTURE: dict[tuple[object, ...], int] = {}


def _text_lines(ent: Entity) -> int:
    """Lines of a part's body; closed form for generated text (``Filler`` TEXT)."""
    body = ent.body
    if isinstance(body, Filler) and body.kind is FillerKind.TEXT:
        lead = 1 if body.lead else 0
        rest = body.size - (len(body.lead) + 2 if body.lead else 0)
        if rest <= 1:  # one octet left is a full stop on the lead line (Filler._lead_bytes)
            return lead
        if rest == 2:
            return lead + 1
        full, rem = divmod(rest, TEXT_LINE + 2)
        return lead + full + (1 if rem else 0)
    if isinstance(body, Filler):  # base64: lines of 76 characters
        chars = body.size - 2 * (-(-body.size // (B64_LINE + 2)))
        return -(-chars // B64_LINE)
    return ent.body_lines()


def _shape(ent: Entity) -> tuple[object, ...]:
    fields = tuple(len(f) for f in ent.fields)
    if ent.is_multipart:
        return (fields, len(ent.boundary or ""), tuple(_shape(p) for p in ent.parts))
    return (fields, len(str(ent.body_size)), len(str(_text_lines(ent))))


def fast_structure_len(message: Message) -> int:
    """:func:`structure_len`, memoised by the message's shape: the lengths of its header fields
    and the decimal lengths of its part sizes and line counts -- all a BODYSTRUCTURE's length
    depends on (``tests/sim/test_model_costs.py`` checks it against the engine's own text)."""
    key = _shape(message.root)
    n = _STRUCTURE.get(key)
    if n is None:
        n = _STRUCTURE[key] = structure_len(message)
    return n


def structure_len_by_shape(shape: tuple[object, ...], build: Callable[[], Message]) -> int:
    """:func:`structure_len` of the message ``build()`` makes, memoised by its ``shape`` (the key
    :func:`fast_structure_len` uses): lets :mod:`.sizes` find a length from a message spec's
    shape and build the message only the first time, sharing one table with this module."""
    n = _STRUCTURE.get(shape)
    if n is None:
        n = _STRUCTURE[shape] = structure_len(build())
    return n


class ServerUser:
    """One user's mail on the server: folders of UID-ordered messages, flags, POP3 lock.

    ``where[mid] = (folder, flags)`` (a tuple shared by the World per state); ``boxes[folder]``
    lists the folder's UIDs in ascending order (position + 1 = IMAP sequence number; INBOX is also
    the POP3 maildrop) and ``box_mid[folder]`` maps them back to mail ids.
    ``size_digits``/``uid_digits`` are INBOX listing sums for POP3."""

    __slots__ = (
        "index",
        "name",
        "where",
        "boxes",
        "box_mid",
        "box_next",
        "validity",
        "uid_of",
        "inbox",
        "mid_at",
        "inbox_bytes",
        "size_digits",
        "uid_digits",
        "lock_until",
        "lock_holder",
        "bytes",
        "modseq",
        "keywords",
        "lsum",
        "log",
        "unseen",
    )

    def __init__(self, index: int, name: str) -> None:
        self.index = index
        self.name = name
        self.where: dict[MailId, tuple[str, int]] = {}  # mail id -> (folder, flags)
        self.boxes: dict[str, list[Uid]] = {INBOX: [], SENT: []}
        self.box_mid: dict[str, dict[Uid, MailId]] = {INBOX: {}, SENT: {}}
        self.box_next: dict[str, Uid] = {INBOX: Uid(1), SENT: Uid(1)}
        self.validity: dict[str, int] = {INBOX: 1, SENT: 2}
        self.uid_of: dict[MailId, Uid] = {}  # mail id -> UID in its current folder
        self.inbox = self.boxes[INBOX]
        self.mid_at = self.box_mid[INBOX]
        self.inbox_bytes = 0
        self.size_digits = 0
        self.uid_digits = 0
        self.lock_until = -1.0
        self.lock_holder = -1
        self.bytes = 0
        self.modseq = 1
        self.keywords: dict[str, int] = {}  # folder -> messages carrying a keyword ($Forwarded)
        # folder -> sum over its messages of digits(uid) + len(flag list): the variable part of
        # an IMAP flag-resync listing, kept incrementally so a resync costs O(1) to price
        self.lsum: dict[str, int] = {}
        self.log: list[MailId] = []  # mail ids in the order the server changed them (modseq order)
        # folder -> ascending UIDs of its messages without \Seen: an IMAP4rev1 SELECT names the
        # first one (``* OK [UNSEEN n]``), whose digits the model must price
        self.unseen: dict[str, list[Uid]] = {}

    def folder(self, name: str) -> list[Uid]:
        if name not in self.boxes:
            self.boxes[name] = []
            self.box_mid[name] = {}
            self.box_next[name] = Uid(1)
            self.validity[name] = len(self.validity) + 1
        return self.boxes[name]

    def first_unseen(self, folder: str) -> int:
        """Sequence number of the first message of ``folder`` without \\Seen; 0 if none."""
        unseen = self.unseen.get(folder)
        if not unseen:
            return 0
        return bisect.bisect_left(self.boxes[folder], unseen[0]) + 1

    def seq_of(self, mid: MailId) -> int:
        """IMAP sequence number of ``mid`` in its folder."""
        folder = self.where[mid][0]
        return bisect.bisect_left(self.boxes[folder], self.uid_of[mid]) + 1


def structure_len(message: Message) -> int:
    """Octets of the message's BODYSTRUCTURE as the IMAP engine writes it."""
    return len(body_structure(message.root, extensible=True))


class LocalCopy:
    """A message on a device: where the user filed it there, its flags, which parts are stored.

    Campus holds over a million of these, so the metadata history a backup restore needs lives
    only in :class:`TrackedCopy`, which replaces a copy at its first change when history is kept."""

    __slots__ = ("folder", "flags", "body", "attachment", "bytes", "since")

    def __init__(
        self, folder: str, flags: int, body: bool, attachment: bool, nbytes: int, since: float
    ) -> None:
        self.folder = folder
        self.flags = flags
        self.body = body
        self.attachment = attachment
        self.bytes = nbytes
        self.since = since

    history: list[tuple[float, str, int]] | None = None  # (time, folder, flags) changes
    parts: list[tuple[float, bool, bool, int]] | None = None  # (time, body, attachment, bytes)

    def state(self) -> tuple[str, int]:
        return (self.folder, self.flags)

    def change(self, t: float, folder: str, flags: int) -> None:
        """New folder/flags at ``t`` (no history: see :class:`TrackedCopy`)."""
        self.folder = folder
        self.flags = flags

    def parts_at(self, t: float) -> tuple[bool, bool, int]:
        """(body, attachment, bytes) the copy held at ``t`` (it only ever gains parts)."""
        parts = self.parts
        if parts is None:
            return (self.body, self.attachment, self.bytes)
        i = max(0, bisect.bisect_right([p[0] for p in parts], t) - 1)
        return parts[i][1], parts[i][2], parts[i][3]

    def state_at(self, t: float) -> tuple[str, int]:
        history = self.history
        if history is None:
            return (self.folder, self.flags)
        times = [h[0] for h in history]
        i = max(0, bisect.bisect_right(times, t) - 1)
        return history[i][1], history[i][2]


class TrackedCopy(LocalCopy):
    """A :class:`LocalCopy` that remembers its folder/flags changes and when it gained parts
    (for backup restores: a backup holds what the copy was then)."""

    __slots__ = ("history", "parts")

    def __init__(self, copy: LocalCopy) -> None:
        super().__init__(
            copy.folder, copy.flags, copy.body, copy.attachment, copy.bytes, copy.since
        )
        self.history = copy.history
        self.parts = copy.parts

    def grow(self, t: float, body: bool, attachment: bool, nbytes: int) -> None:
        """The copy gains parts at ``t`` (a body on open, an attachment on demand)."""
        if self.parts is None:
            self.parts = [(self.since, self.body, self.attachment, self.bytes)]
        self.parts.append((t, body, attachment, nbytes))

    def change(self, t: float, folder: str, flags: int) -> None:
        if self.history is None:
            self.history = [(self.since, self.folder, self.flags)]
        self.history.append((t, folder, flags))
        self.folder = folder
        self.flags = flags


class Client(Protocol):
    """What the world and the run driver ask of a device's mail client; both
    :class:`~sim.model.pop3_device.Pop3DeviceClient` and :class:`~sim.model.imap_device.ImapDeviceClient`
    provide it, so the world never needs to know which protocol it drives."""

    def start(self, t: float) -> None:
        """Begin the client's sessions at ``t`` (its device's first online time or later)."""

    def settle(self, t: float) -> None:
        """Book the client's time-based accounts up to ``t``."""

    def finish(self, end: float) -> None:
        """Close the client's accounts at the end of the run."""

    def was_due(self, arrival: float) -> bool:
        """Whether a message arriving at ``arrival`` should have reached the device by the end."""

    def on_arrival(self, mid: MailId, t: float) -> None:
        """A message ``mid`` arrived on the server at ``t``."""

    def on_server_change(
        self,
        mid: MailId,
        t: float,
        state: tuple[str, int] | None,
        origin: Device | None = None,
        deleted: int | None = None,
    ) -> None:
        """Another session (``origin``; None: the server itself) changed ``mid`` to ``state``
        (folder, flag bits; None: gone), ``deleted`` the flags a delete set."""

    def on_action(self, a: Action, t: float) -> None:
        """The user does ``a`` on this device at ``t``."""

    def on_crash(self, c: Crash, t: float) -> None:
        """The device loses its local store (``c``) at ``t``."""


class Device:
    """A device's local store and the bookkeeping every metric needs."""

    client: Client  # set by sim.model.simulation.drive, deleted by World.release

    __slots__ = (
        "ref",
        "id",
        "user",
        "name",
        "spec",
        "local",
        "sent_bytes",
        "dup_bytes",
        "shown",
        "delays",
        "sessions",
        "empty_polls",
        "wakeups",
        "lock_refusals",
        "conn_time",
        "dup_count",
        "infected_reached",
        "scan_bytes",
        "crashes",
        "exists_from",
        "sent_log",
        "counted",
        "extra_bytes",
        "client",
        "wire",
        "up",
        "down",
    )

    def __init__(self, ref: DeviceRef, wire: WireCalc) -> None:
        self.ref = ref
        self.id = ref.id
        self.user = ref.user
        self.name = ref.name
        self.spec = ref.spec
        self.local: dict[MailId, LocalCopy] = {}
        self.sent_bytes = 0  # own outgoing messages kept locally (Sent)
        # POP3 in runs with crashes: (time, size) of each sent message kept, for a restore
        self.sent_log: list[tuple[float, int]] = []
        self.extra_bytes = 0  # duplicate copies a client without UIDL keeps
        self.dup_bytes = 0
        self.dup_count = 0
        self.shown: set[MailId] = set()  # mail ids this device ever showed
        self.delays = array("d")  # notification delays (s), compact: campus has millions
        self.sessions = 0
        self.empty_polls = 0
        # the radio woke for the protocol: a session opened, a push or keepalive received, an
        # IDLE re-issue or NOOP poll (DeviceSummary.radio_wakeups)
        self.wakeups = 0
        self.lock_refusals = 0
        self.conn_time = 0.0
        self.infected_reached: dict[MailId, float] = {}  # mail id -> time it reached this device
        self.scan_bytes = 0
        self.crashes = 0
        self.exists_from = ref.spec.first_online_s
        # its (message, device) pairs are in the consistency counts: from the start, or from the
        # moment it appears (World.device_appears; not before, even at the same instant)
        self.counted = self.exists_from <= 0.0
        self.wire = wire  # its link's calculator (shared by the devices on equal links)
        # octets sent (up) and received (down) by kind, in sim.outputs.results.Traffic's order --
        # framing, header, body, attachment, TLS, TCP -- copied into the Recorder when it reads
        self.up = [0] * 6
        self.down = [0] * 6

    def add_traffic(
        self,
        up: tuple[int, int, int, int],
        down: tuple[int, int, int, int],
        wire: Wire,
        times: int = 1,
    ) -> None:
        """Book ``times`` sessions of ``up``/``down`` payload octets by kind and ``wire``'s TLS
        and TCP overhead."""
        framing, header, body, attachment = up
        mine = self.up
        mine[0] += framing * times
        mine[1] += header * times
        mine[2] += body * times
        mine[3] += attachment * times
        mine[4] += wire.tls_up * times
        mine[5] += wire.tcp_up * times
        framing, header, body, attachment = down
        mine = self.down
        mine[0] += framing * times
        mine[1] += header * times
        mine[2] += body * times
        mine[3] += attachment * times
        mine[4] += wire.tls_down * times
        mine[5] += wire.tcp_down * times

    def traffic(self) -> tuple[list[int], list[int]]:
        """(up, down): octets by kind -- framing, header, body, attachment, TLS, TCP."""
        return list(self.up), list(self.down)

    def exists(self, t: float) -> bool:
        return t >= self.exists_from
