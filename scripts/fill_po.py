"""Fill a .po catalogue's msgstr from a JSON glossary and compile it.

    .venv/bin/python scripts/fill_po.py locale/zh_Hans

Run after ``makemessages``; the glossary (``glossary.json`` beside
LC_MESSAGES) is the source of the Chinese wording, so it survives
re-extraction. Prints the msgids still untranslated.
"""

import json
import sys
from pathlib import Path

import polib

root = Path(sys.argv[1])
# One project glossary (locale/zh_Hans/glossary.json) serves every catalogue;
# an app's own glossary.json, if any, adds to it.
project = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "glossary.json"
glossary = json.loads(project.read_text()) if project.exists() else {}
if (root / "glossary.json").exists() and (root / "glossary.json") != project:
    glossary.update(json.loads((root / "glossary.json").read_text()))
po_path = root / "LC_MESSAGES" / "django.po"
po = polib.pofile(str(po_path))
po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
missing = []
for entry in po:
    if entry.obsolete:
        continue
    if entry.msgid in glossary:
        value = glossary[entry.msgid]
        if entry.msgid_plural:
            entry.msgstr_plural = {0: value}
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    else:
        if "fuzzy" in entry.flags:
            # msgmerge's guess from a similar msgid: never trust it.
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {0: ""} if entry.msgid_plural else {}
            entry.previous_msgid = None
            entry.previous_msgctxt = None
        if not (entry.msgstr or any(entry.msgstr_plural.values())):
            missing.append(entry.msgid)
# Entries makemessages moved out (to an app's own catalogue) are dropped.
for entry in [e for e in po if e.obsolete]:
    po.remove(entry)
po.save(str(po_path))
po.save_as_mofile(str(po_path.with_suffix(".mo")))
for m in missing:
    print("untranslated:", repr(m))
