"""Formats of the letters' fixed parts."""

import datetime as dt
import re

from django import template

register = template.Library()

_DIGITS = "〇一二三四五六七八九"
# 二〇二六年十一月二十二日, as letters.snapshot.date_cn writes it (and as the
# snapshots of letters issued before issue 22 hold it).
_CHINESE_DATE = re.compile(r"([〇一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


def _small_number(text: str) -> int:
    """十一 → 11, 二十二 → 22, 九 → 9."""
    tens, _, ones = text.rpartition("十")
    if "十" not in text:
        return _DIGITS.index(text)
    return (_DIGITS.index(tens) if tens else 1) * 10 + (_DIGITS.index(ones) if ones else 0)


def _from_chinese(match) -> str:
    year = "".join(str(_DIGITS.index(d)) for d in match.group(1))
    return f"{int(year)}年{_small_number(match.group(2))}月{_small_number(match.group(3))}日"


@register.filter
def arabic_date(value) -> str:
    """2026年12月1日 (GB/T 9704-2012 §7.3.5.3 writes dates in Arabic
    numerals, without leading zeros) from a date, an ISO date string or a
    date in Chinese numerals (二〇二六年十二月一日: the ``…_cn`` keys of a
    letter's snapshot, so that every date of the body, whichever app wrote
    the key, prints the same way); "" for None or an empty string. Other
    text is returned as it is: the body never loses words."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if _CHINESE_DATE.fullmatch(value.strip()):
            return _CHINESE_DATE.sub(_from_chinese, value.strip())
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def clause(value) -> str:
    """A quoted sentence without its closing punctuation, where the letter's
    own punctuation follows the quote (issue 22: “……谋取私利。”：符合。 printed
    two stops around the colon)."""
    return str(value or "").strip().rstrip("。；;，,.")
