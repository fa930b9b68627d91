"""Evidence files: the type is decided from the content, never the name.

Accepted: PDF, JPEG/PNG/GIF/WebP/BMP/TIFF images, Word and WPS documents
(legacy OLE2 .doc/.wps and OOXML .docx), and OFD (the Chinese national
fixed-layout format, GB/T 33190: a ZIP whose root holds OFD.xml).
"""

import hashlib
import zipfile

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

UNSUPPORTED_TYPE = gettext_noop("The file “%(name)s” is not an accepted type. Accepted: PDF, images (JPEG, PNG), Word or WPS documents, OFD.")
EMPTY_FILE = gettext_noop("The file “%(name)s” is empty.")


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
