"""The message model: sizes computed without rendering equal the rendered bytes, exactly."""

from __future__ import annotations

import email
from email import policy

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim.protocol.message import (
    Attachment,
    ByteKind,
    Filler,
    FillerKind,
    Message,
    synthesize,
)

attachments = st.lists(
    st.builds(
        Attachment,
        filename=st.sampled_from(["a.pdf", "photo.jpg", "notes.txt"]),
        size=st.integers(0, 5000),
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**40),
    text_size=st.one_of(st.just(0), st.integers(2, 6000)),
    atts=attachments,
    keywords=st.lists(st.sampled_from(["budget", "zebra", "invoice"]), max_size=3),
)
@example(seed=0, text_size=20, atts=[], keywords=["zebra"] * 3)  # one octet after the lead
def test_sizes_match_rendered_bytes(seed, text_size, atts, keywords):
    m = synthesize(seed=seed, text_size=text_size, attachments=atts, keywords=keywords)
    data = m.render()
    assert len(data) == m.size
    assert data[: m.header_size] == m.header_bytes()
    assert data[m.header_size :] == m.body_bytes()
    # body line count computed from structure equals the rendered one
    assert m.root.body_lines() == data[m.header_size :].count(b"\r\n")
    # regions tile the message and their split sums to the size
    assert sum(m.kind_sizes().values()) == m.size
    assert m.regions[0].start == 0 and m.regions[-1].end == m.size
    # a parse of the rendered bytes is the same tree
    again = Message.from_bytes(data)
    assert again.render() == data
    assert again.regions == m.regions


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), atts=attachments, lines=st.integers(0, 40))
def test_top_matches_rendered_lines(seed, atts, lines):
    m = synthesize(seed=seed, text_size=900, attachments=atts)
    data = m.render()
    header_lines = m.header_bytes().count(b"\r\n")
    pieces = data.split(b"\r\n")[:-1]
    expected = b"".join(p + b"\r\n" for p in pieces[: header_lines + lines])
    assert m.top(lines) == expected
    assert m.top_size(lines) == len(expected)


def test_email_package_reads_attachments_back():
    m = synthesize(
        seed=7,
        text_size=500,
        attachments=[Attachment("r.pdf", 3001, "application/pdf")],
        keywords=["budget"],
    )
    parsed = email.message_from_bytes(m.render(), policy=policy.default)
    assert parsed["Subject"] == "Hello"
    text, att = parsed.iter_parts()
    assert text.get_content().startswith("budget")
    assert att.get_filename() == "r.pdf"
    assert len(att.get_content()) == 3001


def test_kind_sizes_split_header_body_attachment():
    m = synthesize(seed=1, text_size=1000, attachments=[Attachment("x.bin", 300_000)])
    sizes = m.kind_sizes()
    assert sizes[ByteKind.HEADER] == m.header_size
    # base64 makes 300 000 octets into 400 000 characters in 76-character lines
    assert sizes[ByteKind.ATTACHMENT] == 400_000 + 2 * 5264 + m.part([2]).header_size
    assert sizes[ByteKind.BODY] == m.size - sizes[ByteKind.HEADER] - sizes[ByteKind.ATTACHMENT]
    # a slice counts only what it covers
    assert sum(m.kind_sizes(10, 100).values()) == 100


def test_part_paths_follow_imap_numbering():
    single = synthesize(seed=2, text_size=100)
    assert single.part([1]) is single.root  # part 1 of a non-multipart message is its body
    multi = synthesize(seed=2, text_size=100, attachments=[Attachment("a", 10)])
    assert multi.part([1]).content_type[:2] == ("text", "plain")
    assert multi.part([2]).is_attachment
    with pytest.raises(KeyError):
        multi.part([3])
    off = multi.offset_of(multi.part([2]))
    assert multi.render()[off:].startswith(b"Content-Type: application/octet-stream")


def test_dot_lines_counted_for_concrete_bytes():
    m = Message.from_bytes(b"Subject: x\r\n\r\n.one\r\ntwo\r\n..three\r\n")
    assert m.dot_lines == 2
    assert synthesize(seed=3, text_size=5000).dot_lines == 0


def test_from_bytes_keeps_odd_input_exact():
    for raw in [b"", b"no header at all", b"\r\nbody only\r\n", b"A: b\r\n\r\nx"]:
        assert Message.from_bytes(raw).render() == raw
        assert Message.from_bytes(raw).size == len(raw)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"kind": FillerKind.TEXT, "size": 1}, "size=1"),
        ({"kind": FillerKind.TEXT, "size": -5}, "size=-5"),
        ({"kind": FillerKind.BASE64, "decoded_size": -1}, "decoded_size=-1"),
    ],
)
def test_filler_rejects_bad_sizes_naming_them(kwargs, field):
    with pytest.raises(ValueError, match=field):
        Filler(**kwargs)


def test_synthesize_rejects_bad_text_size():
    with pytest.raises(ValueError, match="text_size=1: allowed 0 or >= 2"):
        synthesize(seed=1, text_size=1)


def test_render_is_deterministic_per_seed():
    a = synthesize(seed=11, text_size=3000, attachments=[Attachment("p", 900)])
    b = synthesize(seed=11, text_size=3000, attachments=[Attachment("p", 900)])
    c = synthesize(seed=12, text_size=3000, attachments=[Attachment("p", 900)])
    assert a.render() == b.render()
    assert a.size == c.size and a.render() != c.render()


@pytest.mark.parametrize("extra", [0, 1, 2, 3, 75])
def test_text_just_longer_than_its_keyword_line_renders_at_its_size(extra: int) -> None:
    """A body of the keyword line plus ``extra`` octets: one octet cannot be a line of its own,
    so it ends the keyword line as a full stop; the sizes, lines and closed forms agree."""
    from sim.model.sizes import _text_lines as fast_lines
    from sim.model.state import _text_lines as model_lines

    lead = "zebra zebra zebra"
    m = synthesize(seed=0, text_size=len(lead) + 2 + extra, keywords=["zebra"] * 3)
    data = m.render()
    body = data[m.header_size :]
    assert len(data) == m.size and body.startswith(lead.encode())
    assert m.root.body_lines() == body.count(b"\r\n") == model_lines(m.root)
    assert fast_lines(m.root.body_size, len(lead)) == body.count(b"\r\n")
    assert (body == (lead + ".\r\n").encode()) == (extra == 1)
