"""Stored files no row refers to (a step that wrote a file and then rolled
back) are removed by the daily sweep once past the grace period; files rows
refer to, and young ones, stay."""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from cases import services as case_services
from cases.models import Attachment
from core.storage import orphan_files_sweep, referenced_file_names
from core.tasks import orphan_files_sweep_task
from tests.files import PDF_BYTES as PDF

pytestmark = pytest.mark.django_db



def _age(path: Path, days: float) -> None:
    old = time.time() - days * 86400
    os.utime(path, (old, old))


def _files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_a_rolled_back_steps_file_is_swept_once_old(users):
    case = case_services.case_create(actor=users["applicant"], title="校舍改造项目程序瑕疵申请容错")
    kept = case_services.attachment_add(case=case, actor=users["applicant"],
                                        file=SimpleUploadedFile("证据.pdf", PDF, content_type="application/pdf"))

    class StepFailed(Exception):
        pass

    # A step that stores a file, then fails further on: the row is rolled
    # back, the file is not.
    with pytest.raises(StepFailed), transaction.atomic():
        case_services.attachment_add(case=case, actor=users["applicant"],
                                     file=SimpleUploadedFile("会议纪要.pdf", PDF, content_type="application/pdf"))
        raise StepFailed
    assert Attachment.objects.filter(case=case).count() == 1
    orphan = (_files() - {kept.file.name}).pop()
    assert kept.file.name in referenced_file_names() and orphan not in referenced_file_names()

    # Young files are left alone (their step may not have committed yet).
    assert orphan_files_sweep() == []
    root = Path(settings.MEDIA_ROOT)
    for name in _files():
        _age(root / name, 2)
    assert orphan_files_sweep(dry_run=True) == [orphan] and orphan in _files()
    assert orphan_files_sweep_task.apply().get() == 1
    assert _files() == {kept.file.name}
    assert orphan_files_sweep() == []  # safe to run twice
    assert kept.file.open("rb").read() == PDF


def test_command_and_schedule(users, capsys):
    stray = Path(settings.MEDIA_ROOT) / "cases" / "0" / "stray.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(PDF)
    _age(stray, 0.5)
    call_command("sweep_orphan_files", "--dry-run")
    assert "would remove 0 file(s)" in capsys.readouterr().out
    call_command("sweep_orphan_files", "--grace-hours", "6")
    assert "cases/0/stray.pdf" in capsys.readouterr().out and not stray.exists()

    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks")
    row = PeriodicTask.objects.get(task="core.orphan_files_sweep")
    assert (row.crontab.minute, row.crontab.hour) == ("40", "3") and row.enabled
