"""Runs whose results the compiled and the pure-Python model must agree on, to the bit.

Used by ``test_native.py`` in this process and, as a script, in a pure-Python one
(``POPIMAP_PURE_PYTHON=1 python tests/sim/native_corpus.py`` prints the digests as JSON).
The corpus covers every preset, QRESYNC and polling IMAP, NAT timeouts and server keepalives,
crashes with and without backups, and random small scenarios drawn from a fixed seed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sim.model import Protocol, run
from sim.presets import desktop, laptop, phone, preset
from sim.scenario import (
    DAY,
    AttachmentPolicy,
    CrashSpec,
    FetchMode,
    ImapPolicy,
    Pop3Policy,
    Scenario,
    ServerSpec,
    TlsMode,
    UserSpec,
    WorkloadSpec,
)
from sim.workload import generate

RANDOM_SCENARIOS = 24


def _devices(sc: Scenario, **changes: object) -> Scenario:
    """``sc`` with every device's IMAP policy changed (polling laptops where idle=None)."""
    users = tuple(dataclasses.replace(u, devices=tuple(
        dataclasses.replace(d, imap=dataclasses.replace(
            d.imap, **{k: (d.name != "laptop" if v is None else v) for k, v in changes.items()}))
        for d in u.devices)) for u in sc.users)
    return dataclasses.replace(sc, users=users)


def with_silence(sc: Scenario, nat: float | None, keepalive: float | None) -> Scenario:
    users = tuple(dataclasses.replace(u, devices=tuple(
        dataclasses.replace(d, link=dataclasses.replace(d.link, nat_idle_timeout_s=nat))
        for d in u.devices)) for u in sc.users)
    return dataclasses.replace(sc, users=users, server=dataclasses.replace(
        sc.server, idle_keepalive_s=keepalive))


def random_scenario(seed: int) -> Scenario:
    """A small valid scenario, its every choice drawn from ``random.Random(seed)``."""
    rnd = random.Random(seed)
    users = []
    for u in range(rnd.randint(1, 2)):
        devs = []
        for k in range(rnd.randint(1, 3)):
            pop3 = Pop3Policy(poll_interval_s=rnd.choice([60.0, 600.0, 3600.0]),
                              leave_on_server=rnd.random() < 0.5,
                              leave_days=rnd.choice([None, 0.0, 0.5, 14.0]),
                              use_uidl=rnd.random() < 0.7, headers_first=rnd.random() < 0.3,
                              headers_first_min_bytes=rnd.choice([0, 50 * 1024]))
            idle = rnd.random() < 0.6
            imap = ImapPolicy(idle=idle, poll_interval_s=rnd.choice([60.0, 600.0]),
                              fetch_mode=rnd.choice(list(FetchMode)),
                              attachments=rnd.choice(list(AttachmentPolicy)),
                              qresync=rnd.random() < 0.5, chunk_bytes=rnd.choice([4096, 65536]))
            dev = (phone, laptop, desktop)[k % 3](
                f"d{k}", pop3=pop3, imap=imap, first_online_s=rnd.choice([0.0, 0.0, 0.5 * DAY]))
            nat = rnd.choice([None, 300.0] if idle else [None, 3600.0])
            devs.append(dataclasses.replace(
                dev, link=dataclasses.replace(dev.link, nat_idle_timeout_s=nat)))
        users.append(UserSpec(f"u{u}", tuple(devs)))
    days = rnd.choice([0.5, 1.0, 2.0])
    crash_at = tuple((f"u0/d{rnd.randrange(len(users[0].devices))}",
                      rnd.uniform(0.0, days * DAY - 1)) for _ in range(rnd.randint(0, 2)))
    workload = WorkloadSpec(messages_per_day=rnd.choice([10.0, 40.0, 80.0]),
                            infected_share=rnd.choice([0.0, 0.2]),
                            delete_per_day=rnd.choice([0.0, 8.0, 30.0]),
                            file_per_day=rnd.choice([0.0, 10.0]))
    return Scenario(
        users=tuple(users), tls=rnd.choice(list(TlsMode)), workload=workload,
        crashes=CrashSpec(at=crash_at, rate_per_year=rnd.choice([0.0, 100.0]),
                          backup_age_s=rnd.choice([None, 0.0, 3600.0])),
        server=ServerSpec(replicas=rnd.randint(1, 3),
                          disk_failure_per_year=rnd.choice([0.0, 200.0]),
                          idle_keepalive_s=rnd.choice([None, 120.0, 600.0])),
        signature_delay_s=rnd.choice([0.0, 3600.0]),
        duration_s=days * DAY, seed=rnd.randrange(10_000), name=f"random-{seed}")


def scenarios() -> Iterator[tuple[str, Scenario]]:
    for name, days, seed in (("single", 7, 4), ("family", 14, 1), ("traveller", 14, 2),
                             ("two_clients", 10, 3), ("campus", 1, 1)):
        sc = preset(name, days=days, seed=seed)
        yield f"{name}", sc
        if name in ("family", "traveller"):
            yield f"{name}/qresync+polling", _devices(sc, qresync=True, idle=None)
            for nat, keepalive in ((300.0, None), (300.0, 120.0), (None, 120.0)):
                yield f"{name}/nat={nat},keepalive={keepalive}", with_silence(sc, nat, keepalive)
    family = preset("family", days=10, seed=5)
    for backup in (None, 3600.0):
        yield f"family/crash,backup={backup}", dataclasses.replace(family, crashes=CrashSpec(
            at=(("phone", 3 * DAY), ("laptop", 6.5 * DAY)), backup_age_s=backup))
    for seed in range(RANDOM_SCENARIOS):
        yield f"random-{seed}", random_scenario(seed)


def digests() -> dict[str, str]:
    """Per run, the SHA-256 of the result's repr (every field, floats to the last bit)."""
    out = {}
    for key, sc in scenarios():
        trace = generate(sc)
        for protocol in Protocol:
            text = repr(run(sc, protocol, trace))
            out[f"{key}/{protocol.value}"] = hashlib.sha256(text.encode()).hexdigest()
    return out


if __name__ == "__main__":
    from sim import native
    print(json.dumps({"status": native.STATUS, "digests": digests()}))
