"""Our Chinese wording is what users see. Django merges catalogues with the
apps listed first in INSTALLED_APPS winning, so a msgid of ours that the
admin, DRF or another app listed before ours also translates shows *their*
wording ("Filter" became 过滤器 on the case search). Generic words take a
context (pgettext) instead; this test lists any new collision."""

import gettext
from pathlib import Path

from django.apps import apps
from django.conf import settings

OURS = {"core", "accounts", "policies", "cases", "reviews", "deadlines", "notifications", "letters", "prefilings",
        "corrections", "publication", "clarifications", "careers", "dashboard", "reports"}
# Theirs is as good as ours here.
ACCEPTED = {"This field is required."}


def _catalog(path: Path) -> dict:
    mo = path / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    return gettext.GNUTranslations(mo.open("rb"))._catalog if mo.exists() else {}


def test_no_other_app_overrides_our_wording():
    ours = {}
    for path in [Path(p) for p in settings.LOCALE_PATHS] + [Path(apps.get_app_config(a).path) / "locale"
                                                             for a in OURS]:
        ours.update(_catalog(path))
    assert ours, "our catalogues were not found"
    overridden = []
    for config in apps.get_app_configs():
        if config.label in OURS:
            continue
        for lang in ("zh_Hans", "zh_CN"):
            mo = Path(config.path) / "locale" / lang / "LC_MESSAGES" / "django.mo"
            if not mo.exists():
                continue
            for msgid, theirs in gettext.GNUTranslations(mo.open("rb"))._catalog.items():
                if msgid and msgid in ours and ours[msgid] != theirs and msgid not in ACCEPTED:
                    overridden.append(f"{config.label}: {msgid!r} shows {theirs!r}, not {ours[msgid]!r}")
    assert overridden == []


def test_case_search_filter_button_reads_as_ours(db, users, client):
    client.force_login(users["intake"])
    body = client.get("/cases/search/").content.decode()
    assert ">筛选<" in body and "过滤器" not in body


def test_catalogues_stay_valid_for_gettext():
    """A "#| msgctxt" with no "#| msgid" (left by clearing a fuzzy match's
    previous msgid only) makes msgmerge, and so makemessages, fail."""
    import polib

    catalogues = [Path(p) for p in settings.LOCALE_PATHS] + [Path(apps.get_app_config(a).path) / "locale"
                                                            for a in OURS]
    broken = []
    for root in catalogues:
        po_path = root / "zh_Hans" / "LC_MESSAGES" / "django.po"
        if po_path.exists():
            broken += [f"{po_path}: {e.msgid!r}" for e in polib.pofile(str(po_path))
                       if e.previous_msgctxt and not e.previous_msgid]
    assert broken == []
