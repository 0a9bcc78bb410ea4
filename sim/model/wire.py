"""From a session's protocol octets to wire octets and seconds on a device's link.

Theory of operation
-------------------
The protocol engines count what the protocols say (commands, replies, payloads).  A real session
also pays for TCP (handshake, segment headers, teardown) and TLS (handshake, record overhead), and
it takes time: one round trip per non-pipelined command plus transmission time at the link's
bandwidth.  :func:`session_wire` adds exactly that on top of a protocol count and is the single
place that states these assumptions (see :data:`TCP_HANDSHAKE_UP` etc. below).  When
``sim.network`` provides the same service it is used instead (see :func:`wire_model`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..scenario import LinkSpec, TlsMode

MSS = 1448  # TCP payload octets per segment (1500 MTU - 40 IP/TCP - 12 timestamps)
SEGMENT_OVERHEAD = 52  # IPv4 20 + TCP 20 + timestamp option 12 octets per segment
TCP_HANDSHAKE_UP = 2 * 60  # SYN (60 with options) + final ACK... counted as two small segments
TCP_HANDSHAKE_DOWN = 60  # SYN-ACK
TCP_TEARDOWN_UP = 2 * 52  # FIN + ACK
TCP_TEARDOWN_DOWN = 2 * 52
TLS_HANDSHAKE_UP = 600  # ClientHello (~517 with SNI/ALPN/key share) + Finished (TLS 1.3)
TLS_HANDSHAKE_DOWN = 4000  # ServerHello + EncryptedExtensions + certificate chain + Finished
TLS_HANDSHAKE_RTT = 1  # TLS 1.3: one round trip
TLS_RECORD_OVERHEAD = 22  # 5 header + 16 AEAD tag + 1 content type, per record
TLS_RECORD = 16384  # maximum plaintext per record


@dataclass(frozen=True)
class Wire:
    """Extra octets each way (TCP, TLS) and the duration of one session."""

    tcp_up: int
    tcp_down: int
    tls_up: int
    tls_down: int
    duration_s: float


def _records(octets: int, messages: int) -> int:
    """TLS records needed for ``messages`` protocol messages totalling ``octets``."""
    return max(messages, math.ceil(octets / TLS_RECORD)) if octets else 0


def session_wire(link: LinkSpec, tls: TlsMode, up: int, down: int, round_trips: int,
                 *, connect: bool = True) -> Wire:
    """TCP/TLS overhead and duration of a session that exchanged ``up``/``down`` protocol octets
    in ``round_trips`` command round trips (``connect=False``: on an already open connection)."""
    seg_up = math.ceil(up / MSS) if up else 0
    seg_down = math.ceil(down / MSS) if down else 0
    tcp_up = seg_up * SEGMENT_OVERHEAD
    tcp_down = seg_down * SEGMENT_OVERHEAD
    rtts = round_trips
    tls_up = tls_down = 0
    if tls is not TlsMode.NONE:
        tls_up = _records(up, round_trips) * TLS_RECORD_OVERHEAD
        tls_down = _records(down, round_trips) * TLS_RECORD_OVERHEAD
    if connect:
        tcp_up += TCP_HANDSHAKE_UP + TCP_TEARDOWN_UP
        tcp_down += TCP_HANDSHAKE_DOWN + TCP_TEARDOWN_DOWN
        rtts += 1
        if tls is not TlsMode.NONE:
            tls_up += TLS_HANDSHAKE_UP
            tls_down += TLS_HANDSHAKE_DOWN
            rtts += TLS_HANDSHAKE_RTT
    total_up = up + tcp_up + tls_up
    total_down = down + tcp_down + tls_down
    duration = rtts * link.rtt_s + total_up / link.up_Bps + total_down / link.down_Bps
    return Wire(tcp_up, tcp_down, tls_up, tls_down, duration)
