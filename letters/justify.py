"""Inter-character justification of Chinese lines for WeasyPrint.

GB/T 9704-2012 §5.2.2 sets the body on a grid (28 characters a line) with
both edges flush. CSS ``text-align: justify`` does that in a browser by
spreading the extra width between CJK characters (CSS Text 3,
``text-justify: inter-character``), but WeasyPrint 70 only widens spaces
(``layout.inline.justify_line`` counts ``' '`` and NBSP), and Chinese text
has none: a line that ends early because a date is kept whole
(``rendering.keep_together``) or a closing mark may not start the next line
left its right edge ragged (issue 22).

This module teaches WeasyPrint the CJK opportunities: after each CJK
character except the last of a line, the justification spacing is added as
Pango letter spacing on that character. The text layer is unchanged (no
character is inserted), so ``pdftotext`` and copy-paste read the same words.

It replaces three functions of WeasyPrint's internals, so it is applied only
to the pinned major version (requirements.txt); another version leaves
WeasyPrint as it is and logs why — tests/letters/test_letter_layout.py then
fails on the ragged edge, which is the signal to port it.
"""

import logging
import re

logger = logging.getLogger(__name__)

SUPPORTED_MAJOR = "70"

# Every character but a space is an opportunity. CSS Text 3 §7.1 names the
# gaps between CJK characters; digits and Latin letters in a Chinese line are
# spread too, on purpose: poppler's pdftotext splits a line into words where
# its gaps differ, so a line whose CJK gaps were widened but whose digits were
# not ("〔2026〕") came out as "项 目 中 的 …". Uniform gaps read as one word.
_OPPORTUNITY = re.compile(r"[^\s\u00a0]")

# A line whose gaps would pass this (a fraction of the font size) keeps its
# natural spacing: poppler's pdftotext (and copy-paste in readers that guess
# words from gaps) reads a gap over 0.1 em (its minWordBreakSpace) as a word
# break, so a line of a 澄清说明 spaced 0.1 em came out one word per character
# ("案 件 编 号"). 0.09 em absorbs about two and a half characters of a
# 28-character line: a closing mark that may not start a line, a half-width
# digit run; a line short by more (a long date moved down whole) stays ragged.
MAX_SPACING_EM = 0.09

_applied = False


def _opportunities(text: str, last_on_line: bool) -> list[int]:
    """Indexes (in ``text``) of the characters after which space may be
    added: every character but a space, except the line's very last one."""
    idx = [m.start() for m in _OPPORTUNITY.finditer(text)]
    if last_on_line and idx:
        end = len(text.rstrip(" \u00a0"))
        if idx[-1] == end - 1:
            idx.pop()
    return idx


def apply() -> bool:
    """Patch WeasyPrint once per process; True when the patch is in place."""
    global _applied
    if _applied:
        return True
    import weasyprint
    from weasyprint import formatting_structure
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    if weasyprint.__version__.split(".")[0] != SUPPORTED_MAJOR:
        logger.warning(
            "letters.justify: WeasyPrint %s is not %s.x; Chinese lines stay ragged on the right",
            weasyprint.__version__, SUPPORTED_MAJOR)
        return False
    boxes = formatting_structure.boxes
    original_count = inline.count_expandable_spaces
    original_set_text = line_break.Layout.set_text

    def last_text_box(box):
        if isinstance(box, boxes.TextBox):
            return box
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            for child in reversed(box.children):
                if child.is_in_normal_flow():
                    found = last_text_box(child)
                    if found is not None:
                        return found
        return None

    def opportunity_count(box):
        if isinstance(box, boxes.TextBox):
            return len(_opportunities(box.text, getattr(box, "rc_last_on_line", False)))
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            return sum(opportunity_count(child) for child in box.children)
        return 0

    def count_expandable_spaces(box):
        if isinstance(box, boxes.TextBox):
            spread = len(_opportunities(box.text, getattr(box, "rc_last_on_line", False)))
            return original_count(box) + spread
        return original_count(box)

    def justify_line(context, line, extra_width):
        last = last_text_box(line)
        if last is not None:
            last.rc_last_on_line = True
        if nb := count_expandable_spaces(line):
            spacing = extra_width / nb
            if spacing > MAX_SPACING_EM * line.style["font_size"] and opportunity_count(line):
                return  # too loose to read as one line of words: left as set
            inline.add_word_spacing(context, line, spacing, 0)

    def set_text(self, text, justify=False):
        original_set_text(self, text, justify=justify)
        spacing = self.justification_spacing if justify else 0
        if not spacing:
            return
        idx = _opportunities(self.text, getattr(self, "rc_last_on_line", False))
        if not idx:
            return
        pango, ffi = line_break.pango, line_break.ffi
        attr_list = pango.pango_layout_get_attributes(self.layout)
        if attr_list == ffi.NULL:
            attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        letter_spacing = self.style["letter_spacing"]
        base = 0 if letter_spacing == "normal" else letter_spacing
        amount = int((base + spacing) * line_break.TO_UNITS)
        # One range over the text (all but a line's last character): Pango
        # spaces the graphemes inside it evenly. A range per character gave
        # uneven gaps at the ranges' edges, which pdftotext read as words.
        end = len(self.text[: idx[-1] + 1].encode("utf-8"))
        attr = pango.pango_attr_letter_spacing_new(amount)
        attr.start_index, attr.end_index = 0, end
        pango.pango_attr_list_change(attr_list, attr)
        pango.pango_layout_set_attributes(self.layout, attr_list)

    def add_word_spacing(context, box, justification_spacing, x_advance):
        result = original_add_word_spacing(context, box, justification_spacing, x_advance)
        # The layout drawn is the one made here: it must know it ends the line.
        if isinstance(box, boxes.TextBox) and getattr(box, "rc_last_on_line", False):
            layout = getattr(box, "pango_layout", None)
            if layout is not None:
                layout.rc_last_on_line = True
        return result

    original_add_word_spacing = inline.add_word_spacing
    inline.count_expandable_spaces = count_expandable_spaces
    inline.justify_line = justify_line
    inline.add_word_spacing = add_word_spacing
    line_break.Layout.set_text = set_text
    _applied = True
    return True
