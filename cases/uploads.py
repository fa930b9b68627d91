"""Evidence files: the type is decided from the content, never the name.

Accepted: PDF, JPEG/PNG/GIF/WebP/BMP/TIFF images, Word and WPS documents
(legacy OLE2 .doc/.wps and OOXML .docx), and OFD (the Chinese national
fixed-layout format, GB/T 33190: a ZIP whose root holds OFD.xml). Then the
content itself is opened and checked (cases.content_checks): no active PDF
content, no archive bomb, no image bomb, no macros, and a virus scan where
one is configured.
"""

import hashlib
import posixpath
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

import filetype
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import content_checks

PDF = "application/pdf"
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OFD = "application/ofd"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff"}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Extension stored for display and download names.
EXTENSIONS = {
    PDF: "pdf", DOC: "doc", DOCX: "docx", OFD: "ofd", "image/jpeg": "jpg", "image/png": "png",
    "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp", "image/tiff": "tif",
}
ACCEPTED_TYPES = tuple(EXTENSIONS)

UNSUPPORTED_TYPE = gettext_noop("The file “%(name)s” is not an accepted type. Accepted: PDF, images (JPEG, PNG), Word or WPS documents, OFD.")
EMPTY_FILE = gettext_noop("The file “%(name)s” is empty.")
TOO_MANY_FILES = gettext_noop("A case can have at most %(max)s files.")
FILE_TOO_LARGE = gettext_noop("The file “%(name)s” is larger than the limit of %(limit)s MB.")


class UploadRejected(Exception):
    pass


def sniff_content_type(head: bytes, fileobj) -> str | None:
    """The content type from the bytes, or None when not accepted."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(OLE2_MAGIC):
        # Word 97-2003 and WPS documents are OLE2 compound files.
        return DOC
    if head.startswith(b"PK\x03\x04"):
        fileobj.seek(0)
        try:
            with zipfile.ZipFile(fileobj) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            fileobj.seek(0)
        if "word/document.xml" in names:
            return DOCX
        if "OFD.xml" in names:
            return OFD
        return None
    kind = filetype.guess(head)
    if kind is not None and kind.mime in IMAGE_TYPES:
        return kind.mime
    return None


DEEP_CHECKS = {
    PDF: content_checks.check_pdf,
    DOC: content_checks.check_ole_document,
    DOCX: content_checks.check_zip,
    OFD: content_checks.check_zip,
    **dict.fromkeys(IMAGE_TYPES, content_checks.check_image),
}


def deep_check(content_type: str, fileobj, name: str) -> None:
    """The content checks for the sniffed type, then the virus scan."""
    DEEP_CHECKS[content_type](fileobj, name)
    content_checks.clamav_scan(fileobj, name)


# The stored name's limit (Attachment.original_name and its kin hold 255;
# a shorter name stays readable in lists and in the download's header).
NAME_LIMIT = 200
ELLIPSIS = "…"


def shorten_name(name: str, limit: int = NAME_LIMIT) -> str:
    """A name over ``limit`` characters cut in the middle, keeping its
    beginning (what the file is), its end and its extension (what opens it):
    "关于……的报告（第三稿）.pdf"."""
    name = posixpath.basename(name.replace("\\", "/")) or "file"
    if len(name) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        stem, ext = name, ""
    ext = f".{ext}" if ext else ""
    room = limit - len(ext) - len(ELLIPSIS)
    head = (room + 1) // 2
    return f"{stem[:head]}{ELLIPSIS}{stem[len(stem) - (room - head):]}{ext}"


def inspect_upload(uploaded, name: str | None = None) -> tuple[str, int, str]:
    """(content type, size, sha256) of an uploaded file, or UploadRejected."""
    name = name or shorten_name(getattr(uploaded, "name", "") or "file")
    uploaded.seek(0)
    head = uploaded.read(8192)
    if not head:
        raise UploadRejected(_(EMPTY_FILE) % {"name": name})
    content_type = sniff_content_type(head, uploaded)
    if content_type is None:
        raise UploadRejected(_(UNSUPPORTED_TYPE) % {"name": name})
    try:
        deep_check(content_type, uploaded, name)
    except content_checks.ContentRejected as exc:
        raise UploadRejected(str(exc)) from None
    uploaded.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded.chunks() if hasattr(uploaded, "chunks") else iter(lambda: uploaded.read(65536), b""):
        digest.update(chunk)
        size += len(chunk)
    uploaded.seek(0)
    return content_type, size, digest.hexdigest()


@dataclass(frozen=True)
class CheckedUpload:
    file: object
    name: str
    content_type: str
    size: int
    sha256: str


@contextmanager
def stored_upload(field_file, upload):
    """Write ``upload`` to storage for ``field_file`` (a FileField of an
    unsaved row; the name never comes from the user), then run the block
    that saves the row: if the block fails, the file is removed, so nothing
    of a refused upload stays on disk."""
    field_file.save("upload", upload, save=False)
    try:
        yield field_file
    except Exception:
        field_file.storage.delete(field_file.name)
        raise


def check_upload(file, *, field: str = "file", existing: int = 0, too_many=TOO_MANY_FILES) -> CheckedUpload:
    """Every check an upload passes before anything is stored, in one place
    (case evidence, pre-filing documents, verification records, correction
    reports): at most CASE_ATTACHMENT_MAX_COUNT files per record (``existing``
    already there), CASE_ATTACHMENT_MAX_BYTES each, an accepted type sniffed
    from the content. Raises ``ValidationError({field: message})``."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    name = shorten_name(getattr(file, "name", "") or "file")
    if existing >= settings.CASE_ATTACHMENT_MAX_COUNT:
        raise ValidationError({field: _(str(too_many)) % {"max": settings.CASE_ATTACHMENT_MAX_COUNT}})
    limit = settings.CASE_ATTACHMENT_MAX_BYTES
    if file.size > limit:
        raise ValidationError({field: _(FILE_TOO_LARGE) % {"name": name, "limit": limit // (1024 * 1024)}})
    try:
        content_type, size, sha = inspect_upload(file, name)
    except UploadRejected as exc:
        raise ValidationError({field: str(exc)}) from None
    return CheckedUpload(file, name, content_type, size, sha)


def attachment_download_name(attachment) -> str:
    """The uploaded name, with the extension of the type found in the
    content when the name says otherwise (a browser opens by extension)."""
    name = posixpath.basename(attachment.original_name.replace("\\", "/")) or "file"
    ext = EXTENSIONS.get(attachment.content_type)
    if not ext:
        return name
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    same = {ext, {"jpg": "jpeg", "tif": "tiff"}.get(ext, ext)}
    return name if suffix in same else f"{name}.{ext}"


def attachment_file_response(attachment):
    """The download of a stored case file, for the page and the API alike:
    never rendered by the browser as something else, never cached by a
    shared proxy (case files are personal data)."""
    from django.http import FileResponse, Http404

    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment_download_name(attachment),
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-SHA256"] = attachment.sha256
    return response
