"""Figure export: files exist, are valid PNG (slide size) and SVG, at least one per lesson."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from course.__main__ import main
from course.export import EXPORT_LESSONS, SLIDE_PIXELS, export_figures, parse_lessons

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def assert_valid_svg(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text and text.rstrip().endswith("</svg>")


def test_parse_lessons() -> None:
    assert parse_lessons("") == EXPORT_LESSONS
    assert parse_lessons("3,1,3") == (3, 1)
    with pytest.raises(ValueError, match=r"outside the allowed range 0\.\.11"):
        parse_lessons("12")
    with pytest.raises(ValueError, match="not a lesson number"):
        parse_lessons("x")


def test_export_lesson_11_writes_slide_sized_png_and_svg(tmp_path: Path) -> None:
    paths = list(export_figures(tmp_path, lessons=[11], dpi=160))
    pngs = [p for p in paths if p.suffix == ".png"]
    svgs = [p for p in paths if p.suffix == ".svg"]
    assert pngs and len(pngs) == len(svgs)
    for p in pngs:
        assert png_size(p) == SLIDE_PIXELS
    for s in svgs:
        assert_valid_svg(s)


def test_export_rejects_bad_dpi(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dpi: 10 is outside"):
        list(export_figures(tmp_path, lessons=[11], dpi=10))


def test_cli_bad_lessons_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["figures", "--out", str(tmp_path), "--lessons", "13"]) == 2
    assert "outside the allowed range" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_cli_exports_every_lesson(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--out", str(tmp_path), "--dpi", "150"]) == 0
    written = [Path(line) for line in capsys.readouterr().out.split()]
    for n in EXPORT_LESSONS:
        mine = [p for p in written if p.name.startswith(f"lesson_{n:02d}_")]
        assert any(p.suffix == ".png" for p in mine), f"no PNG for lesson {n}"
        assert any(p.suffix == ".svg" for p in mine), f"no SVG for lesson {n}"
    for p in written:
        if p.suffix == ".txt":  # the caption, also drawn on the figure
            caption = p.read_text(encoding="utf-8")
            assert caption.startswith("Lesson ") and len(caption) > 80
            svg = p.with_suffix(".svg").read_text(encoding="utf-8")
            assert caption.split(",")[0] in svg  # "Lesson N" is on the slide itself
            if "simulated trace" in caption:  # a model run: it names its scenario and seed
                assert "preset" in caption and "seed" in caption
            continue
        assert p.exists() and p.stat().st_size > 1000
        if p.suffix == ".png":
            assert png_size(p) == SLIDE_PIXELS
        else:
            assert_valid_svg(p)
    assert sum(p.suffix == ".txt" for p in written) == sum(p.suffix == ".png" for p in written)


def test_captions_name_the_server_texts_of_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A caption says whose texts the simulated server sent (they set each session's fixed
    octets), read from the run's preset: Dovecot 2.3's by default, the RFCs' when the preset
    says so."""
    import dataclasses

    from course.dashboards import make
    from sim.inputs import presets
    from sim.inputs.scenario import ServerProfileName
    from sim.protocol.profiles import DOVECOT, RFC

    board = make(3)
    assert f"Server texts: {DOVECOT.description}." in board.caption()
    family = presets.PRESETS["family"]
    monkeypatch.setitem(
        presets.PRESETS,
        "family",
        lambda: dataclasses.replace(family(), server_profile=ServerProfileName.RFC),
    )
    assert f"Server texts: {RFC.description}." in board.caption()
