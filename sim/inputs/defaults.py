"""Default figures of the model, each with its source -- the one place to look them up.

Sources are those of ``../shared/FACTS.md`` (quoted in the docs as "FACTS").  A figure marked
**ASSUMED** is a round, plausible number chosen for teaching, with no measured source; one marked
**UNVERIFIED** comes from a source FACTS itself flags as unverified.  Lessons that depend on such a
figure should say so.  ``docs/parameters.md`` lists the same figures per scenario field.
"""

from __future__ import annotations

# -- workload --------------------------------------------------------------------------------------

# FACTS: Radicati (2003) 81 received/day for a corporate user; "a personal mailbox is lighter
# (pick and document a value, e.g. 20-40/day)".  We pick 30 received per user per day.
MESSAGES_PER_DAY = 30.0

# Message sizes.  FACTS: heavy-tailed; measured (2002): 24 % < 2 KB, 49 % < 4 KB, 80 % < 16 KB,
# 90 % < 64 KB, 97 % < 512 KB; about 24 % carry attachments (UNVERIFIED vendor figure).
# A single log-normal cannot fit both the narrow body and the long tail, so sizes are a mixture:
# text bodies log-normal, plus (for ATTACHMENT_SHARE of messages) one log-normal attachment,
# base64-encoded on the wire.  The four parameters below are a least-squares fit of that mixture
# (with the synthesized headers' ~290 / ~920 octets) to the five quantiles; the fit reproduces
# each quantile within 0.01 (tests/sim/test_workload.py checks the generated sizes).
# The fitted attachments average ~245 KB decoded -- below FACTS' UNVERIFIED "~500 KB" vendor mean,
# which the measured 97 % < 512 KB quantile cannot accommodate at a 24 % attachment share.
# The resulting mean message is ~83 KB, close to the 75 KB of FACTS' Exchange sizing
# (partly verified).
TEXT_MEDIAN_BYTES = 2734.0
TEXT_SIGMA = 0.928
ATTACHMENT_SHARE = 0.24
ATTACHMENT_MEDIAN_BYTES = 32_241.0
ATTACHMENT_SIGMA = 2.014
MAX_MESSAGE_BYTES = 50 * 1024 * 1024  # ASSUMED: typical provider size limits are 25-50 MB

# A day has a rhythm: relative weights of the 24 hours (0-23, the model's clock: UTC, which the
# presets' usage windows also use) for mail arriving and for the user's actions.  The SHAPE follows
# the circadian cycle of e-mail activity that Malmgren, Stouffer, Motter & Amaral (PNAS 105, 2008,
# "A Poissonian explanation for heavy tails in e-mail communication") measured and modelled: quiet
# at night, rising from about 7 h, high through the working day, a smaller evening shoulder.  The
# 24 VALUES are ASSUMED round numbers drawn to that shape, not the paper's fitted figures.  Only
# the shape matters (the model rescales them to a mean of 1: the daily rates are unchanged).
DAY_RHYTHM = (
    0.3,
    0.15,
    0.1,
    0.1,
    0.1,
    0.2,  # 0-5 h: night (about 4 % of the day's activity)
    0.5,
    0.9,
    1.3,
    1.6,
    1.7,
    1.6,  # 6-11 h: the morning rise
    1.4,
    1.5,
    1.6,
    1.6,
    1.5,
    1.3,  # 12-17 h: the working afternoon
    1.1,
    1.1,
    1.2,
    1.1,
    0.8,
    0.5,  # 18-23 h: the evening
)

VOCABULARY_SIZE = 200  # ASSUMED: distinct searchable keywords per user's mail (Zipf-weighted)
FOLDERS = ("Work", "Family", "Receipts")  # ASSUMED: a few user folders for "file into folder"

# User behaviour -- ASSUMED (no measured source in FACTS; Radicati's 29 sent/day is corporate).
# Opening a message (READ: the client needs its text) and opening its attachment (the client
# needs the attachment part) are separate actions with separate probabilities, so that an IMAP
# client fetching attachments on demand downloads only those the user looks at.
READ_SHARE = 0.9  # share of arriving messages the user opens
# ASSUMED: of the messages with an attachment that the user opens, the share whose attachment the
# user opens too (in the same sitting).  No measured figure for personal mail was found; a vendor
# blog (mxHero, UNVERIFIED) claims that only 6 % of the attachments of corporate Cc/Bcc mail are
# ever opened -- mail that is mostly not read at all, so a floor, not this conditional share.
ATTACHMENT_OPEN_SHARE = 0.5
READ_DELAY_MEAN_S = 2 * 3600.0  # mean time from arrival to opening
REPLY_PER_DAY = 4.0
FORWARD_PER_DAY = 1.0
FLAG_PER_DAY = 2.0
FILE_PER_DAY = 5.0
DELETE_PER_DAY = 8.0
SEARCH_PER_DAY = 1.0

# Viruses -- ASSUMED teaching values.
INFECTED_SHARE = 0.002  # share of arriving messages carrying malware
ZERO_DAY_SHARE = 0.2  # share of infected messages no signature detects at delivery
SIGNATURE_DELAY_S = 12 * 3600.0  # mean time until a signature update detects a zero-day

# -- clients ---------------------------------------------------------------------------------------

POLL_INTERVAL_S = 600.0  # FACTS: Thunderbird checks every 10 minutes (mailnews.js)
POP3_LEAVE_DAYS = 14.0  # FACTS: Thunderbird's wizard leaves POP3 mail on the server 14 days
IDLE_REISSUE_S = 24 * 60.0  # FACTS: K-9 Mail re-issues IDLE every 24 min (RFC 2177: <= 29 min)
IDLE_REISSUE_MAX_S = 29 * 60.0  # FACTS: RFC 2177 §3
IMAP_CHUNK_BYTES = 64 * 1024  # FACTS: Thunderbird fetches large IMAP messages in 64 KiB chunks
HEADERS_FIRST_MIN_BYTES = 50 * 1024  # UNVERIFIED: Thunderbird's "headers only if larger than 50 KB"

# -- devices and links (ASSUMED: typical 2020s consumer connections) -------------------------------

MBIT = 125_000.0  # bytes/s in one Mbit/s

DESKTOP_DOWN_BPS = 50 * MBIT  # home broadband, wired
DESKTOP_UP_BPS = 10 * MBIT
DESKTOP_RTT_S = 0.020
DESKTOP_STORAGE_BYTES = 100 * 2**30

LAPTOP_DOWN_BPS = 20 * MBIT  # Wi-Fi
LAPTOP_UP_BPS = 5 * MBIT
LAPTOP_RTT_S = 0.030
LAPTOP_STORAGE_BYTES = 20 * 2**30

PHONE_DOWN_BPS = 10 * MBIT  # 4G
PHONE_UP_BPS = 2 * MBIT
PHONE_RTT_S = 0.060
PHONE_STORAGE_BYTES = 2 * 2**30

SLOW_DOWN_BPS = 0.5 * MBIT  # roaming / congested 3G (traveller preset)
SLOW_UP_BPS = 0.125 * MBIT
SLOW_RTT_S = 0.300

# -- server ----------------------------------------------------------------------------------------

REPLICAS = 3  # ASSUMED: common replication factor of mail/object stores
DISK_FAILURE_PER_YEAR = 0.02  # ASSUMED: ~2 % annualised failure rate (order of public fleet stats)
REPAIR_S = 24 * 3600.0  # ASSUMED: a failed replica is rebuilt within a day

# -- TLS -------------------------------------------------------------------------------------------

# FACTS: TLS 1.3 session resumption (RFC 8446 §2.2) skips the certificate flight, and "whether a
# client resumes is client-specific: state the assumption wherever overhead is shown".  The default
# is the conservative one -- every connection pays a full handshake, certificate chain included --
# so a learner switches resumption on to see what a client that keeps session tickets saves.  The
# octets of both handshakes are stated in ``sim.inputs.network.TlsAssumptions``.
TLS_RESUMPTION = False
