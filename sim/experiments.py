"""One experiment per lesson (DESIGN.md §5): both protocols, same workload trace, one record back.

Every function below builds a scenario from a preset, changes the few parameters the lesson is
about, runs :func:`sim.model.run` once for POP3 and once for IMAP on the *same* trace (common random
numbers) and returns a frozen record with both :class:`sim.results.Result` objects (``pop3``,
``imap``) plus the handful of derived numbers the lesson's dashboard plots. All parameters are
keyword-only; a value outside its range raises :class:`sim.scenario.ScenarioError` naming the
parameter, the value and the range (the course's widgets use exactly these ranges, see
:data:`RANGES`). Defaults are the "default lesson scenario": preset ``family`` (one user with a phone,
a laptop and a desktop), 7 days, seed 1 -- built to run both protocols in well under 100 ms.

Device names in results are ``"user/device"``, e.g. ``"alice/phone"``, ``"alice/laptop"``,
``"alice/desktop"``; lessons that add a device at the end call it ``"alice/new"``.

Lesson functions (parameters: default, range) and the record each returns
-------------------------------------------------------------------------
1. ``lesson1_where_mail_lives(days=7 [1..60], seed=1 [0..2**31-1], leave_on_server_days=None
   [None=delete after download, or 0..60], headers_first=False, fetch=FetchPolicy.BODIES_ON_OPEN,
   attachments_eager=False)`` -> :class:`Lesson1Result`: ``pop3``, ``imap``, ``new_device_pop3`` and
   ``new_device_imap`` (messages a brand-new device sees at the end), ``delivered``,
   ``phone_down_bytes_pop3``/``_imap`` (octets the phone downloaded).
2. ``lesson2_ports_and_tls(rtt_ms=50.0 [0.1..2000], bandwidth_kbps=10000.0 [8..1e7])`` ->
   :class:`Lesson2Result`: ``rows``, one :class:`ConnectionSetup` per (protocol, port, TLS mode) --
   110, 110+STLS, 995, 143, 143+STARTTLS, 993 -- with round trips, bytes and seconds until the first
   command after login, and whether the password crossed the wire in clear text.
3. ``lesson3_notification(poll_interval_min=10.0 [1..240], idle=True, days=7 [1..60], seed=1)`` ->
   :class:`Lesson3Result`: ``pop3``, ``imap``, ``pop3_delay``/``imap_delay`` (:class:`sim.results.Delay`,
   seconds), ``overhead_bytes_per_day_pop3``/``_imap`` (wire bytes that carried no message content,
   per device per day), ``connection_s_per_day_pop3``/``_imap``.
4. ``lesson4_folders(days=7 [1..60], seed=1, file_per_day=5.0 [0..50])`` -> :class:`Lesson4Result`:
   ``pop3``, ``imap``, ``filed`` (messages filed into folders on the laptop), ``filed_seen_elsewhere_pop3``
   / ``_imap`` (``(device, count)`` pairs: filed messages other devices show in the same folder,
   including ``"alice/new"``).
5. ``lesson5_flags(days=7 [1..60], seed=1, phone_offline_h=0.0 [0..72])`` -> :class:`Lesson5Result`:
   ``pop3``, ``imap``, ``flag_agreement_pop3``/``_imap`` (``(flag, share)`` pairs at the end: share of
   (message, device) pairs where the device shows that flag as intended), and the state-agreement
   series in the two results.
6. ``lesson6_leave_on_server(days=7 [1..60], seed=1, first_leave_days=14 [None or 0..60],
   second_leaves=False, uidl=True, poll_interval_min=10.0 [1..240])`` -> :class:`Lesson6Result`: the
   article's two-client advice (laptop leaves copies, desktop downloads and deletes): ``pop3``,
   ``imap``, ``missed_pop3``/``missed_imap`` (``(device, count)``), ``duplicate_bytes_pop3``/``_imap``,
   ``lock_refusals_pop3``, ``server_bytes_pop3``/``_imap`` (final logical bytes).
7. ``lesson7_virus(days=7 [1..60], seed=1, infected_share=0.05 [0..0.5], signature_delay_h=6.0
   [0..72])`` -> :class:`Lesson7Result`: ``pop3``, ``imap`` and their :class:`sim.results.Virus` records
   as ``virus_pop3``/``virus_imap``.
8. ``lesson8_search(days=7 [1..60], seed=1, leave_on_server_days=None [None or 0..60])`` ->
   :class:`Lesson8Result`: ``pop3``, ``imap``, ``phone_recall_pop3``/``_imap`` (mean recall of the
   phone's searches), ``new_device_recall_pop3``/``_imap`` (a search on a brand-new device at the end),
   ``new_device_search_bytes_imap``, ``new_device_search_s_imap``.
9. ``lesson9_crash(days=7 [1..60], seed=1, crash_day=5.0 [0..days], crash_device="desktop",
   backup_age_days=None [None=no backup, or 0..60], accidental_delete=True)`` ->
   :class:`Lesson9Result`: ``pop3``, ``imap``, ``crash_pop3``/``crash_imap``
   (:class:`sim.results.CrashRecord`), ``accidental_delete_gone_pop3``/``_imap`` (devices that no longer
   have the message the user deleted by mistake on the phone).
   ``lesson9_yearly_loss(trials=20 [1..200], crashes_per_year=1.0 [0..12], backup_age_days=None,
   seed=1)`` -> :class:`YearlyLoss`: Monte Carlo of messages lost per year, per protocol
   (``lost_pop3``, ``lost_imap``: tuples of per-trial counts, plus means).
"""

from __future__ import annotations

RANGES: dict[str, tuple[float, float]] = {
    "days": (1, 60),
    "seed": (0, 2**31 - 1),
    "leave_on_server_days": (0, 60),
    "rtt_ms": (0.1, 2000.0),
    "bandwidth_kbps": (8.0, 1e7),
    "poll_interval_min": (1.0, 240.0),
    "file_per_day": (0.0, 50.0),
    "phone_offline_h": (0.0, 72.0),
    "first_leave_days": (0, 60),
    "infected_share": (0.0, 0.5),
    "signature_delay_h": (0.0, 72.0),
    "backup_age_days": (0.0, 60.0),
    "trials": (1, 200),
    "crashes_per_year": (0.0, 12.0),
}
"""Allowed (low, high) of every numeric lesson parameter; widgets use the same ranges."""
