"""One client script, run against Dovecot 2.3 over sockets or against our engines in-process.

The server profiles (``sim.protocol.profiles``) claim that a session's fixed cost -- greetings,
capability lists, status texts, UIDL ids -- is within 5 % of Dovecot's, step by step.  This module
holds what that claim is checked with:

* :data:`POP3_SESSIONS` / :data:`IMAP_SESSIONS`: the sessions, as named steps of command lines
  (an empty poll, a poll of 100 messages left on the server, a download, search/fetch/store);
* :func:`seed_messages`: the messages both servers hold (100 small plain-text messages);
* :func:`run_engine`: the steps fed to a ``Pop3Server``/``ImapServer``; :func:`run_socket`: the
  same lines sent to a real server, reading each reply to its end;
* :class:`Dovecot`: Debian's Dovecot started as root from a configuration in a temporary directory
  (maildir under it, static passdb, 127.0.0.1 on free ports, no TLS), stopped on exit.

``python tests/protocol/dovecot_support.py`` re-records ``data/dovecot-2.3.json`` from a local
Dovecot (the fixture the offline test compares against).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # when run as a script
    sys.path.insert(0, str(ROOT))

from sim.protocol.imap.server import ImapServer  # noqa: E402 (after the path set-up above)
from sim.protocol.message import Entity, Message  # noqa: E402 (after the path set-up above)
from sim.protocol.pop3 import Pop3Server  # noqa: E402 (after the path set-up above)
from sim.protocol.profiles import ServerProfile, imap_config, pop3_config  # noqa: E402 (after the path set-up above)
from sim.protocol.store import Store  # noqa: E402 (after the path set-up above)

FIXTURE = Path(__file__).with_name("data") / "dovecot-2.3.json"
PASSWORD = "secret"
MESSAGES = 100
TIMEOUT = 10.0

Step = tuple[str, tuple[str, ...]]  # (step name, command lines without CRLF)


@dataclass(frozen=True)
class Session:
    """A named session: which account (``empty`` has no mail) and its steps after the greeting."""

    name: str
    user: str
    steps: tuple[Step, ...]


_POP3_LOGIN: Step = ("login", ("USER {user}", "PASS " + PASSWORD))
_POP3_POLL: tuple[Step, ...] = (
    ("capa", ("CAPA",)),
    _POP3_LOGIN,
    ("stat", ("STAT",)),
    ("list", ("LIST",)),
    ("uidl", ("UIDL",)),
)
POP3_SESSIONS: tuple[Session, ...] = (
    Session("empty-poll", "empty", _POP3_POLL + (("quit", ("QUIT",)),)),
    Session("poll-100", "pop100", _POP3_POLL + (("quit", ("QUIT",)),)),
    Session(
        "download",
        "popdl",
        _POP3_POLL
        + (
            ("retr", ("RETR 1",)),
            ("top", ("TOP 2 0",)),
            ("dele", ("DELE 1",)),
            ("quit", ("QUIT",)),
        ),
    ),
)
_IMAP_HEAD: tuple[Step, ...] = (
    ("login", ("a1 LOGIN {user} " + PASSWORD,)),
    ("select", ("a2 SELECT INBOX",)),
    ("flags", ("a3 UID FETCH 1:* (UID FLAGS)",)),
)
IMAP_SESSIONS: tuple[Session, ...] = (
    Session("empty-poll", "empty", _IMAP_HEAD + (("logout", ("a9 LOGOUT",)),)),
    Session("poll-100", "imap100", _IMAP_HEAD + (("logout", ("a9 LOGOUT",)),)),
    Session(
        "work",
        "imapwork",
        _IMAP_HEAD
        + (
            ("capability", ("a4 CAPABILITY",)),
            ("search", ("a5 UID SEARCH TEXT zebra",)),
            ("fetch", ("a6 UID FETCH 1 (UID RFC822.SIZE BODY.PEEK[])",)),
            ("store", ("a7 UID STORE 1 +FLAGS (\\Seen)",)),
            ("logout", ("a9 LOGOUT",)),
        ),
    ),
)
#: The accounts and how many messages each holds.
ACCOUNTS = {
    "empty": 0,
    "pop100": MESSAGES,
    "popdl": MESSAGES,
    "imap100": MESSAGES,
    "imapwork": MESSAGES,
}


def seed_messages(n: int = MESSAGES) -> list[bytes]:
    """``n`` small plain-text messages, CRLF line ends, sizes spread from about 300 to 1,500."""
    out = []
    for i in range(1, n + 1):
        header = (
            f"From: sender{i % 7} <s{i % 7}@example.org>",
            "To: user@lab.example",
            f"Subject: note number {i}",
            f"Message-ID: <{i}@lab.example>",
            "Date: Mon, 05 Jan 2026 10:00:00 +0000",
        )
        body = b"".join(
            b"line %d of message %d, some words to fill it up\r\n" % (k, i)
            for k in range(1 + (i * 7) % 25)
        )
        out.append(Message(Entity(header, body)).render())
    return out


def _lines(session: Session) -> list[tuple[str, list[bytes]]]:
    return [
        (name, [(ln.format(user=session.user) + "\r\n").encode() for ln in lines])
        for name, lines in session.steps
    ]


def engine_store(users: dict[str, int] | None = None) -> Store:
    """A store with the same accounts and messages as :class:`Dovecot` holds."""
    store = Store()
    raw = seed_messages()
    for user, n in (users or ACCOUNTS).items():
        box = store.add_account(user, PASSWORD).inbox
        for data in raw[:n]:
            box.append(Message.from_bytes(data))
    return store


def run_engine(protocol: str, session: Session, profile: ServerProfile) -> dict[str, bytes]:
    """Server bytes of each step of ``session`` on a fresh engine under ``profile``."""
    store = engine_store()
    engine: Pop3Server | ImapServer = (
        Pop3Server(store, pop3_config(profile))
        if protocol == "pop3"
        else ImapServer(store, imap_config(profile))
    )
    out = {"greeting": engine.outbox.data_to_send()}
    for name, lines in _lines(session):
        reply = b""
        for line in lines:
            engine.receive_data(line)
            reply += engine.outbox.data_to_send()
        out[name] = reply
    return out


def _read_pop3(sock: socket.socket, buf: bytearray, multiline: bool) -> bytes:
    def fill() -> None:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf.extend(chunk)

    while b"\r\n" not in buf:
        fill()
    end = buf.index(b"\r\n") + 2
    if multiline and buf.startswith(b"+OK"):
        while (end := buf.find(b"\r\n.\r\n") + 5) < 5:
            fill()
    out = bytes(buf[:end])
    del buf[:end]
    return out


def _read_imap(sock: socket.socket, buf: bytearray, tag: bytes | None) -> bytes:
    """Responses up to the tagged one (``tag`` None: the greeting line), literals included."""
    out = b""
    while True:
        while b"\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            buf.extend(chunk)
        end = buf.index(b"\r\n") + 2
        line = bytes(buf[:end])
        if line.endswith(b"}\r\n") and b"{" in line:
            size = int(line[line.rindex(b"{") + 1 : -3])
            while len(buf) < end + size:
                buf.extend(sock.recv(65536))
            end += size
            line = bytes(buf[:end])
            del buf[:end]
            out += line
            continue
        del buf[:end]
        out += line
        if tag is None or line.startswith(tag + b" "):
            return out


_POP3_MULTI = ("CAPA", "RETR", "TOP")  # LIST and UIDL too, without an argument


def run_socket(protocol: str, session: Session, port: int) -> dict[str, bytes]:
    """Server bytes of each step of ``session`` from a real server on 127.0.0.1:``port``."""
    buf = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        if protocol == "pop3":
            out = {"greeting": _read_pop3(sock, buf, False)}
        else:
            out = {"greeting": _read_imap(sock, buf, None)}
        for name, lines in _lines(session):
            reply = b""
            for line in lines:
                sock.sendall(line)
                if protocol == "pop3":
                    words = line.split()
                    reply += _read_pop3(
                        sock,
                        buf,
                        words[0].decode() in _POP3_MULTI
                        or (words[0] in (b"LIST", b"UIDL") and len(words) == 1),
                    )
                else:
                    reply += _read_imap(sock, buf, line.split()[0])
            out[name] = reply
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_CONFIG = """\
protocols = imap pop3
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
mail_location = maildir:{dir}/mail/%u
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
"""


def dovecot_binary() -> str | None:
    """Path of Debian's ``dovecot`` with its IMAP and POP3 services, or None."""
    exe = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
    )
    if exe is None:
        return None
    for service in ("imap", "pop3"):
        if not os.path.exists(f"/usr/lib/dovecot/{service}"):
            return None
    return exe


@dataclass
class Dovecot:
    """A running Dovecot: its ports and the directory it lives in."""

    dir: Path
    imap: int
    pop3: int

    def port(self, protocol: str) -> int:
        return self.imap if protocol == "imap" else self.pop3


@contextmanager
def dovecot() -> Iterator[Dovecot]:
    """Start Dovecot (root is needed: it drops to its own users) with the :data:`ACCOUNTS`
    seeded, warmed up by one IMAP SELECT each so no message is ``\\Recent`` any more (a poll
    that finds nothing new sees none, and the comparison is about polls); stop it on exit."""
    exe = dovecot_binary()
    if exe is None:
        raise RuntimeError("dovecot (dovecot-imapd, dovecot-pop3d) is not installed")
    if os.geteuid() != 0:
        raise RuntimeError("dovecot must be started as root")
    import pwd

    nobody = pwd.getpwnam("nobody")
    base = Path(tempfile.mkdtemp(prefix="lab-dovecot-"))
    base.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (base / sub).mkdir()
    raw = seed_messages()
    for user, n in ACCOUNTS.items():
        for sub in ("cur", "new", "tmp"):
            (base / "mail" / user / sub).mkdir(parents=True)
        for i, data in enumerate(raw[:n], start=1):
            (base / "mail" / user / "cur" / f"{1767600000 + i}.M{i}P1.lab:2,").write_bytes(data)
    for path in [base / "mail", *(base / "mail").rglob("*")]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    ports = free_port(), free_port()
    conf = base / "dovecot.conf"
    conf.write_text(
        _CONFIG.format(
            dir=base,
            password=PASSWORD,
            uid=nobody.pw_uid,
            gid=nobody.pw_gid,
            imap=ports[0],
            pop3=ports[1],
        )
    )
    subprocess.run([exe, "-c", str(conf)], check=True, timeout=30)
    server = Dovecot(base, *ports)
    try:
        _wait_for(ports)
        for user, n in ACCOUNTS.items():
            if n:
                run_socket(
                    "imap",
                    Session(
                        "warm-up",
                        user,
                        (
                            ("login", ("w1 LOGIN {user} " + PASSWORD,)),
                            ("select", ("w2 SELECT INBOX",)),
                            ("logout", ("w3 LOGOUT",)),
                        ),
                    ),
                    ports[0],
                )
        yield server
    finally:
        _stop(exe, conf, base)


def _wait_for(ports: tuple[int, int]) -> None:
    deadline = time.monotonic() + 20
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def _stop(exe: str, conf: Path, base: Path) -> None:
    pid_file = base / "run" / "master.pid"
    pid = int(pid_file.read_text()) if pid_file.exists() else None
    subprocess.run(
        [exe, "-c", str(conf), "stop"],
        timeout=30,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if pid is not None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(base, ignore_errors=True)


def capture(server: Dovecot) -> dict[str, dict[str, dict[str, str]]]:
    """Every session's steps from ``server``, as latin-1 text (JSON-safe, byte-exact)."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for protocol, sessions in (("pop3", POP3_SESSIONS), ("imap", IMAP_SESSIONS)):
        for session in sessions:
            got = run_socket(protocol, session, server.port(protocol))
            out[f"{protocol}/{session.name}"] = {k: v.decode("latin-1") for k, v in got.items()}
    return out


def load_fixture() -> dict[str, dict[str, bytes]]:
    data = json.loads(FIXTURE.read_text())
    return {
        key: {step: text.encode("latin-1") for step, text in steps.items()}
        for key, steps in data["sessions"].items()
    }


def main(argv: list[str]) -> int:
    with dovecot() as server:
        version = subprocess.run(
            [dovecot_binary() or "dovecot", "--version"], check=True, capture_output=True, text=True
        ).stdout.strip()
        sessions = capture(server)
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps({"dovecot": version, "sessions": sessions}, indent=1) + "\n")
    print(f"wrote {FIXTURE.relative_to(ROOT)} from Dovecot {version}")
    return 0


POLL_STEPS = {
    "pop3": ("greeting", "capa", "login", "stat", "list", "uidl", "quit"),
    "imap": ("greeting", "capability", "login", "select", "flags", "logout"),
}


def poll_octets(protocol: str, steps: dict[str, bytes], capability: bytes | None = None) -> int:
    """Server octets of a poll as this project's clients make it: for IMAP the CAPABILITY round
    trip only when the greeting did not carry ``[CAPABILITY ...]`` (``capability``: that step's
    reply, when the session did not record one)."""
    total = 0
    for step in POLL_STEPS[protocol]:
        if step == "capability":
            if b"[CAPABILITY " not in steps["greeting"]:
                reply = steps.get("capability", capability)
                assert reply is not None, "the greeting has no capabilities: CAPABILITY is needed"
                total += len(reply)
            continue
        total += len(steps[step])
    return total


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
