"""Writing tables to CSV and Excel.

CSV is UTF-8 with a byte-order mark: without it Excel on Chinese Windows
reads the file as GBK and shows the names garbled. Excel files use
openpyxl's write-only mode, so memory stays flat for large lists; the case
export on PostgreSQL is written by the database itself (below).
"""

import codecs
import csv
import datetime as dt
import io
import queue
import re
import threading
import zipfile
from collections.abc import Callable, Iterable

from django.db import connections
from django.db.models import Expression, F, Q, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases.models import Outcome, Stage
from cases.selectors import case_search
from core.pagination import keyset_page, ordering_of

CASE_HEADERS = [
    gettext_noop("Case number"), gettext_noop("Title"), gettext_noop("Applicant"), gettext_noop("Unit"),
    gettext_noop("Jurisdiction"), gettext_noop("Stage"), gettext_noop("Outcome"), gettext_noop("Submitted on"),
    gettext_noop("Next due date"),
]
PROGRESS_EVERY = 500


def case_headers() -> list[str]:
    return [_(h) for h in CASE_HEADERS]


BATCH = 2000


EXPORT_FIELDS = ("id", "created_at", "number", "title", "applicant__full_name", "applicant__username", "unit__name",
                 "jurisdiction__name", "stage", "outcome", "submitted_at", "next_due")


def _batches(qs) -> Iterable:
    """The rows of ``qs`` in its order, a keyset page at a time
    (core.pagination): each batch is an index range read from where the
    last one stopped, whatever the size of the export, with no cursor or
    transaction held open between batches. Tuples, not model instances
    (a third of the time at a million rows); named, so that the keyset
    reads its columns (created_at, id) off them."""
    cursor = None
    rows = qs.values_list(*EXPORT_FIELDS, named=True)
    while True:
        page = keyset_page(rows, cursor=cursor, page_size=BATCH, count=False)
        yield from page.object_list
        if not page.has_next:
            return
        cursor = page.next_cursor


def case_rows(qs) -> Iterable[list]:
    stage_labels = {s.value: str(s.label) for s in Stage}
    outcome_labels = {o.value: str(o.label) for o in Outcome}
    tz = timezone.get_current_timezone()
    for (_id, _created, number, title, full_name, username, unit, jurisdiction, stage, outcome, submitted,
         next_due) in _batches(qs):
        yield [
            number, title, full_name or username, unit, jurisdiction, stage_labels.get(stage, stage),
            outcome_labels.get(outcome, outcome) if outcome else "",
            submitted.astimezone(tz).date().isoformat() if submitted else "",
            next_due.isoformat() if next_due else "",
        ]


FORMULA_START = ("=", "+", "-", "@")


def _cell(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    # A leading = + - @ would run as a formula in Excel (CSV injection).
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return "'" + value
    return value


def write_csv(out, tables: list[tuple[str, list[str], Iterable[list]]],
              progress: Callable[[int], None] | None = None) -> int:
    """``out``: a binary file. Several tables follow each other, each under
    its title when there is more than one."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    n = 0
    for i, (title, headers, rows) in enumerate(tables):
        if len(tables) > 1:
            if i:
                writer.writerow([])
            writer.writerow([title])
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            n += 1
            if progress and n % PROGRESS_EVERY == 0:
                progress(n)
    text.flush()
    text.detach()
    return n


def write_xlsx(out, tables: list[tuple[str, list[str], Iterable[list]]],
               progress: Callable[[int], None] | None = None) -> int:
    """One sheet per table."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    n = 0
    for i, (title, headers, rows) in enumerate(tables):
        # Sheet titles: at most 31 characters, none of []:*?/\
        safe = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31] or f"Sheet{i + 1}"
        ws = wb.create_sheet(title=safe)
        ws.append(list(headers))
        for row in rows:
            ws.append([_cell(v) for v in row])
            n += 1
            if progress and n % PROGRESS_EVERY == 0:
                progress(n)
    wb.save(out)
    return n


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def case_export_queryset(*, user, filters: dict):
    # Only the exported columns (and the keyset's): the case rows also hold
    # long texts (the matter, the search text) that an export never writes.
    # (case_rows reads EXPORT_FIELDS of it.)
    return case_search(user=user, filters=filters).select_related(None)



# --- The case export written by PostgreSQL ---------------------------------------------
#
# At a million cases the Python per row was the cost (issue 19: 129 s for
# CSV, 288 s for Excel through case_rows, the csv module and openpyxl). So
# PostgreSQL writes each row's text, the CSV line (the guard against
# formulas, quoted as the csv module quotes) or the sheet row's XML (inline
# strings: no shared-string table held in memory), and Python only joins a
# batch of them into the file. The rows still come in keyset batches
# (progress between them, nothing held open across them). case_rows with
# write_csv / write_xlsx stays the reference: the tests compare both
# outputs cell by cell, and other databases (SQLite for ``make run``) use it.

SQL_BATCH = 5000
# What makes the csv module quote a field (QUOTE_MINIMAL, lineterminator \r\n).
CSV_SPECIAL = (",", '"', "\r", "\n")
# Characters XML 1.0 forbids (openpyxl refuses them: ILLEGAL_CHARACTERS_RE)
# are dropped from Excel cells: as bytes from the encoded batch (no UTF-8
# sequence holds a byte below 0x80 but its own character); in SQL,
# translate() would cost PostgreSQL 9 µs a cell.
XML_ILLEGAL = bytes([*range(1, 9), 11, 12, *range(14, 32)])
# Stands for the row number in the cell references until Python writes the
# row: escaped text holds no "<".
ROW_SLOT = "<#>"
XML_SPACE = " \t\r\n"
COLUMNS = "ABCDEFGHI"
SHEET_MAX_ROWS = 1_048_576  # Excel's; further rows go on to the next sheet


class _Sql(Expression):
    """SQL text whose ``{name}`` slots are filled by expressions; a slot
    used twice repeats its SQL and parameters. The template holds no
    string literal: text constants are ``Value`` slots (parameters, nothing
    to quote)."""

    def __init__(self, template: str, **parts):
        super().__init__(output_field=TextField())
        self.template = template
        self.parts = {k: v if hasattr(v, "resolve_expression") else Value(v) for k, v in parts.items()}

    def get_source_expressions(self):
        return list(self.parts.values())

    def set_source_expressions(self, exprs):
        self.parts = dict(zip(self.parts, exprs, strict=True))

    def as_sql(self, compiler, connection):
        compiled = {k: compiler.compile(e) for k, e in self.parts.items()}
        params = []

        def fill(match):
            sql, p = compiled[match.group(1)]
            params.extend(p)
            return sql

        return re.sub(r"\{(\w+)\}", fill, self.template), params


def _text(name: str) -> Expression:
    return Cast(F(name), TextField())


def _formula_guard(v) -> Expression:
    """"'" before a value that would run as a formula (as _cell)."""
    # ascii(): the first character's code, no substring made.
    return _Sql("CASE WHEN ascii({v}) IN (" + ", ".join(str(ord(ch)) for ch in FORMULA_START) + ") THEN {q} ELSE {e} END",
                v=v, q="'", e="")


def _csv_literal(value: str) -> str:
    """``value`` as write_csv writes one field of it."""
    value = _cell(value)
    return '"' + value.replace('"', '""') + '"' if any(ch in value for ch in CSV_SPECIAL) else value


def _xml_escape(value: str) -> str:
    """For text and attribute values alike (the SQL escapes text only: no
    quotes there). A carriage return is a reference, as openpyxl writes it:
    raw, a parser would read it as a line feed."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\r", "&#13;"))


def _xlsx_literal(column: str, value: str, style: str = "") -> str:
    """``value`` as one cell of an inline string (empty: a cell without a
    value, as openpyxl writes it)."""
    value = _cell(value).translate(dict.fromkeys(XML_ILLEGAL))
    if not value:
        return f'<c r="{column}{ROW_SLOT}"{style}/>'
    space = ' xml:space="preserve"' if value != value.strip(XML_SPACE) else ""
    return f'<c r="{column}{ROW_SLOT}"{style} t="inlineStr"><is><t{space}>{_xml_escape(value)}</t></is></c>'


def _xlsx_field(column: str, v) -> Expression:
    """_xlsx_literal in SQL, for the text ``v`` (NULL: empty), with space
    kept at the ends whether there is any or not (testing for it costs
    PostgreSQL more than the bytes cost the compressor)."""
    # NULL || … is NULL: nullif makes an empty value the empty cell.
    return _Sql(
        "coalesce({open} || {p} || replace(replace(replace(nullif({v}, {e}), {amp}, {amp_e}), {lt}, {lt_e}),"
        " {gt}, {gt_e}) || {close}, {empty})",
        v=v, e="", empty=f'<c r="{column}{ROW_SLOT}"/>',
        open=f'<c r="{column}{ROW_SLOT}" t="inlineStr"><is><t xml:space="preserve">', p=_formula_guard(v),
        amp="&", amp_e="&amp;", lt="<", lt_e="&lt;", gt=">", gt_e="&gt;", close="</t></is></c>")


class _CsvCells:
    """How write_csv writes a field: the formula guard, quoted where the
    csv module quotes."""

    def field(self, i: int, v) -> Expression:
        # strpos, not a regular expression (~): a tenth of the cost per cell.
        return _Sql("CASE WHEN {v} IS NULL THEN {e} WHEN strpos({v}, {s0}) > 0 OR strpos({v}, {s1}) > 0"
                    " OR strpos({v}, {s2}) > 0 OR strpos({v}, {s3}) > 0"
                    " THEN {dq} || {p} || replace({v}, {dq}, {dq2}) || {dq} ELSE {p} || {v} END",
                    v=v, e="", dq='"', dq2='""', p=_formula_guard(v),
                    **{f"s{n}": ch for n, ch in enumerate(CSV_SPECIAL)})

    def literal(self, i: int, value: str) -> str:
        return _csv_literal(value)

    def plain(self, i: int, v) -> Expression:
        """Text that needs no quoting or guard (a date), NULL: empty."""
        return _Sql("coalesce({v}, {e})", v=v, e="")

    def row(self, cells: list) -> Expression:
        parts = {f"c{n}": c for n, c in enumerate(cells)}
        return _Sql(" || {sep} || ".join(f"{{c{n}}}" for n in range(len(cells))) + " || {end}",
                    sep=",", end="\r\n", **parts)


class _XlsxCells:
    """Cells of inline strings, as _xlsx_literal writes them."""

    def field(self, i: int, v) -> Expression:
        return _xlsx_field(COLUMNS[i], v)

    def literal(self, i: int, value: str) -> str:
        return _xlsx_literal(COLUMNS[i], value)

    def plain(self, i: int, v) -> Expression:
        # NULL || … is NULL: the empty cell.
        return _Sql("coalesce({open} || {v} || {close}, {empty})", v=v,
                    open=f'<c r="{COLUMNS[i]}{ROW_SLOT}" t="inlineStr"><is><t>', close="</t></is></c>",
                    empty=f'<c r="{COLUMNS[i]}{ROW_SLOT}"/>')

    def row(self, cells: list) -> Expression:
        parts = {f"c{n}": c for n, c in enumerate(cells)}
        return _Sql("{open} || " + " || ".join(f"{{c{n}}}" for n in range(len(cells))) + " || {close}",
                    open=f'<row r="{ROW_SLOT}">', close="</row>", **parts)


def _labelled(cells, i: int, v, labels: dict[str, str]) -> Expression:
    """A labelled column (stage, outcome): the label's text as prepared in
    Python, a value without a label as itself (as case_rows)."""
    parts, whens = {"v": v, "default": cells.field(i, v)}, []
    for n, (value, label) in enumerate(labels.items()):
        parts[f"k{n}"], parts[f"l{n}"] = value, cells.literal(i, label)
        whens.append(f"WHEN {{k{n}}} THEN {{l{n}}}")
    return _Sql("CASE {v} " + " ".join(whens) + " ELSE {default} END", **parts)


def _line_expression(fmt: str) -> Expression:
    """One row of the file, case_rows' nine columns, as PostgreSQL writes
    it. Each text cell refers to its column several times (NULL, quoting,
    guard): a column, never a computed value, so nothing is computed twice."""
    cells = _CsvCells() if fmt == "csv" else _XlsxCells()
    tz = timezone.get_current_timezone_name()
    full_name = _text("applicant__full_name")
    return cells.row([
        cells.field(0, _text("number")),
        cells.field(1, _text("title")),
        _Sql("CASE WHEN {full} = {e} THEN {user} ELSE {name} END", full=full_name, e="",
             user=cells.field(2, _text("applicant__username")), name=cells.field(2, full_name)),
        cells.field(3, _text("unit__name")),
        cells.field(4, _text("jurisdiction__name")),
        _labelled(cells, 5, _text("stage"), {s.value: str(s.label) for s in Stage}),
        # No outcome: an empty cell (not the label "Pending"), as case_rows.
        _labelled(cells, 6, _text("outcome"), {"": "", **{o.value: str(o.label) for o in Outcome if o.value}}),
        cells.plain(7, _Sql("to_char({v} AT TIME ZONE {tz}, {f})", v=F("submitted_at"), tz=tz, f="YYYY-MM-DD")),
        cells.plain(8, _Sql("to_char({v}, {f})", v=F("next_due"), f="YYYY-MM-DD")),
    ])


def _after(keys: list, values: list) -> Q:
    """Rows strictly after ``values`` in the order ``keys`` (columns
    without NULLs), with the bound on the leading column alone that the
    index scan starts from (as core.pagination's keyset)."""
    key, value = keys[0], values[0]
    strict = Q(**{f"{key.name}__{'lt' if key.desc else 'gt'}": value})
    if len(keys) == 1:
        return strict
    bound = Q(**{f"{key.name}__{'lte' if key.desc else 'gte'}": value})
    return (strict | (Q(**{key.name: value}) & _after(keys[1:], values[1:]))) & bound


def _line_batches(qs, fmt: str) -> Iterable[list[str]]:
    """The rows of ``qs`` as written lines, in its order, a keyset batch
    at a time. Only (id, line) come back per row: the order's keys are
    read for the last row of a batch alone (a timestamp costs psycopg's
    Python loader 9 µs, half of the rest of a row)."""
    keys = ordering_of(qs)
    if any(k.nulls_last is not None or qs.model._meta.get_field(k.name).null for k in keys):
        raise ValueError("the export's keyset needs an order on columns without NULLs")
    rows = (qs.annotate(export_line=_line_expression(fmt)).order_by(*[k.expression() for k in keys])
            .values_list("id", "export_line"))
    key_names = [k.name for k in keys]
    after = None
    while True:
        batch = list((rows if after is None else rows.filter(after))[:SQL_BATCH])
        yield [line for _id, line in batch]
        if len(batch) < SQL_BATCH:
            return
        last = qs.model._base_manager.filter(pk=batch[-1][0]).values_list(*key_names).get()
        after = _after(keys, list(last))


def write_cases_csv(out, qs, progress: Callable[[int], None] | None = None) -> int:
    """The case export as CSV, byte for byte what write_csv makes of
    case_rows(qs)."""
    out.write(codecs.BOM_UTF8)
    out.write((",".join(_csv_literal(h) for h in case_headers()) + "\r\n").encode())
    n = 0
    for lines in _line_batches(qs, "csv"):
        out.write("".join(lines).encode())
        n += len(lines)
        if progress and lines:
            progress(n)
    return n


XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "{sheets}</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        "<sheets>{sheets}</sheets></workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rIdStyles" Target="styles.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/>'
        "{sheets}</Relationships>"
    ),
    # Style 1: the header row, bold.
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
              'state="frozen"/></sheetView></sheetViews><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"
# Deflate's fastest level: the sheet XML is repetitive, level 1 packs it
# nearly as small as 6 at a third of the time.
XLSX_COMPRESSLEVEL = 1


def _sheet_title(title: str, i: int) -> str:
    # As write_xlsx: at most 31 characters, none of []:*?/\
    return "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31] or f"Sheet{i + 1}"


def _xml_bytes(text: str) -> bytes:
    """Sheet XML as written: what the SQL leaves to a whole batch (a pass
    over it costs less than a function per cell in PostgreSQL): carriage
    returns as references (the markup has none), the characters XML
    forbids dropped."""
    return text.replace("\r", "&#13;").encode().translate(None, XML_ILLEGAL)


class _SheetZip:
    """The workbook's zip, written by a thread of its own: deflating the
    sheet XML is most of the Python time of an Excel export, and zlib lets
    go of the GIL, so it runs while the next batch is read. At most two
    chunks wait (memory stays flat); the thread's error is raised here."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf, self.entry, self.error = zf, None, None
        self.queue = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._run, name="xlsx-deflate", daemon=True)
        self.thread.start()

    def _run(self):
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self._do(*item)
                except BaseException as exc:  # noqa: BLE001 (raised in the caller's thread)
                    self.error = exc

    def _do(self, name: str | None, data: bytes):
        if name is not None:
            if self.entry is not None:
                self.entry.close()
            self.entry = self.zf.open(name, "w") if name else None
        if data:
            self.entry.write(data)

    def _put(self, name, data):
        if self.error is not None:
            raise self.error
        self.queue.put((name, data))

    def open(self, name: str, data: bytes = b""):
        """Start the entry ``name`` (closing the one before)."""
        self._put(name, data)

    def write(self, data: bytes):
        self._put(None, data)

    def close(self):
        """Wait for the thread to write all it was given, close the entry
        (also after an error: the thread always ends)."""
        self.queue.put(("", b""))
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def write_cases_xlsx(out, qs, progress: Callable[[int], None] | None = None) -> int:
    """The case export as an Excel workbook whose cells hold what
    write_xlsx makes of case_rows(qs) (text; the header bold and frozen),
    each sheet's XML streamed into its zip entry batch by batch. Past
    Excel's row limit the rows go on in another sheet under the header."""
    header = "".join(_xlsx_literal(COLUMNS[i], h, ' s="1"') for i, h in enumerate(case_headers()))
    head = _xml_bytes(SHEET_HEAD + '<row r="1">' + header.replace(ROW_SLOT, "1") + "</row>")
    title = _sheet_title(_("Cases"), 0)
    titles = []
    n = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=XLSX_COMPRESSLEVEL) as zf:
        sheets = _SheetZip(zf)
        try:
            row = SHEET_MAX_ROWS
            for lines in _line_batches(qs, "xlsx"):
                chunk = []
                for line in lines:
                    if row == SHEET_MAX_ROWS:
                        if titles:
                            sheets.write(_xml_bytes("".join(chunk) + SHEET_TAIL))
                        chunk, row = [], 1
                        titles.append(title if not titles else f"{title[:25]} ({len(titles) + 1})")
                        sheets.open(f"xl/worksheets/sheet{len(titles)}.xml", head)
                    row += 1
                    chunk.append(line.replace(ROW_SLOT, str(row)))
                sheets.write(_xml_bytes("".join(chunk)))
                n += len(lines)
                if progress and lines:
                    progress(n)
            if not titles:  # no rows: the header alone
                titles.append(title)
                sheets.open("xl/worksheets/sheet1.xml", head)
            sheets.write(SHEET_TAIL.encode())
        finally:
            sheets.close()
        numbers = range(1, len(titles) + 1)
        lists = {
            "[Content_Types].xml": "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in numbers),
            "xl/workbook.xml": "".join(f'<sheet name="{_xml_escape(t)}" sheetId="{i}" r:id="rId{i}"/>'
                                       for i, t in zip(numbers, titles, strict=True)),
            "xl/_rels/workbook.xml.rels": "".join(
                f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
                for i in numbers),
        }
        for name, text in XLSX_PARTS.items():
            zf.writestr(name, text.replace("{sheets}", lists.get(name, "")))
    return n


def write_cases(out, fmt: str, qs, progress: Callable[[int], None] | None = None) -> int:
    """The case export of ``qs`` (case_export_queryset) in ``fmt``: written
    by PostgreSQL where the database is PostgreSQL, else by the reference
    writers (same cells)."""
    if connections[qs.db].vendor == "postgresql":
        return {"csv": write_cases_csv, "xlsx": write_cases_xlsx}[fmt](out, qs, progress)
    return WRITERS[fmt](out, [(_("Cases"), case_headers(), case_rows(qs))], progress)
