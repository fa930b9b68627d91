"""Stored files that no row refers to any more.

A file is written before its row is saved (the row needs the file's name).
``cases.uploads.stored_upload`` removes it when the save fails, but when a
later part of the same step fails and the transaction rolls back, the row is
gone and the file stays: an orphan, and often personal data. Django has no
hook on rollback, so a daily sweep removes stored files that no
``FileField`` of any model names, once they are older than a grace period
(a file being written now belongs to a transaction not yet committed).
"""

import datetime as dt
import logging

from django.apps import apps
from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)

# Long enough for any step's transaction, and for an operator to look at a
# file a failed step left behind before it goes.
GRACE = dt.timedelta(days=1)


def referenced_file_names() -> set[str]:
    """The names (relative to the storage root) every FileField of every
    installed model holds. Found from the models themselves, so that a new
    FileField is covered without anyone remembering this sweep."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and not field.many_to_many:
                values = model._base_manager.exclude(**{field.name: ""}).exclude(**{f"{field.name}__isnull": True})
                names.update(values.values_list(field.name, flat=True).iterator())
    return names


def _walk(storage, directory: str = ""):
    """Every file name under ``directory`` of ``storage``."""
    dirs, files = storage.listdir(directory)
    for name in files:
        yield f"{directory}/{name}" if directory else name
    for sub in dirs:
        yield from _walk(storage, f"{directory}/{sub}" if directory else sub)


def orphan_files_sweep(*, grace: dt.timedelta = GRACE, dry_run: bool = False) -> list[str]:
    """Remove (or, with ``dry_run``, list) the stored files that no row
    names and that are older than ``grace``. Returns their names. Safe to
    run twice, or while steps are running. Goes through the storage API, so
    it works on object storage as on the file system."""
    from django.core.files.storage import default_storage as storage

    try:
        names = list(_walk(storage))
    except FileNotFoundError:  # nothing stored yet
        return []
    # References after listing: a file saved meanwhile is younger than the
    # grace period, so it is never taken for an orphan.
    referenced = referenced_file_names()
    cutoff = timezone.now() - grace
    removed = []
    for name in names:
        if name in referenced:
            continue
        try:
            if storage.get_modified_time(name) > cutoff:
                continue
            if not dry_run:
                storage.delete(name)
        except FileNotFoundError:  # removed meanwhile (a second sweep)
            continue
        removed.append(name)
    if removed:
        logger.warning("%s %d stored file(s) no row refers to: %s", "found" if dry_run else "removed",
                       len(removed), ", ".join(sorted(removed)[:20]))
    return sorted(removed)
