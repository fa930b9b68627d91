"""Exports of the case list and the dashboard tables: CSV with a BOM,
Excel through openpyxl, large lists through the worker, files only for
their owner."""

import io
import time

import pytest
from django.test import Client
from openpyxl import load_workbook

from cases.models import Case, Origin
from dashboard import services
from dashboard.models import Export

from .conftest import at

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_case_list_csv_with_bom(known, users):
    """The intake officer's filtered list comes as UTF-8 CSV with a BOM,
    Chinese intact, only his visible cases that match."""
    client = Client()
    client.force_login(users["intake"])
    response = client.post("/dashboard/export/cases/", {"format": "csv", "outcome": "exempt"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    # Personal data: kept out of shared and browser caches; the export is audited.
    assert "no-store" in response["Cache-Control"]
    from audit.models import AuditRecord

    assert AuditRecord.objects.filter(kind="export", actor=users["intake"]).count() == 1
    data = _body(response)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").strip().splitlines()
    assert lines[0].split(",")[:2] == ["案件编号", "标题"]
    assert len(lines) == 2 and "甲案" in lines[1] and "己案" not in data.decode("utf-8-sig")


def test_case_list_excel(known, users):
    """Excel: one sheet, a header row and a row per visible case."""
    client = Client()
    client.force_login(users["admin"])
    response = client.post("/dashboard/export/cases/", {"format": "xlsx"})
    wb = load_workbook(io.BytesIO(_body(response)), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 6
    assert {r[1] for r in rows[1:]} == {"甲案", "乙案", "丙案", "丁案", "戊案", "己案"}


def test_export_page_counts_matches(known, users):
    """The export page shows how many cases the filters select."""
    client = Client()
    client.force_login(users["intake"])
    html = client.get("/dashboard/export/cases/", {"stage": "ruled"}).content.decode()
    assert "符合筛选条件的案件共2件" in html


def test_dashboard_tables_export(known, users):
    """The dashboard tables go out as CSV sections and as one Excel sheet
    per table, with the same numbers."""
    client = Client()
    client.force_login(users["intake"])
    text = _body(client.post("/dashboard/export/", {"format": "csv"})).decode("utf-8-sig")
    assert "怀来县,3,1,1,1,33.3" in text
    wb = load_workbook(io.BytesIO(_body(client.post("/dashboard/export/", {"format": "xlsx"}))), read_only=True)
    assert len(wb.worksheets) == 8  # with the decisions beside the rulings (issue 17)
    client.force_login(users["applicant"])
    assert client.post("/dashboard/export/", {"format": "csv"}).status_code == 403


def test_csv_cells_cannot_run_as_formulas(world, users):
    """A title starting with = is written as text (CSV injection)."""
    from .conftest import make_case

    make_case(world, title="=HYPERLINK(\"x\")")
    client = Client()
    client.force_login(users["intake"])
    text = _body(client.post("/dashboard/export/cases/", {"format": "csv"})).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_large_export_goes_to_the_worker_and_only_its_owner_downloads(known, users, settings,
                                                                     django_capture_on_commit_callbacks):
    """Above the threshold an Export row is made and the task queued after
    commit; the progress partial polls until done; the file is the
    owner's alone."""
    settings.EXPORT_ASYNC_THRESHOLD = 2
    client = Client()
    client.force_login(users["intake"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/dashboard/export/cases/", {"format": "csv"})
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboard/exports/{export.pk}/"
    assert len(callbacks) == 1 and export.status == "pending"
    partial = client.get(f"/dashboard/exports/{export.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in partial
    assert services.export_run(export_id=export.pk) is True
    assert services.export_run(export_id=export.pk) is False  # a second run is a no-op
    export.refresh_from_db()
    assert export.status == "done" and export.total == 5 and export.progress == 100
    partial = client.get(f"/dashboard/exports/{export.pk}/progress/").content.decode()
    assert "hx-trigger" not in partial and f"/dashboard/exports/{export.pk}/download/" in partial
    data = _body(client.get(f"/dashboard/exports/{export.pk}/download/"))
    assert data.startswith(b"\xef\xbb\xbf") and len(data.decode("utf-8-sig").strip().splitlines()) == 6
    other = Client()
    other.force_login(users["supervisor"])
    assert other.get(f"/dashboard/exports/{export.pk}/download/").status_code == 404
    assert other.get(f"/dashboard/exports/{export.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_export_of_10000_cases_through_the_worker(world, users, celery_worker_proc):
    """10,000 cases, bulk-created, exported by the real worker: the file
    has a row per case and the progress reached 100."""
    user = users["applicant"]
    template = dict(origin=Origin.INDIVIDUAL, applicant=user, created_by=user, unit=user.org_unit,
                    jurisdiction=world["units"]["huailai"], policy_version=world["policy"], stage="submitted",
                    submitted_at=at(2))
    Case.objects.bulk_create(
        [Case(title=f"批量案件{n}", number=f"怀容〔2026〕第{n:05d}号", search_text=f"批量案件{n}", **template)
         for n in range(10_000)],
        batch_size=2000,
    )
    export = services.export_create(actor=users["admin"], kind=Export.Kind.CASES, fmt="csv", filters={})
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in ("done", "failed"):
            break
        time.sleep(0.5)
    assert export.status == "done", export.error
    assert export.total == 10_000 and export.progress == 100
    # The worker writes under the test settings' media root (this process
    # has a per-test one).
    from config.settings import test as worker_settings

    path = worker_settings.MEDIA_ROOT / export.file.name
    lines = path.read_bytes().decode("utf-8-sig").strip().splitlines()
    path.unlink()
    assert len(lines) == 10_001
    assert lines[0].split(",")[0] == "案件编号"
    assert {line.split(",")[1] for line in lines[1:]} == {f"批量案件{n}" for n in range(10_000)}


def test_export_files_are_removed_after_the_retention_period(known, users, settings,
                                                             django_capture_on_commit_callbacks):
    """A week after it was made, an export's file is deleted (personal
    data); the page says so and offers nothing to download; a newer export
    keeps its file; running the sweep twice is safe."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    from dashboard.tasks import export_expire_old_task

    settings.EXPORT_ASYNC_THRESHOLD = 2
    client = Client()
    client.force_login(users["intake"])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=False):
            client.post("/dashboard/export/cases/", {"format": "csv"})
    old, new = Export.objects.order_by("pk")
    for export in (old, new):
        services.export_run(export_id=export.pk)
    Export.objects.filter(pk=old.pk).update(finished_at=timezone.now() - services.EXPORT_RETENTION - dt.timedelta(hours=1))
    old.refresh_from_db()
    storage, old_name = old.file.storage, old.file.name
    assert storage.exists(old_name)

    with django_capture_on_commit_callbacks(execute=True):
        assert export_expire_old_task.apply().get() == 1
    assert services.export_expire_old() == 0
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == Export.Status.EXPIRED and not old.file and not storage.exists(old_name)
    assert new.status == Export.Status.DONE and storage.exists(new.file.name)
    page = client.get(f"/dashboard/exports/{old.pk}/").content.decode()
    assert "7" in page and "/download/" not in page and "已删除" in page
    assert client.get(f"/dashboard/exports/{old.pk}/download/").status_code == 404

    call_command("setup_periodic_tasks")
    assert PeriodicTask.objects.get(task="dashboard.export_expire_old").crontab.hour == "3"


# --- The case export written by PostgreSQL (issue 19) ----------------------------------

AWKWARD_TITLES = [
    "逗号,在中间", '引号"在中间"', "换行\n在中间", "回车\r换行", "=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)",
    " 前后空格 ", "\t制表符", "& < > 符号", "'单引号", "普通标题",
]


@pytest.fixture
def awkward(known, world):
    """The known cases and more whose titles are what breaks writers:
    separators, quotes, line breaks, formula starts, spaces at the ends,
    XML's special characters; an applicant without a full name (his user
    name is shown), a case without a due date or submission."""
    from .conftest import make_case

    for title in AWKWARD_TITLES:
        make_case(world, title=title, number=f"怀容〔2026〕第{len(title):04d}号")
    nameless = make_case(world, applicant="applicant2", title="无姓名申请人")
    type(nameless.applicant).objects.filter(pk=nameless.applicant_id).update(full_name="")
    Case.objects.filter(pk=nameless.pk).update(submitted_at=None)
    # The services write the search text; these rows were made directly.
    from django.db.models import F

    Case.objects.update(search_text=F("title"))
    return known


def _reference(fmt: str, qs) -> bytes:
    """The writers the export used before PostgreSQL wrote its rows."""
    from django.utils.translation import gettext as _

    from dashboard import exports

    out = io.BytesIO()
    exports.WRITERS[fmt](out, [(_("Cases"), exports.case_headers(), exports.case_rows(qs))])
    return out.getvalue()


def _sql_written(fmt: str, qs, progress=None) -> bytes:
    from dashboard import exports

    out = io.BytesIO()
    writer = exports.write_cases_csv if fmt == "csv" else exports.write_cases_xlsx
    writer(out, qs, progress)
    return out.getvalue()


def _skip_unless_postgresql():
    from tests.conftest import is_sqlite

    if is_sqlite():
        pytest.skip("the rows are written by PostgreSQL; SQLite uses the reference writers")


def _sheet_values(data: bytes) -> list[list[tuple]]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]


@pytest.mark.parametrize("user", ["admin", "intake", "applicant", "applicant2", "km_applicant"])
def test_sql_csv_is_byte_for_byte_the_reference(awkward, users, user):
    """Whoever exports (each sees his own cases: visibility unchanged), the
    CSV PostgreSQL writes is byte for byte what the csv module wrote:
    BOM, header, quoting, the formula guard, labels, dates, CRLF."""
    from dashboard import exports

    _skip_unless_postgresql()
    qs = exports.case_export_queryset(user=users[user], filters={})
    expected = _reference("csv", qs)
    assert _sql_written("csv", qs) == expected
    assert expected.count(b"\r\n") >= qs.count() + 1
    if user == "admin":
        text = expected.decode("utf-8-sig")
        assert '"逗号,在中间"' in text and "'=HYPERLINK" in text and '"换行\n在中间"' in text
    if user == "applicant2":  # his full name blanked: his user name stands in
        assert "applicant2" in expected.decode("utf-8-sig")


@pytest.mark.parametrize("user", ["admin", "intake", "applicant2"])
def test_sql_xlsx_has_the_reference_cells(awkward, users, user):
    """The streamed workbook opens in openpyxl (read-only) and holds the
    same cells as openpyxl's own workbook of the same rows, row for row."""
    from dashboard import exports

    _skip_unless_postgresql()
    qs = exports.case_export_queryset(user=users[user], filters={})
    expected = _sheet_values(_reference("xlsx", qs))
    got = _sheet_values(_sql_written("xlsx", qs))
    assert [len(s) for s in got] == [len(s) for s in expected]
    for got_row, expected_row in zip(got[0], expected[0], strict=True):
        assert got_row == expected_row
    assert len(got[0]) == 1 + qs.count()
    if user == "admin":
        titles = {row[1] for row in got[0][1:]}
        assert {" 前后空格 ", "& < > 符号", "'=HYPERLINK(\"x\")", "换行\n在中间"} <= titles
    # The header is bold (style 1 of the styles part).
    wb = load_workbook(io.BytesIO(_sql_written("xlsx", qs)))
    assert wb.worksheets[0]["A1"].font.b and not wb.worksheets[0]["A2"].font.b


def test_sql_xlsx_drops_characters_xml_forbids(world, users):
    """A control character in a title (which openpyxl refuses, failing the
    export) is dropped from the cell; the CSV keeps it."""
    from dashboard import exports

    from .conftest import make_case

    _skip_unless_postgresql()
    make_case(world, title="响\x07铃\x1f案")
    qs = exports.case_export_queryset(user=users["admin"], filters={})
    assert _sheet_values(_sql_written("xlsx", qs))[0][1][1] == "响铃案"
    assert "响\x07铃\x1f案" in _sql_written("csv", qs).decode("utf-8-sig")


def test_sql_export_batches_and_progress(awkward, users, monkeypatch):
    """Rows cross keyset batches without loss or repeat, in the list's
    order, progress is reported after each batch up to the total, and past
    the sheet's row limit the rows go on in a second sheet under the same
    header."""
    from dashboard import exports

    _skip_unless_postgresql()
    monkeypatch.setattr(exports, "SQL_BATCH", 4)
    monkeypatch.setattr(exports, "SHEET_MAX_ROWS", 6)  # header + 5 rows per sheet
    qs = exports.case_export_queryset(user=users["admin"], filters={})
    total = qs.count()
    seen = []
    assert _sql_written("csv", qs, seen.append) == _reference("csv", qs)
    assert seen == [*range(4, total, 4), total]
    sheets = _sheet_values(_sql_written("xlsx", qs))
    reference = _sheet_values(_reference("xlsx", qs))[0]
    assert [len(s) for s in sheets] == [6] * (total // 5) + ([1 + total % 5] if total % 5 else [])
    assert all(s[0] == reference[0] for s in sheets)
    assert [row for s in sheets for row in s[1:]] == reference[1:]
    wb = load_workbook(io.BytesIO(_sql_written("xlsx", qs)), read_only=True)
    assert wb.sheetnames[:2] == ["案件", "案件 (2)"]


def test_sql_export_keeps_the_filters(awkward, users):
    """Filters (outcome, search) narrow the rows as in the list."""
    from dashboard import exports

    _skip_unless_postgresql()
    for filters in ({"outcome": "exempt"}, {"q": "在中间"}, {"stage": "ruled"}):
        qs = exports.case_export_queryset(user=users["intake"], filters=filters)
        assert _sql_written("csv", qs) == _reference("csv", qs)
    text = _sql_written("csv", exports.case_export_queryset(user=users["intake"], filters={"q": "在中间"}))
    assert len(text.decode("utf-8-sig").strip().split("\r\n")) == 1 + 3
