"""A crash loses the mail the user still wanted: a wiped copy of a message the user had deleted
on purpose on another device is no loss."""

from __future__ import annotations

import sim.experiments as E


def test_a_message_deleted_elsewhere_is_not_lost_when_the_archive_crashes() -> None:
    """Desktop archive (lesson 9): the phone deletes a message by mistake, the desktop still
    holds it, then the desktop crashes.  The mistaken delete makes the user's intent "deleted",
    so the crash takes nothing the user wanted more than without the delete -- before the fix
    every such wiped copy counted (51 lost here, 52 with the delete; now 24 both ways)."""
    with_delete = E.lesson9_crash(crash_device="desktop", accidental_delete=True)
    without = E.lesson9_crash(crash_device="desktop", accidental_delete=False)
    (a,), (b,) = with_delete.pop3_archive.crashes, without.pop3_archive.crashes
    assert a.wiped_messages == b.wiped_messages
    assert a.lost_messages == b.lost_messages < a.wiped_messages // 2
