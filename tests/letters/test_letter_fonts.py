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


def test_cut_faces_keep_each_characters_outline_with_common_characters_first():
    """The cut faces are reordered (common characters first) and lose their
    vertical metrics; every character must still draw the source's outline,
    composites included (É is built from E and an accent)."""
    from fontTools.ttLib import TTCollection, TTFont

    subset_path, _, hei_path = fonts.font_paths()
    cut = TTFont(str(subset_path))
    source = TTCollection(str(fonts.source_font())).fonts[fonts.SOURCE_FACE]
    cut_cmap, source_cmap = cut.getBestCmap(), source.getBestCmap()
    cut_glyf, source_glyf = cut["glyf"], source["glyf"]
    for char in "的张伟，。〔〕怀瑕疵AÉ—":
        cut_name, source_name = cut_cmap[ord(char)], source_cmap[ord(char)]
        # Coordinates with composites resolved, end points, on-curve flags.
        cut_coords, cut_ends, cut_flags = cut_glyf[cut_name].getCoordinates(cut_glyf)
        source_coords, source_ends, source_flags = source_glyf[source_name].getCoordinates(source_glyf)
        assert (list(cut_coords), cut_ends, list(cut_flags)) == (list(source_coords), source_ends, list(source_flags)), char
        assert cut["hmtx"][cut_name][0] == source["hmtx"][source_name][0], char

    order = cut.getGlyphOrder()
    gid = {char: order.index(cut_cmap[ord(char)]) for char in "，的张瑕"}
    # Punctuation, then GB 2312 level 1 (的, 张), then level 2 (瑕).
    assert gid["，"] < gid["的"] < gid["瑕"] and gid["张"] < gid["瑕"]
    for path in (subset_path, hei_path):
        if path is not None:
            assert "vmtx" not in TTFont(str(path))


def test_body_is_set_in_the_fang_face_which_covers_gb2312(tmp_path):
    """Issue 22: the body in 仿宋 (FandolFang, taken out of
    texlive-lang-chinese by ensure_fonts.sh / ensure_services.sh). Its cut
    face holds all 6,763 hanzi of GB 2312, and a paragraph of a letter is
    embedded in it; a name outside GB 2312 (堃) still comes from the song
    fallback."""
    from fontTools.ttLib import TTFont

    from letters import rendering

    from .conftest import pdf_fonts

    assert fonts.fang_source() is not None, "FandolFang missing: run scripts/ensure_fonts.sh"
    cmap = TTFont(str(fonts.fang_path()), lazy=True).getBestCmap()
    hanzi = [c for c in fonts.gb2312_chars() if c.encode("gb2312")[0] >= 0xB0]
    assert len(hanzi) == 6763
    assert all(ord(c) in cmap for c in hanzi)
    assert ord("堃") not in cmap
    pdf = tmp_path / "body.pdf"
    pdf.write_bytes(rendering.render_pdf_from_html("<html><body><p>经调查核实，李堃同志所述属实。</p></body></html>"))
    names = [row["name"].split("+")[-1] for row in pdf_fonts(pdf)]
    assert "RC-Fang-GB" in names and any(n.startswith("RC-Song-Full") for n in names), names
