"""CSV import of users and leads: upload (decoded once, UTF-8 or Shift_JIS), a column
mapping guessed from the headers in English or Japanese, then a task that upserts the rows
in batches.

Each batch is one transaction that also moves the import's checkpoint (`processed_rows`)
and its counts, under a lock on the import row. A retried or duplicated task therefore
resumes exactly where the last committed batch ended and never counts a row twice; the
upsert itself (by user ID, else by email, case-insensitively) means a batch that did run
twice would still create nobody twice."""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contacts.import_values import type_guess
from contacts.models import AttributeDefinition, ContactImport, ContactImportError, Segment
from core.exceptions import ApplicationError
from workspaces.models import Membership, Workspace

logger = logging.getLogger(__name__)

MAX_BYTES = getattr(settings, "CONTACT_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
MAX_COLUMNS = 200
SAMPLE_ROWS = 3

# The fields a column can fill besides custom attributes. The kind of import (users or
# leads) decides the role, so the role is never a column.
NAME, EMAIL, USER_ID, SIGNED_UP_AT, TAGS, COMPANY_ID, COMPANY_NAME = (
    "name", "email", "user_id", "signed_up_at", "tags", "company_id", "company_name",
)
STANDARD_FIELDS = (NAME, EMAIL, USER_ID, SIGNED_UP_AT, TAGS, COMPANY_ID, COMPANY_NAME)
CUSTOM, IGNORE = "custom", "ignore"

# Headers people write, compared after _header_key (NFKC, lower case, no spaces or
# punctuation). The export's own headers are added in every language (see _guess_table).
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    NAME: ("name", "fullname", "contactname", "customername", "名前", "氏名", "お名前", "名前フル",
           "顧客名", "会員名", "フルネーム"),
    EMAIL: ("email", "emailaddress", "mail", "mailaddress", "メール", "メールアドレス", "eメール",
            "eメールアドレス", "電子メール", "メアド"),
    USER_ID: ("userid", "externalid", "customerid", "memberid", "ユーザーid", "ユーザid", "会員id",
              "会員番号", "顧客id", "顧客番号"),
    SIGNED_UP_AT: ("signedup", "signedupat", "signupdate", "signedupdate", "registeredat", "登録日",
                   "登録日時", "会員登録日", "サインアップ日", "サインアップ日時"),
    TAGS: ("tags", "tag", "タグ"),
    COMPANY_ID: ("companyid", "会社id", "企業id", "法人id"),
    COMPANY_NAME: ("company", "companyname", "companies", "会社", "会社名", "企業", "企業名", "法人名",
                   "組織名"),
}


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-.:：・()（）]+", "", unicodedata.normalize("NFKC", header).lower())


def _guess_table() -> dict[str, str]:
    from contacts.exports import STANDARD_COLUMNS

    table = {_header_key(word): field for field, words in _HEADER_WORDS.items() for word in words}
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            for column in STANDARD_COLUMNS:
                # Columns the export writes but an import cannot set (last seen, browser…) are
                # ignored, so that re-importing an export does not invent attributes for them.
                table.setdefault(_header_key(str(column.label)), column.import_as or IGNORE)
    return table


# --- upload ----------------------------------------------------------------------------------


def csv_decode(raw: bytes) -> tuple[str, str]:
    """The file's text and its encoding. Excel writes UTF-8 with a BOM ("CSV UTF-8") or, in
    Japan, Shift_JIS (Microsoft's CP932 flavour, which has the extra characters)."""
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ApplicationError(_("This is an Excel workbook, not a CSV file. In Excel, choose Save As › "
                                 "CSV UTF-8, then upload that file."))
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = raw.decode("utf-16"), "utf-16"
    else:
        try:
            text, encoding = raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = raw.decode("cp932"), "shift_jis"
            except UnicodeDecodeError:
                raise ApplicationError(_("The file is neither UTF-8 nor Shift_JIS text. Save it as CSV UTF-8 "
                                         "and upload it again.")) from None
    if "\x00" in text:
        raise ApplicationError(_("This file is not a CSV file."))
    return text, encoding


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", "\t", ";")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def csv_records(text: str, *, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it, cells) for every record that is not blank,
    the header first. csv.Error propagates."""
    # Records, not lines: a quoted cell may hold line breaks and is still one spreadsheet row.
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if any(cell.strip() for cell in cells):
            yield number, cells


def _records_counted(text: str, *, delimiter: str) -> tuple[list[str], int, int]:
    """The header, how many data rows follow, and the widest row."""
    records = csv_records(text, delimiter=delimiter)
    try:
        first = next(records, None)
        if first is None:
            raise ApplicationError(_("The file is empty."))
        rows = 0
        for _number, _cells in records:
            rows += 1
    except csv.Error as exc:
        raise ApplicationError(_("The file cannot be read as CSV (%(reason)s).") % {"reason": exc}) from exc
    return [header.strip() for header in first[1]], rows, len(first[1])


def import_create(*, workspace: Workspace, actor: Membership, upload: UploadedFile, kind: str) -> ContactImport:
    """Check and keep an uploaded CSV; the mapping comes next. ApplicationError says what is
    wrong with a file that cannot be imported."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ApplicationError(_("The file is larger than %(limit)s; split it into smaller files.")
                               % {"limit": filesizeformat(MAX_BYTES)})
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ApplicationError(_("The file is larger than %(limit)s; split it into smaller files.")
                               % {"limit": filesizeformat(MAX_BYTES)})
    text, encoding = csv_decode(raw)
    delimiter = _delimiter(text)
    headers, rows, width = _records_counted(text, delimiter=delimiter)
    if width > MAX_COLUMNS:
        raise ApplicationError(_("The file has more than %(count)s columns.") % {"count": MAX_COLUMNS})
    if not rows:
        raise ApplicationError(_("The file has a header but no rows under it."))
    contact_import = ContactImport(
        workspace=workspace, created_by=actor, kind=kind, filename=(upload.name or "contacts.csv")[-255:],
        encoding=encoding, delimiter=delimiter, headers=headers, total_rows=rows,
    )
    # Kept as UTF-8 whatever it came in, so the worker reads it without guessing again.
    contact_import.file.save("upload.csv", ContentFile(text.encode("utf-8")), save=False)
    contact_import.save()
    logger.info("contact_import_uploaded", extra={"workspace_id": workspace.pk, "import_id": contact_import.pk,
                                                  "rows": rows, "encoding": encoding})
    return contact_import


def import_text(*, contact_import: ContactImport) -> str:
    with contact_import.file.open("rb") as stored:
        return stored.read().decode("utf-8")


# --- mapping ---------------------------------------------------------------------------------


@dataclass
class ColumnPreview:
    index: int
    header: str
    samples: list[str]
    guess: dict


def contact_attribute_definitions(*, workspace: Workspace) -> list[AttributeDefinition]:
    """The custom attributes of people a column can fill (archived ones are left out)."""
    return list(
        AttributeDefinition.objects.for_workspace(workspace)
        .filter(target=AttributeDefinition.Target.CONTACT, archived_at__isnull=True)
        .exclude(type=AttributeDefinition.Type.EVENT).order_by("key")
    )


def import_preview(*, contact_import: ContactImport) -> list[ColumnPreview]:
    """Each column with its first values and the guessed mapping."""
    text = import_text(contact_import=contact_import)
    records = csv_records(text, delimiter=contact_import.delimiter)
    next(records, None)
    samples: list[list[str]] = [[] for _header in contact_import.headers]
    for number, (_row, cells) in enumerate(records):
        for index, cell in enumerate(cells[: len(samples)]):
            if cell.strip() and len(samples[index]) < SAMPLE_ROWS:
                samples[index].append(cell.strip()[:80])
        if number > 200 or all(len(column) >= SAMPLE_ROWS for column in samples):
            break
    guesses = mapping_guess(
        headers=contact_import.headers, samples=samples, kind=contact_import.kind,
        definitions=contact_attribute_definitions(workspace=contact_import.workspace),
    )
    return [ColumnPreview(index=i, header=h, samples=samples[i], guess=guesses[i])
            for i, h in enumerate(contact_import.headers)]


def mapping_guess(*, headers: list[str], samples: list[list[str]], kind: str,
                  definitions: list[AttributeDefinition]) -> list[dict]:
    """A mapping entry per column: a standard field its header names (each used once), an
    existing custom attribute of the same name, or else a new attribute of the type its
    values suggest. Columns without a header are ignored."""
    table = _guess_table()
    existing = {_header_key(definition.key): definition.key for definition in definitions}
    taken: set[str] = set()
    guesses = []
    for index, header in enumerate(headers):
        key = _header_key(header)
        field = table.get(key)
        if field == USER_ID and kind == ContactImport.Kind.LEADS:
            field = None
        if field == IGNORE:
            guesses.append({"field": IGNORE})
        elif field and field not in taken:
            taken.add(field)
            guesses.append({"field": field})
        elif key in existing:
            guesses.append({"field": CUSTOM, "key": existing[key]})
        elif header.strip() and key not in table:
            guesses.append({"field": CUSTOM, "key": header.strip()[:190], "new": True,
                            "type": type_guess(samples[index] if index < len(samples) else [])})
        else:
            guesses.append({"field": IGNORE})
    return guesses


@transaction.atomic
def import_start(*, contact_import: ContactImport, mapping: list[dict]) -> ContactImport:
    """Save a validated mapping (import_forms.ImportMappingForm), declare the new custom
    attributes it names, and queue the import after the commit."""
    from contacts.tasks import import_run as import_run_task

    locked = ContactImport.objects.for_workspace(contact_import.workspace_id).select_for_update().get(
        pk=contact_import.pk)
    if locked.queued_at is not None:
        return locked  # a second submit of the same form starts nothing more
    stored = []
    for entry in mapping:
        if entry["field"] == CUSTOM and entry.get("new"):
            definition, _created = AttributeDefinition.objects.for_workspace(locked.workspace_id).get_or_create(
                target=AttributeDefinition.Target.CONTACT, key=entry["key"],
                defaults={"workspace_id": locked.workspace_id, "type": entry["type"]},
            )
            entry = {"field": CUSTOM, "key": definition.key}
        stored.append({k: v for k, v in entry.items() if k in ("field", "key")})
    locked.mapping, locked.queued_at = stored, timezone.now()
    locked.save(update_fields=["mapping", "queued_at", "updated_at"])
    transaction.on_commit(lambda: import_run_task.delay(locked.workspace_id, locked.pk))
    return locked


# --- the report --------------------------------------------------------------------------------


def import_errors(*, contact_import: ContactImport) -> Iterator[ContactImportError]:
    return (ContactImportError.objects.for_workspace(contact_import.workspace_id)
            .filter(contact_import=contact_import).order_by("row_number").iterator(chunk_size=2000))


def import_errors_first(*, contact_import: ContactImport, limit: int = 10) -> list[ContactImportError]:
    return list(ContactImportError.objects.for_workspace(contact_import.workspace_id)
                .filter(contact_import=contact_import).order_by("row_number")[:limit])


def recent_imports(*, workspace: Workspace, limit: int = 50) -> list[ContactImport]:
    return list(ContactImport.objects.for_workspace(workspace).select_related("created_by__user")[:limit])


def segments_of(workspace_id: int) -> list[int]:
    return list(Segment.objects.for_workspace(workspace_id).values_list("pk", flat=True))
