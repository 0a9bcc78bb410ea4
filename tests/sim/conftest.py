"""Fixtures shared by the model tests."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from sim.model.state import structure_len
from sim.protocol.message import ByteKind, Message


def sizes_of(msg: Message) -> Any:
    """The sizes the IMAP cost tables read from a model ``Mail``, for any message."""
    ks = msg.kind_sizes()
    parts = msg.root.parts
    return SimpleNamespace(
        size=msg.size,
        header=msg.header_size,
        body=ks[ByteKind.BODY],
        attachment=ks[ByteKind.ATTACHMENT],
        text=parts[0].body_size if parts else msg.body_size,
        att=parts[1].body_size if len(parts) > 1 else 0,
        structure=structure_len(msg),
    )


@pytest.fixture
def mail_sizes() -> Callable[[Message], Any]:
    return sizes_of
