"""The asyncio adapter against a tiny line engine that follows the engine API convention.

These tests exercise the adapter's own duties (flush, close after QUIT, connection_lost on a drop,
store wake-ups turned into refresh(), backpressure) independently of the real engines.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.live.demo import build_demo
from sim.live.loopback import FEED_SLICE, LiveServer, Service, _pieces
from sim.protocol.outbox import Outbox
from sim.protocol.store import Account

TIMEOUT = 5.0
BIG = 1 << 20


class LineEngine:
    """Echoes each line upper-cased; ``QUIT`` closes; ``BIG`` queues 1 MiB; ``LOGIN`` logs in to
    :attr:`login_account`; lines capped at 64."""

    instances: ClassVar[list[LineEngine]] = []
    login_account: Account | None = None

    def __init__(self) -> None:
        self.outbox = Outbox()
        self.closed = False
        self.account: Account | None = None
        self.lost = 0
        self.refreshes = 0
        self.commands = 0
        self._buf = b""
        self.outbox.write(b"+HELLO\r\n")
        LineEngine.instances.append(self)

    def receive_data(self, data: bytes) -> list[object]:
        self._buf += data
        while b"\r\n" in self._buf and not self.closed:
            line, self._buf = self._buf.split(b"\r\n", 1)
            self.commands += 1
            if line == b"QUIT":
                self.outbox.write(b"+BYE\r\n")
                self.closed = True
            elif line == b"BIG":
                self.outbox.write(b"x" * BIG)
            elif line == b"LOGIN":
                self.account = LineEngine.login_account
                self.outbox.write(b"+LOGGED IN\r\n")
            else:
                self.outbox.write(line.upper() + b"\r\n")
        if len(self._buf) > 64:
            self._buf = b""
            self.outbox.write(b"-TOO LONG\r\n")
        return []

    def connection_lost(self) -> list[object]:
        self.lost += 1
        return []

    def refresh(self) -> None:
        self.refreshes += 1
        self.outbox.write(b"* REFRESH\r\n")


def run_with_server(body: Callable[[LiveServer, int], Awaitable[None]], **options: Any) -> None:
    """Start a LiveServer with the line engine as IMAP service, run ``body``, always close."""
    LineEngine.instances.clear()

    async def main() -> None:
        demo = build_demo(users=1, messages=1, seed=3)
        server = LiveServer(demo, {Service.IMAP: LineEngine}, **options)
        where = await server.start()
        try:
            await asyncio.wait_for(body(server, where[0].port), 20)
        finally:
            await server.close()

    asyncio.run(main())


async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
    assert await line(reader) == b"+HELLO\r\n"
    return reader, writer


async def line(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readline(), TIMEOUT)


async def until(predicate: Callable[[], bool]) -> None:
    for _ in range(500):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def test_echo_and_close_after_quit() -> None:
    async def body(server: LiveServer, port: int) -> None:
        reader, writer = await connect(port)
        writer.write(b"hello\r\nagain\r\n")
        assert await line(reader) == b"HELLO\r\n"
        assert await line(reader) == b"AGAIN\r\n"
        writer.write(b"QUIT\r\nignored\r\n")
        assert await line(reader) == b"+BYE\r\n"
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""  # server closed
        writer.close()
        engine = LineEngine.instances[0]
        await until(lambda: not server.connections)
        assert engine.lost == 0 and engine.commands == 3

    run_with_server(body)


def test_drop_mid_line_calls_connection_lost_and_server_survives() -> None:
    async def body(server: LiveServer, port: int) -> None:
        _, writer = await connect(port)
        writer.write(b"half a li")
        await writer.drain()
        writer.close()
        await until(lambda: LineEngine.instances[0].lost == 1)
        reader, writer = await connect(port)
        writer.write(b"next\r\n")
        assert await line(reader) == b"NEXT\r\n"
        writer.close()

    run_with_server(body)


def test_store_change_wakes_connection_with_refresh() -> None:
    async def body(server: LiveServer, port: int) -> None:
        reader, writer = await connect(port)
        await until(lambda: len(server.connections) == 1)
        server.demo.deliver_round()
        assert await line(reader) == b"* REFRESH\r\n"
        assert LineEngine.instances[0].refreshes == 1
        writer.close()

    run_with_server(body)


def test_client_that_does_not_read_is_not_read_from() -> None:
    async def body(server: LiveServer, port: int) -> None:
        _reader, writer = await connect(port)
        writer.write(b"BIG\r\n" * 200)  # 200 MiB of replies requested, none read
        engine = LineEngine.instances[0]
        await until(lambda: engine.commands >= 1)
        await asyncio.sleep(0.5)
        assert engine.commands < 50  # socket buffers hold a few MiB; the rest waits unread
        writer.close()
        await until(lambda: engine.lost == 1)

    run_with_server(body)


def test_shutdown_ends_open_connections_as_drops() -> None:
    LineEngine.instances.clear()

    async def main() -> None:
        server = LiveServer(build_demo(1, 0, 1), {Service.IMAP: LineEngine})
        where = await server.start()
        reader, writer = await connect(where[0].port)
        await server.close()
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        writer.close()
        assert LineEngine.instances[0].lost == 1

    asyncio.run(main())


def test_a_new_connection_evicts_the_oldest_beyond_the_unauthenticated_budget() -> None:
    LineEngine.instances.clear()

    async def main() -> None:
        server = LiveServer(build_demo(1, 0, 1), {Service.IMAP: LineEngine}, max_unauthenticated=2)
        port = (await server.start())[0].port
        try:
            oldest, kept = [await connect(port) for _ in range(2)]
            await until(lambda: len(server.connections) == 2)
            reader, writer = await connect(port)  # served: the oldest makes room
            assert await asyncio.wait_for(oldest[0].read(), TIMEOUT) == (
                b"* BYE too many connections waiting to log in\r\n"
            )
            writer.write(b"hello\r\n")
            assert await line(reader) == b"HELLO\r\n"
            for w in (oldest[1], kept[1], writer):
                w.close()
        finally:
            await server.close()
        assert all(not account.listeners for account in server.demo.store.accounts.values())

    asyncio.run(main())


def test_logins_beyond_the_logged_in_budget_are_told_and_closed() -> None:
    LineEngine.instances.clear()

    async def main() -> None:
        demo = build_demo(1, 0, 1)
        LineEngine.login_account = demo.store.accounts["alice"]
        server = LiveServer(demo, {Service.IMAP: LineEngine}, max_connections=1)
        port = (await server.start())[0].port
        try:
            first, second = [await connect(port) for _ in range(2)]
            first[1].write(b"LOGIN\r\n")
            assert await line(first[0]) == b"+LOGGED IN\r\n"
            second[1].write(b"LOGIN\r\n")  # its OK is withheld: the budget is spent
            assert await asyncio.wait_for(second[0].read(), TIMEOUT) == (
                b"* BYE too many connections, try again later\r\n"
            )
            first[1].write(b"still here\r\n")
            assert await line(first[0]) == b"STILL HERE\r\n"
            for _, w in (first, second):
                w.close()
        finally:
            await server.close()
            LineEngine.login_account = None

    asyncio.run(main())


def test_login_timeout_counts_from_connect_whatever_is_sent() -> None:
    async def body(server: LiveServer, port: int) -> None:
        reader, writer = await connect(port)
        started = asyncio.get_running_loop().time()
        ended = asyncio.ensure_future(reader.read())
        with contextlib.suppress(ConnectionError):
            while not ended.done():  # a byte every 0.1 s: never idle, never logged in
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.1)
        with contextlib.suppress(ConnectionError):  # unread bytes may turn the close into RST
            assert await asyncio.wait_for(ended, TIMEOUT) in (b"", b"* BYE login timeout\r\n")
        assert 0.9 < asyncio.get_running_loop().time() - started < 2.0
        writer.close()

    run_with_server(body, login_timeout=1.0)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=20_000))
def test_pieces_cover_the_input_and_end_at_most_one_line_each(data: bytes) -> None:
    pieces = _pieces(data)
    assert b"".join(pieces) == data
    for piece in pieces:
        assert 1 <= len(piece) <= FEED_SLICE
        assert b"\n" not in piece[:-1]
