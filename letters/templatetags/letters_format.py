"""Formats of the letters' fixed parts."""

import datetime as dt

from django import template

register = template.Library()


@register.filter
def arabic_date(value) -> str:
    """2026年12月1日 from a date or an ISO date string (GB/T 9704-2012
    §7.3.5.3 writes 成文日期 in Arabic numerals, without leading zeros);
    "" for anything else."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return ""
    if not isinstance(value, dt.date):
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def clause(value) -> str:
    """A quoted sentence without its closing punctuation, where the letter's
    own punctuation follows the quote (issue 22: “……谋取私利。”：符合。 printed
    two stops around the colon)."""
    return str(value or "").strip().rstrip("。；;，,.")
