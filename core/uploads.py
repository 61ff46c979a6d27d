"""Every file someone sends into a conversation (the messenger, the inbox composer, an
email's attachments) comes in through `prepare_upload`, which decides from the bytes alone
what the file is and whether Parley keeps it.

- Pictures that Pillow recognises are drawn again (core/images.py), as before.
- Anything else must be one of a few kinds recognised by their content: PDF, UTF-8 text or
  CSV, Word/Excel/PowerPoint (OOXML) and ZIP. The declared type and the name are never
  trusted; the name only gets the extension that matches the content, so the visitor's
  system opens the download with the right program ("run.bat" arrives as "run.bat.txt").
- HTML, SVG, programs, scripts and everything unknown are refused with an `UploadRefused`
  whose message is translated and fit to show the sender.

What is stored is then served from a random name, images inline and everything else as a
download, always with nosniff and a sandbox CSP (messenger/views.py::attachment)."""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.images import NotAnImage, picture_reencode

IMAGE_MAX_SIDE = 2048
FILENAME_MAX_LENGTH = 120
FALLBACK_FILENAME = "file"

PDF = "application/pdf"
TEXT = "text/plain"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ZIP = "application/zip"

# The whole allow-list: content type -> the extensions a name may keep (the first one is
# added when the name has none of them). Images are whatever Pillow wrote.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    PDF: (".pdf",),
    TEXT: (".txt", ".log"),
    CSV: (".csv",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    ZIP: (".zip",),
}

# For the file inputs' `accept`: a hint to the browser's picker, never a check.
ACCEPT = ",".join(
    ["image/png", "image/jpeg", "image/gif", "image/webp", PDF, TEXT, CSV, DOCX, XLSX, PPTX, ZIP]
    + [".txt", ".csv", ".docx", ".xlsx", ".pptx", ".zip"]
)

# The OOXML part that tells Word, Excel or PowerPoint what the package is.
_OOXML_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
_PROGRAM_SIGNATURES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal binaries (and Java classes)
    b"\x00asm",  # WebAssembly
)
# Markup a browser would render as a page or a picture with scripts, if it ever got the chance.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|object|embed|svg|math|meta|link|style|base|form|\?xml)\b",
    re.IGNORECASE,
)
# C0 controls other than tab, line feed, form feed and carriage return, and DEL: plain text
# has none, binary formats almost always do.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Removed from names: path separators, quotes, and what Windows refuses in a file name.
_NAME_FORBIDDEN = set('/\\"\'<>:|?*`')


class UploadRefused(ApplicationError):
    """The file is not kept. `message` is translated and says why, for the sender."""


@dataclass(frozen=True)
class PreparedFile:
    """A file Parley accepted: `data` is what is stored (re-encoded for images),
    `content_type` comes from the content, `filename` is safe to show and to send in a
    Content-Disposition header."""

    data: bytes
    content_type: str
    filename: str
    size: int
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def prepare_upload(*, data: bytes, filename: str, declared_type: str = "") -> PreparedFile:
    """What to store for a file someone sent, or UploadRefused saying why not.
    `declared_type` (the browser's or the email's Content-Type) only tells CSV from plain
    text; it never makes a file acceptable."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise UploadRefused(_("The file is empty."))
    name = safe_filename(filename)

    try:
        picture = picture_reencode(upload=io.BytesIO(data), max_side=IMAGE_MAX_SIDE)
    except NotAnImage:
        picture = None
    if picture is not None:
        return PreparedFile(
            data=picture.data, content_type=picture.content_type, size=len(picture.data),
            filename=_with_extension(name, picture.content_type, replace=True),
            width=picture.width, height=picture.height,
        )
    if data.startswith(_IMAGE_SIGNATURES) or (data.startswith(b"RIFF") and data[8:12] == b"WEBP"):
        # It says it is a picture, but Pillow could not draw it: truncated, a decompression
        # bomb, or something else wearing a picture's first bytes.
        raise UploadRefused(_("This file is damaged or could not be read."))

    content_type = _sniff(data, name=name, declared_type=declared_type)
    return PreparedFile(
        data=data, content_type=content_type, size=len(data), filename=_with_extension(name, content_type)
    )


def prepare_uploaded_file(upload: UploadedFile) -> PreparedFile:
    """prepare_upload for a file from a form; a file over the limit is refused from its
    declared size, before it is read into memory."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    upload.seek(0)
    data = upload.read(limit + 1)  # never more than the limit, whatever `size` claimed
    return prepare_upload(data=data, filename=upload.name or "", declared_type=upload.content_type or "")


def safe_filename(name: str) -> str:
    """A name fit to show, to store and to put in a header: its last path component, without
    control or invisible formatting characters (a right-to-left override can make
    "invoice‮fdp.exe" read as "invoiceexe.pdf"), quotes, separators or leading dots, and at
    most FILENAME_MAX_LENGTH characters with its extension kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        char for char in name
        if char not in _NAME_FORBIDDEN and unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp")
    )
    name = " ".join(name.split())  # tabs and runs of spaces become one space
    name = name.lstrip(". ").rstrip(". ")  # no hidden files, no "..", no Windows-stripped tails
    if not name:
        return FALLBACK_FILENAME
    return _truncate(name, FILENAME_MAX_LENGTH)


def extension_for(content_type: str) -> str:
    """The extension a stored file of this (accepted) type gets on disk."""
    return EXTENSIONS.get(content_type, (".bin",))[0]


def _too_large(limit: int) -> UploadRefused:
    return UploadRefused(_("The file is too large: %(limit)s at most.") % {"limit": filesizeformat(limit)})


def _sniff(data: bytes, *, name: str, declared_type: str) -> str:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    text = _as_text(data)
    if text is not None:
        if data.lstrip(b"\xef\xbb\xbf").startswith(b"#!"):
            raise UploadRefused(_("Programs and scripts can't be sent."))
        if _MARKUP.search(data):
            raise UploadRefused(_("Web pages, SVG and other markup files can't be sent."))
        is_csv = declared_type.split(";")[0].strip().lower() == CSV or name.lower().endswith(".csv")
        return CSV if is_csv else TEXT
    if data.startswith(_PROGRAM_SIGNATURES):
        raise UploadRefused(_("Programs and scripts can't be sent."))
    raise UploadRefused(
        _("This kind of file can't be sent. Send a picture, a PDF, a text or CSV file, "
          "a Word, Excel or PowerPoint file, or a ZIP archive.")
    )


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UploadRefused(_("This file is damaged or could not be read.")) from None
    lowered = {entry.lower() for entry in names}
    if "[content_types].xml" not in lowered:
        return ZIP
    if any(entry.endswith("vbaproject.bin") for entry in lowered):
        # Macros run code on the reader's machine; a .docm renamed .docx is still a .docm.
        raise UploadRefused(_("Office files with macros can't be sent."))
    for part, content_type in _OOXML_MAIN_PARTS.items():
        if part in lowered:
            return content_type
    return ZIP


def _as_text(data: bytes) -> str | None:
    """The text, if the bytes are UTF-8 without binary control characters."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _BINARY_CONTROLS.search(text) else text


def _with_extension(name: str, content_type: str, *, replace: bool = False) -> str:
    """The name with an extension that matches the content: kept when it already does,
    otherwise added (or, for re-encoded pictures, swapped for the new format's)."""
    allowed = EXTENSIONS.get(content_type, ())
    stem, extension = os.path.splitext(name)
    if not allowed or extension.lower() in allowed:
        return name
    if replace and stem:
        name = stem
    return _truncate(name, FILENAME_MAX_LENGTH - len(allowed[0])) + allowed[0]


def _truncate(name: str, length: int) -> str:
    if len(name) <= length:
        return name
    stem, extension = os.path.splitext(name)
    if len(extension) > 16:  # not a real extension, just a dot somewhere in a long name
        stem, extension = name, ""
    return stem[: max(length - len(extension), 1)].rstrip(". ") + extension


def stored_file_response(
    *, file: Any, content_type: str, filename: str, max_age: int, cross_origin: bool = False,
) -> FileResponse:
    """A kept upload, served so that it can never act as a page of this origin: pictures
    inline, everything else a download, nosniff and a sandbox CSP either way. `filename` is
    the sender's (safe) name, offered to the browser, never the random one it is stored under."""
    is_image = content_type.startswith("image/")
    served_type = content_type + ("; charset=utf-8" if content_type.startswith("text/") else "")
    # FileResponse writes Content-Disposition with Django's content_disposition_header:
    # filename="..." for plain ASCII names, RFC 5987 filename*=utf-8''... otherwise.
    response = FileResponse(file.open("rb"), content_type=served_type, as_attachment=not is_image, filename=filename)
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if cross_origin:  # shown inside the messenger's frame on customers' sites
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
