"""curl, a third real client: it speaks POP3 and IMAP URLs (RFC 2384, RFC 5092)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest
from live_support import Served

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


def curl(served: Served, url: str) -> bytes:
    proc = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--max-time",
            "10",
            "--user",
            f"alice:{served.password('alice')}",
            url,
        ],
        capture_output=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_curl_lists_and_retrieves_over_pop3_and_imap(serve: Callable[..., Served]) -> None:
    served = serve()
    expected = served.demo.store.accounts["alice"].inbox.messages
    pop3 = f"pop3://127.0.0.1:{served.port('pop3')}"
    listing = curl(served, pop3 + "/").decode().split("\r\n")
    assert listing[:6] == [f"{i + 1} {m.size}" for i, m in enumerate(expected)]
    assert curl(served, pop3 + "/2") == expected[1].message.render()
    imap = f"imap://127.0.0.1:{served.port('imap')}"
    assert curl(served, imap + "/INBOX;UID=3") == expected[2].message.render()
