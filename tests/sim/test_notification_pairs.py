"""Notification delay has one definition for both protocols: every (message, device) pair of
a user's delivered mail, shown (a delay) or never shown (counted, not dropped)."""

from __future__ import annotations

import pytest

from sim.inputs.presets import preset
from sim.inputs.workload import generate
from sim.model import Protocol, simulate


@pytest.fixture(scope="module")
def family() -> dict[Protocol, object]:
    sc = preset("family", days=7, seed=1)
    trace = generate(sc)
    return {p: simulate(sc, p, trace) for p in Protocol}


def test_every_pair_is_counted_once_under_both_protocols(family) -> None:  # type: ignore[no-untyped-def]
    pop3, imap = family[Protocol.POP3], family[Protocol.IMAP]
    delivered = pop3.conservation.delivered
    blocked = pop3.virus.caught_at_delivery
    for r in (pop3, imap):
        for d in r.devices:  # one user: each device has every delivered message as a pair
            assert d.notification_delay.pairs == delivered - blocked
            assert d.notification_delay.count == d.received_messages
        pooled = r.summary.notification_delay
        assert pooled.count == sum(d.notification_delay.count for d in r.devices)
        assert pooled.never == sum(d.notification_delay.never for d in r.devices)
    assert pop3.summary.notification_delay.pairs == imap.summary.notification_delay.pairs


def test_the_idle_phone_is_told_sooner_than_the_polling_phone(family) -> None:  # type: ignore[no-untyped-def]
    """Per device, at the default 10-minute poll: IDLE's p95 is below POP3's."""
    phone = "alex/phone"
    pop3 = family[Protocol.POP3].device(phone).notification_delay
    imap = family[Protocol.IMAP].device(phone).notification_delay
    assert imap.p95_s < 5.0 < pop3.p95_s <= 600.0 + 60.0
    # POP3 deletes after download: the phone's polls race the laptop's and the desktop's
    assert pop3.never > 0 and imap.never == 0


def test_missed_messages_are_counted_in_messages_and_in_pairs(family) -> None:  # type: ignore[no-untyped-def]
    s = family[Protocol.POP3].summary
    per_device = [d.missed_messages for d in family[Protocol.POP3].devices]
    assert s.missed_pairs == sum(per_device)
    assert (
        max(per_device)
        <= s.missed_messages
        <= min(s.missed_pairs, family[Protocol.POP3].conservation.delivered)
    )


def test_radio_wakeups_count_sessions_pushes_and_periodic_exchanges(family) -> None:  # type: ignore[no-untyped-def]
    for d in family[Protocol.POP3].devices:  # every poll is a session (a connect)
        assert d.radio_wakeups == d.sessions
    for d in family[Protocol.IMAP].devices:  # IDLE: the connects, the re-issues and the pushes
        assert d.radio_wakeups >= d.sessions + d.empty_polls
    phone = family[Protocol.IMAP].device("alex/phone")
    assert phone.radio_wakeups - phone.sessions - phone.empty_polls >= phone.received_messages
