"""The prepared letter fonts and the glyph check."""

import pytest
from django.core.management import call_command

from letters import fonts


def test_prepare_fonts_is_idempotent_and_cuts_gb2312(capsys):
    """prepare_fonts leaves up-to-date faces alone; the cut face holds GB
    2312 but not 堃, the full face holds 堃, the Extension B face 𠮷, and
    none has 𰀀 (U+30000, Extension G)."""
    subset_path, full_path, _ = fonts.font_paths()
    before = (subset_path.stat().st_mtime_ns, full_path.stat().st_mtime_ns)
    call_command("prepare_fonts")
    assert "Letter fonts ready" in capsys.readouterr().out
    assert (subset_path.stat().st_mtime_ns, full_path.stat().st_mtime_ns) == before
    subset_points, full_points = fonts.coverage()
    assert {ord(c) for c in "怀来县纪律检查委员会〔〕号二〇"} <= subset_points
    assert ord("堃") not in subset_points and ord("堃") in full_points
    assert ord("𠮷") in full_points
    assert 0x30000 not in full_points
    assert len(fonts.gb2312_chars()) == 7445


def test_check_glyphs_names_every_missing_character():
    """The check passes text the faces cover (spaces and controls need no
    glyph) and names each character none has."""
    fonts.check_glyphs("李堃 同志：\n二〇二六年\t")
    with pytest.raises(fonts.MissingGlyphError) as missing:
        fonts.check_glyphs("𠮷野\U00030000")
    assert missing.value.chars == ["\U00030000"]
    assert "U+30000" in str(missing.value)
