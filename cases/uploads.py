"""Evidence files: the type is decided from the content, never the name.

Accepted: PDF, JPEG/PNG/GIF/WebP/BMP/TIFF images, Word and WPS documents
(legacy OLE2 .doc/.wps and OOXML .docx), and OFD (the Chinese national
fixed-layout format, GB/T 33190: a ZIP whose root holds OFD.xml).
"""

import hashlib
import posixpath
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

import filetype
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

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


def inspect_upload(uploaded) -> tuple[str, int, str]:
    """(content type, size, sha256) of an uploaded file, or UploadRejected."""
    name = getattr(uploaded, "name", "file")
    uploaded.seek(0)
    head = uploaded.read(8192)
    if not head:
        raise UploadRejected(_(EMPTY_FILE) % {"name": name})
    content_type = sniff_content_type(head, uploaded)
    if content_type is None:
        raise UploadRejected(_(UNSUPPORTED_TYPE) % {"name": name})
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

    name = (getattr(file, "name", "") or "file")[-200:]
    if existing >= settings.CASE_ATTACHMENT_MAX_COUNT:
        raise ValidationError({field: _(str(too_many)) % {"max": settings.CASE_ATTACHMENT_MAX_COUNT}})
    limit = settings.CASE_ATTACHMENT_MAX_BYTES
    if file.size > limit:
        raise ValidationError({field: _(FILE_TOO_LARGE) % {"name": name, "limit": limit // (1024 * 1024)}})
    try:
        content_type, size, sha = inspect_upload(file)
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
