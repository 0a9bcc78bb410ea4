"""Lesson 1's IMAP download choices order the phone's storage as a learner expects.

Headers only <= bodies on open <= full offline (which keeps whole messages), whether attachments
come eagerly or on demand; and the "attachments eagerly" toggle changes both what the phone keeps
and the attachment octets it downloads, in every fetch mode."""

from __future__ import annotations

from functools import cache

import pytest

from sim.inputs.scenario import FetchMode
from sim.lessons.experiments import lesson1_where_mail_lives

ORDER = (FetchMode.HEADERS_ONLY, FetchMode.BODIES_ON_OPEN, FetchMode.FULL_OFFLINE)


@cache
def _phone(fetch: FetchMode, eager: bool) -> tuple[int, int]:
    """(storage at the end, attachment octets downloaded) of the phone under IMAP."""
    r = lesson1_where_mail_lives(fetch=fetch, attachments_eager=eager)
    d = r.imap.device("alex/phone")
    return d.storage_bytes, d.down.attachment


@pytest.mark.parametrize("eager", [False, True])
def test_phone_storage_orders_by_fetch_mode(eager: bool) -> None:
    headers, bodies, full = (_phone(m, eager)[0] for m in ORDER)
    assert headers < bodies <= full
    assert headers < full


@pytest.mark.parametrize("fetch", ORDER)
def test_eager_attachments_change_storage_and_attachment_bytes(fetch: FetchMode) -> None:
    lazy_store, lazy_att = _phone(fetch, False)
    eager_store, eager_att = _phone(fetch, True)
    assert eager_store > lazy_store
    assert eager_att > lazy_att > 0  # on demand: the attachments the user opened


def test_the_share_of_attachments_opened_takes_effect() -> None:
    def att(pct: float) -> int:
        r = lesson1_where_mail_lives(attachments_opened_pct=pct)
        return r.imap.device("alex/phone").down.attachment

    none, every = att(0.0), att(100.0)  # (at 0 %, only forwarded attachments are fetched)
    assert none < _phone(FetchMode.BODIES_ON_OPEN, False)[1] < every


@pytest.mark.parametrize("bad", [-1.0, 100.5, None])
def test_a_bad_share_of_attachments_opened_names_the_parameter_and_range(bad: object) -> None:
    from sim.inputs.scenario import ScenarioError

    with pytest.raises(ScenarioError, match=r"attachments_opened_pct.*0 <= x <= 100"):
        lesson1_where_mail_lives(attachments_opened_pct=bad)  # type: ignore[arg-type]
