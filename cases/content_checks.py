"""What an accepted file may hold, checked with maintained parsers after its
type was sniffed (cases.uploads): a case file is opened by cadres and
inspectors on office machines, so nothing in it may run, unpack without
bound or crash the viewer.

* PDF (pikepdf, on qpdf): no JavaScript, no launch, import or submit
  actions, no automatic action that leaves the document, no embedded files,
  no XFA forms. A damaged or password-protected PDF cannot be checked and
  is refused.
* DOCX and OFD (zipfile): at most UPLOAD_ZIP_MAX_MEMBERS parts, at most
  UPLOAD_ZIP_MAX_BYTES unpacked (counted while unpacking, so a lying
  header does not help), no absolute or ``..`` path, no program inside, no
  Word macros (vbaProject.bin).
* Images (Pillow): at most UPLOAD_IMAGE_MAX_PIXELS (Pillow's
  decompression-bomb guard at that limit), and the file must decode.
* OLE2 (olefile): a Word or WPS document (a WordDocument stream), without
  macros; any other compound file (Excel, installers) is refused.
* When CLAMAV_URL is set, every file is scanned by clamd (INSTREAM); a scan
  that cannot run refuses the file (the rule is configured, so it holds).

Each check raises ``ContentRejected`` with the message for the user.
"""

import posixpath
import warnings
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

DAMAGED = gettext_noop(
    "The file “%(name)s” is damaged or protected by a password, so its content cannot be checked; it is not accepted."
)
PDF_ACTIVE = gettext_noop(
    "The PDF “%(name)s” contains active content (%(what)s), which is not accepted. Print it to a new PDF and "
    "upload that."
)
ZIP_TOO_MANY = gettext_noop("The file “%(name)s” has more than %(max)s parts inside; it is not accepted.")
ZIP_TOO_BIG = gettext_noop("The file “%(name)s” unpacks to more than %(limit)s MB; it is not accepted.")
ZIP_BAD_PATH = gettext_noop("The file “%(name)s” holds a part with an unsafe path (%(path)s); it is not accepted.")
ZIP_PROGRAM = gettext_noop("The file “%(name)s” holds a program (%(path)s); it is not accepted.")
MACROS = gettext_noop(
    "The document “%(name)s” contains macros, which are not accepted. Save it as a document without macros "
    "(.docx) and upload that."
)
IMAGE_TOO_LARGE = gettext_noop(
    "The image “%(name)s” is %(width)s × %(height)s pixels, more than the limit of %(limit)s million pixels."
)
NOT_WORD = gettext_noop("The file “%(name)s” is not a Word or WPS document.")
VIRUS_FOUND = gettext_noop("The file “%(name)s” was refused by the virus scan (%(signature)s).")
SCAN_UNAVAILABLE = gettext_noop(
    "The virus scan is unavailable, so the file “%(name)s” cannot be accepted now; try again later."
)

# Names of what a PDF may not do, as the user reads them.
PDF_ACTIONS = {
    "/JavaScript": "JavaScript", "/Launch": gettext_noop("launch"), "/ImportData": gettext_noop("data import"),
    "/SubmitForm": gettext_noop("form submission"), "/GoToE": gettext_noop("embedded document"),
    "/RichMediaExecute": gettext_noop("rich media"),
}
# Actions that leave the document: refused only where they run by
# themselves (on open, on a page or field event), not in a link a reader
# clicks.
PDF_AUTO_LEAVING = {"/URI", "/GoToR"}
PROGRAM_SUFFIXES = {
    "exe", "dll", "com", "scr", "bat", "cmd", "msi", "vbs", "vbe", "js", "jse", "wsf", "ps1", "sh", "jar", "elf",
    "so", "apk", "lnk", "hta", "cpl",
}
PROGRAM_MAGIC = (b"MZ", b"\x7fELF", b"#!")


class ContentRejected(Exception):
    pass


def _reject(message, **params):
    raise ContentRejected(_(message) % params)


# --- PDF -------------------------------------------------------------------


def check_pdf(fileobj, name: str) -> None:
    import pikepdf

    fileobj.seek(0)
    try:
        pdf = pikepdf.open(fileobj)
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, OSError):
        _reject(DAMAGED, name=name)
    try:
        with pdf:
            _check_pdf_document(pdf, name)
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, RecursionError):
        _reject(DAMAGED, name=name)  # a broken object deep inside
    fileobj.seek(0)


def _check_pdf_document(pdf, name: str) -> None:
    import pikepdf

    root = pdf.Root
    if "/Names" in root and isinstance(root.Names, pikepdf.Dictionary):
        if "/JavaScript" in root.Names:
            _reject(PDF_ACTIVE, name=name, what="JavaScript")
        if "/EmbeddedFiles" in root.Names:
            _reject(PDF_ACTIVE, name=name, what=_("embedded files"))
    if "/AcroForm" in root and isinstance(root.AcroForm, pikepdf.Dictionary) and "/XFA" in root.AcroForm:
        _reject(PDF_ACTIVE, name=name, what="XFA")
    for key in ("/OpenAction", "/AA"):
        if key in root:
            _check_auto_action(root[key], name)
    for obj in pdf.objects:
        _check_pdf_object(obj, name, depth=0)


# Direct objects nest (an annotation's action inside the annotation); the
# walk stops at this depth and at indirect references, which the loop over
# pdf.objects visits by themselves.
PDF_MAX_DEPTH = 32


def _check_pdf_object(obj, name: str, *, depth: int) -> None:
    import pikepdf

    if depth > PDF_MAX_DEPTH:
        _reject(DAMAGED, name=name)
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            if isinstance(item, (pikepdf.Dictionary, pikepdf.Array)) and not item.is_indirect:
                _check_pdf_object(item, name, depth=depth + 1)
        return
    if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        return
    if "/JS" in obj:
        _reject(PDF_ACTIVE, name=name, what="JavaScript")
    action = obj.get("/S")
    if isinstance(action, pikepdf.Name) and str(action) in PDF_ACTIONS:
        _reject(PDF_ACTIVE, name=name, what=_(PDF_ACTIONS[str(action)]))
    if "/AA" in obj:
        _check_auto_action(obj.AA, name)
    kind = obj.get("/Type")
    if kind == pikepdf.Name.EmbeddedFile or (kind == pikepdf.Name.Filespec and "/EF" in obj):
        _reject(PDF_ACTIVE, name=name, what=_("embedded files"))
    for key in obj.keys():
        value = obj[key]
        if isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) and not value.is_indirect:
            _check_pdf_object(value, name, depth=depth + 1)


def _check_auto_action(action, name: str) -> None:
    """An action run by itself (OpenAction, or each entry of an /AA
    dictionary): JavaScript and the like (refused everywhere anyway) and any
    action that leaves the document. A destination (open at page N) is fine."""
    import pikepdf

    if not isinstance(action, pikepdf.Dictionary):
        return  # a destination array: where to open
    kind = action.get("/S")
    if isinstance(kind, pikepdf.Name):
        if str(kind) in PDF_ACTIONS:
            _reject(PDF_ACTIVE, name=name, what=_(PDF_ACTIONS[str(kind)]))
        if str(kind) in PDF_AUTO_LEAVING:
            _reject(PDF_ACTIVE, name=name, what=_("automatic action %(action)s") % {"action": str(kind)[1:]})
        if "/Next" in action:
            nxt = action.Next
            for item in nxt if isinstance(nxt, pikepdf.Array) else [nxt]:
                _check_auto_action(item, name)
        return
    # An /AA dictionary: event name -> action.
    for event in action.keys():
        _check_auto_action(action[event], name)


# --- ZIP containers (DOCX, OFD) --------------------------------------------


def check_zip(fileobj, name: str) -> set[str]:
    """The container's member names, once every member passed; refuses a
    bomb, a path escaping the folder, a program or Word macros."""
    max_members = settings.UPLOAD_ZIP_MAX_MEMBERS
    max_bytes = settings.UPLOAD_ZIP_MAX_BYTES
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            infos = zf.infolist()
            if len(infos) > max_members:
                _reject(ZIP_TOO_MANY, name=name, max=max_members)
            for info in infos:
                _check_member_name(info.filename, name)
                if info.flag_bits & 0x1:
                    _reject(DAMAGED, name=name)  # an encrypted part cannot be checked
            if sum(i.file_size for i in infos) > max_bytes:
                _reject(ZIP_TOO_BIG, name=name, limit=max_bytes // (1024 * 1024))
            # The sizes in the headers can lie: count what really unpacks,
            # stopping at the limit (and zipfile checks each CRC).
            total = 0
            for info in infos:
                if info.is_dir():
                    continue
                with zf.open(info) as member:
                    head = member.read(4)
                    if head.startswith(PROGRAM_MAGIC):
                        _reject(ZIP_PROGRAM, name=name, path=info.filename[:100])
                    total += len(head)
                    while chunk := member.read(1 << 16):
                        total += len(chunk)
                        if total > max_bytes:
                            _reject(ZIP_TOO_BIG, name=name, limit=max_bytes // (1024 * 1024))
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        _reject(DAMAGED, name=name)
    finally:
        fileobj.seek(0)
    if any(posixpath.basename(n).lower() == "vbaproject.bin" for n in names):
        _reject(MACROS, name=name)
    return names


def _check_member_name(member: str, name: str) -> None:
    path = member.replace("\\", "/")
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or (len(parts[0]) >= 2 and parts[0][1] == ":"):
        _reject(ZIP_BAD_PATH, name=name, path=member[:100])
    suffix = path.rsplit(".", 1)[-1].lower() if "." in parts[-1] else ""
    if suffix in PROGRAM_SUFFIXES:
        _reject(ZIP_PROGRAM, name=name, path=member[:100])


# --- Images ----------------------------------------------------------------


def check_image(fileobj, name: str) -> None:
    from PIL import Image

    limit = settings.UPLOAD_IMAGE_MAX_PIXELS
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that;
            # either way the size is checked below against our own limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(fileobj) as img:
                width, height = img.size
                if width * height > limit:
                    _reject(IMAGE_TOO_LARGE, name=name, width=width, height=height, limit=limit // 1_000_000)
                img.verify()
    except Image.DecompressionBombError:
        _reject(IMAGE_TOO_LARGE, name=name, width="?", height="?", limit=limit // 1_000_000)
    except ContentRejected:
        raise
    except Exception:  # noqa: BLE001 - any decoder failure: the image is damaged
        _reject(DAMAGED, name=name)
    finally:
        fileobj.seek(0)


# --- OLE2 (.doc, .wps) -----------------------------------------------------


def check_ole_document(fileobj, name: str) -> None:
    import olefile

    fileobj.seek(0)
    try:
        ole = olefile.OleFileIO(fileobj)
    except Exception:  # noqa: BLE001 - olefile raises several kinds for a bad file
        _reject(DAMAGED, name=name)
    try:
        streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)}
    finally:
        ole.close()
        fileobj.seek(0)
    if "worddocument" not in streams:
        _reject(NOT_WORD, name=name)
    if any(s == "macros" or s.startswith("macros/") or "_vba_project" in s for s in streams):
        _reject(MACROS, name=name)


# --- ClamAV ----------------------------------------------------------------


def clamav_scan(fileobj, name: str) -> None:
    """Scan with clamd when CLAMAV_URL is set (``tcp://host:port`` or
    ``unix:///path``); nothing otherwise."""
    url = settings.CLAMAV_URL
    if not url:
        return
    import clamd

    timeout = settings.CLAMAV_TIMEOUT
    if url.startswith("unix://"):
        scanner = clamd.ClamdUnixSocket(path=url[len("unix://"):], timeout=timeout)
    else:
        host, _sep, port = url.removeprefix("tcp://").rpartition(":")
        scanner = clamd.ClamdNetworkSocket(host=host or "127.0.0.1", port=int(port), timeout=timeout)
    fileobj.seek(0)
    try:
        result = scanner.instream(fileobj)
    except (clamd.ClamdError, OSError):
        _reject(SCAN_UNAVAILABLE, name=name)
    finally:
        fileobj.seek(0)
    status, signature = (result or {}).get("stream", ("ERROR", None))
    if status == "FOUND":
        _reject(VIRUS_FOUND, name=name, signature=signature)
    if status != "OK":
        _reject(SCAN_UNAVAILABLE, name=name)
