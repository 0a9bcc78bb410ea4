"""A device crash, the same for both clients: the local store is wiped and the backup restored.

What a crash loses depends only on where each message and its state lived (on this device alone,
on the server, on the user's other devices), not on the protocol, so
:class:`~sim.model.pop3_device.Pop3DeviceClient` and :class:`~sim.model.imap_device.ImapDeviceClient` both
call :func:`wipe_and_restore` and then repair their own protocol memory."""

from __future__ import annotations

from ..inputs.workload import Crash
from ..outputs.records import EventRecord, RecordKind
from ..outputs.results import CrashRecord, LossReason
from .state import INBOX, Device, MailId
from .world import World


def wipe_and_restore(w: World, dev: Device, c: Crash, t: float) -> CrashRecord:
    """Wipe ``dev``'s local store, restore the backup taken at ``c.backup_time``, and count what
    is gone for good (messages and metadata that existed only on this device)."""
    dev.crashes += 1
    w.record(EventRecord(t, dev.name, RecordKind.CRASH))
    if c.backup_time is not None:
        w.record(EventRecord(t, dev.name, RecordKind.RESTORE))
    wiped = list(dev.local.items())
    wiped_bytes = sum(cp.bytes for _, cp in wiped) + dev.sent_bytes + dev.extra_bytes
    w.rec.device_add(dev.id, -(dev.sent_bytes + dev.extra_bytes))
    dev.sent_bytes = 0
    dev.extra_bytes = 0
    for mid, _ in wiped:
        w.drop_local(dev, mid, LossReason.CRASH)
    restored = 0
    lost = lost_bytes = lost_meta = 0
    at_risk: list[float] = []  # when each message only this storage held came to it
    bt = c.backup_time
    sent = dev.sent_log  # POP3's sent mail exists only here (no server copy): what the backup
    if sent:  # held comes back, the rest is lost
        at_risk += [when for when, _ in sent]
        kept = [e for e in sent if bt is not None and e[0] <= bt]
        dev.sent_log = kept
        dev.sent_bytes = sum(size for _, size in kept)
        w.rec.device_add(dev.id, dev.sent_bytes)
        restored += len(kept)
        lost += len(sent) - len(kept)
        lost_bytes += sum(size for _, size in sent) - dev.sent_bytes
    for mid, cp in wiped:
        back = bt is not None and cp.since <= bt
        wanted_here_only = w.copies[mid] <= 0 and w.intent.get(mid, True) is not None
        if wanted_here_only:
            at_risk.append(cp.since)
        if back:
            folder, flags = cp.state_at(bt)  # type: ignore[arg-type]
            body, att, nbytes = cp.parts_at(bt)  # type: ignore[arg-type]
            w.put_local(
                dev,
                mid,
                t,
                body=body,
                attachment=att,
                folder=folder,
                flags=flags,
                count_delay=False,
                full=nbytes >= w.mails[mid].size,
            )
            restored += 1
        elif wanted_here_only:
            # gone for good -- unless the user had deleted it on purpose (or it was
            # quarantined): losing mail nobody wants is no loss
            lost += 1
            lost_bytes += w.mails[mid].size
        state = cp.state()
        if state != (INBOX, 0) and mid < w.n_arrivals and not _state_elsewhere(w, dev, mid, state):
            lost_meta += 1
    return CrashRecord(
        t,
        dev.name,
        None if bt is None else t - bt,
        len(wiped) + len(sent),
        wiped_bytes,
        restored,
        lost,
        lost_bytes,
        lost_meta,
        tuple(sorted(at_risk)),
    )


def _state_elsewhere(w: World, dev: Device, mid: MailId, state: tuple[str, int]) -> bool:
    entry = w.users[dev.user].where.get(mid)
    if entry is not None and (entry[0], entry[1]) == state:
        return True
    for other in w.user_devices[dev.user]:
        cp = other.local.get(mid)
        if cp is not None and cp.state() == state:
            return True
    return False
