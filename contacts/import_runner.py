"""Running a contact import: the rows of the stored CSV, batch by batch, upserted with a
handful of queries per batch whatever its size (one lookup by user ID, one by email, one
INSERT, one UPDATE, one INSERT each for tags, companies and row errors).

Matching follows the messenger's identify (services.contact_for_identity): the user ID
first, else the email ignoring case, never folding a row with one user ID into a contact
that already has another. Empty cells leave a contact's values as they are."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contacts import import_values as values
from contacts.import_values import CellError
from contacts.imports import (
    COMPANY_ID, COMPANY_NAME, CUSTOM, EMAIL, IGNORE, NAME, SIGNED_UP_AT, TAGS, USER_ID, csv_records, import_text,
    segments_of,
)
from contacts.models import AttributeDefinition, Company, Contact, ContactImport, ContactImportError

logger = logging.getLogger(__name__)

BATCH_SIZE = getattr(settings, "CONTACT_IMPORT_BATCH_SIZE", 1000)
REASON_MAX_LENGTH = 500
# What an update may change, with the type of each column for the VALUES list.
UPDATED_COLUMNS = (("role", "text"), ("external_id", "text"), ("email", "text"), ("name", "text"),
                   ("name_is_generated", "boolean"), ("signed_up_at", "timestamptz"), ("attributes", "jsonb"),
                   ("updated_at", "timestamptz"))


@dataclass
class ImportRow:
    number: int
    cells: list[str]
    user_id: str = ""
    email: str = ""
    name: str = ""
    signed_up_at: dt.datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    company_id: str = ""
    company_name: str = ""


class ImportPlan:
    """The confirmed mapping made executable for one run: which cell fills what, with the
    attribute definitions and the workspace's time zone read once."""

    def __init__(self, contact_import: ContactImport) -> None:
        workspace = contact_import.workspace
        self.workspace = workspace
        self.workspace_id = workspace.pk
        self.kind = contact_import.kind
        self.tz = workspace.tzinfo
        self.headers = contact_import.headers
        keys = [entry["key"] for entry in contact_import.mapping if entry["field"] == CUSTOM]
        definitions = {
            definition.key: definition
            for definition in AttributeDefinition.objects.for_workspace(workspace).filter(
                target=AttributeDefinition.Target.CONTACT, key__in=keys)
        }
        self.columns: list[tuple[int, str, AttributeDefinition | None]] = []
        for index, entry in enumerate(contact_import.mapping):
            if entry["field"] == IGNORE:
                continue
            definition = definitions.get(entry.get("key", "")) if entry["field"] == CUSTOM else None
            if entry["field"] == CUSTOM and definition is None:
                continue  # deleted since the mapping was confirmed
            self.columns.append((index, entry["field"], definition))
        self._tag_ids: dict[str, int] = {}
        self._company_ids: dict[tuple[str, str], int] = {}

    def _header(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return header or _("Column %(number)s") % {"number": index + 1}

    def row(self, number: int, cells: list[str]) -> ImportRow:
        """The row's typed values; CellError naming every cell that does not fit."""
        row = ImportRow(number=number, cells=cells)
        problems = []
        for index, target, definition in self.columns:
            cell = cells[index] if index < len(cells) else ""
            if not cell.strip():
                continue
            try:
                if target == EMAIL:
                    row.email = values.email_cell(cell)
                elif target == USER_ID:
                    row.user_id = values.user_id_cell(cell)
                elif target == NAME:
                    row.name = " ".join(values.text_cell(cell).split())[: values.NAME_MAX_LENGTH]
                elif target == SIGNED_UP_AT:
                    row.signed_up_at = values.datetime_cell(cell, tz=self.tz)
                elif target == TAGS:
                    row.tags = values.tag_names(cell)
                elif target == COMPANY_ID:
                    row.company_id = cell.strip()[:255]
                elif target == COMPANY_NAME:
                    row.company_name = " ".join(values.text_cell(cell).split())[:255]
                elif definition is not None:
                    row.attributes[definition.key] = values.attribute_cell(cell, definition=definition, tz=self.tz)
            except CellError as exc:
                problems.append(f"{self._header(index)}: {exc.message}")
        if problems:
            raise CellError("; ".join(problems))
        if self.kind == ContactImport.Kind.LEADS and not row.email:
            raise CellError(_("The row has no email."))
        if not row.user_id and not row.email:
            raise CellError(_("The row has neither a user ID nor an email."))
        return row

    def tag_id(self, name: str) -> int:
        from workspaces.services import tag_for_name

        key = name.lower()
        if key not in self._tag_ids:
            self._tag_ids[key] = tag_for_name(workspace_id=self.workspace_id, name=name).pk
        return self._tag_ids[key]

    @staticmethod
    def company_key(row: ImportRow) -> tuple[str, str]:
        return (row.company_id, "") if row.company_id else ("", row.company_name.lower())

    def companies_resolve(self, rows: list[ImportRow]) -> dict[tuple[str, str], int]:
        """The companies the rows name, by company ID, else by name, read and created in
        bulk (a company named only by its name gets the name as its ID). A row naming a
        known company ID with another name renames it, once per run."""
        named: dict[tuple[str, str], str] = {}
        for row in rows:
            if (row.company_id or row.company_name) and not named.get(self.company_key(row)):
                named[self.company_key(row)] = row.company_name
        wanted = {key: name for key, name in named.items() if key not in self._company_ids}
        if not wanted:
            return self._company_ids
        companies = Company.objects.for_workspace(self.workspace_id)
        by_id = {key[0] for key in wanted if key[0]}
        by_name = {key[1] for key in wanted if not key[0]}
        renames = []
        for pk, company_id, name in companies.filter(company_id__in=by_id).values_list("pk", "company_id", "name"):
            self._company_ids[(company_id, "")] = pk
            if wanted[(company_id, "")] and wanted[(company_id, "")] != name:
                renames.append((pk, wanted[(company_id, "")]))
        if by_name:
            for pk, name in (companies.annotate(name_key=Lower("name")).filter(name_key__in=by_name)
                             .order_by("-id").values_list("pk", "name_key")):
                self._company_ids[("", name)] = pk  # the oldest of equal names wins, as it is set last
        for pk, name in renames:
            companies.filter(pk=pk).update(name=name, updated_at=timezone.now())
        missing = {key: name for key, name in wanted.items() if key not in self._company_ids}
        if missing:
            Company.objects.bulk_create(
                [Company(workspace_id=self.workspace_id, company_id=(key[0] or name)[:255], name=name)
                 for key, name in missing.items()],
                ignore_conflicts=True,  # made meanwhile by the messenger, or a name equal to an ID
            )
            made = dict(companies.filter(company_id__in=[key[0] or name for key, name in missing.items()])
                        .values_list("company_id", "pk"))
            for key, name in missing.items():
                self._company_ids[key] = made[(key[0] or name)[:255]]
        return self._company_ids


# --- one batch ---------------------------------------------------------------------------------


class _Matches:
    """The batch's contacts by user ID and by email, kept current as rows create and change
    contacts, so a person named twice in one batch is one contact."""

    def __init__(self, workspace_id: int, rows: list[ImportRow]) -> None:
        # Only what matching and the UPDATE read: the other columns stay unloaded.
        contacts = Contact.objects.for_workspace(workspace_id).only(
            "workspace_id", *(name for name, _type in UPDATED_COLUMNS))
        user_ids = {row.user_id for row in rows if row.user_id}
        emails = {row.email.lower() for row in rows if row.email}
        self.by_user_id: dict[str, Contact] = (
            {c.external_id: c for c in contacts.filter(external_id__in=user_ids)} if user_ids else {})
        self.by_email: dict[str, list[Contact]] = defaultdict(list)
        if emails:
            # Users before leads, then the oldest, as the inbox picks a sender's contact.
            candidates = (contacts.filter(merged_into__isnull=True).annotate(email_key=Lower("email"))
                          .filter(email_key__in=emails)
                          .order_by(Case(When(role=Contact.Role.USER, then=Value(0)), default=Value(1),
                                         output_field=IntegerField()), "id"))
            # One Python object per contact, whichever lookup found it, so that two rows
            # changing the same person in one batch both land in the one UPDATE.
            loaded = {contact.pk: contact for contact in self.by_user_id.values()}
            for contact in candidates:
                self.by_email[contact.email_key].append(loaded.setdefault(contact.pk, contact))

    def find(self, row: ImportRow) -> Contact | None:
        if row.user_id and row.user_id in self.by_user_id:
            return self.by_user_id[row.user_id]
        for contact in self.by_email.get(row.email.lower(), []) if row.email else []:
            if not row.user_id or not contact.external_id:
                return contact
        return None

    def forget(self, contact: Contact) -> None:
        if contact.email:
            listed = self.by_email.get(contact.email.lower(), [])
            if contact in listed:
                listed.remove(contact)

    def remember(self, contact: Contact) -> None:
        if contact.external_id:
            self.by_user_id[contact.external_id] = contact
        if contact.email and contact not in self.by_email[contact.email.lower()]:
            self.by_email[contact.email.lower()].append(contact)


def _apply(row: ImportRow, contact: Contact, *, kind: str, now: dt.datetime) -> None:
    if kind == ContactImport.Kind.USERS:
        contact.role = Contact.Role.USER
    elif contact.role == Contact.Role.VISITOR:
        contact.role = Contact.Role.LEAD  # an import never makes a user a lead again
    if row.user_id and not contact.external_id:
        contact.external_id = row.user_id
    if row.email:
        contact.email = row.email
    if row.name:
        contact.name, contact.name_is_generated = row.name, False
    if row.signed_up_at:
        contact.signed_up_at = row.signed_up_at
    if row.attributes:
        contact.attributes = {**(contact.attributes or {}), **row.attributes}
    contact.updated_at = now


def _contacts_update(workspace_id: int, contacts: list[Contact]) -> None:
    """One UPDATE … FROM (VALUES …) for the whole batch. Django's bulk_update builds a CASE
    per column and row, which spent 25 s of a 50,000-row re-import planning expressions;
    this is the same write, its values bound as parameters, at a fraction of the cost."""
    columns = ", ".join(name for name, _type in UPDATED_COLUMNS)
    placeholders = "(%s::bigint, " + ", ".join(f"%s::{kind}" for _name, kind in UPDATED_COLUMNS) + ")"
    assignments = ", ".join(f"{name} = v.{name}" for name, _type in UPDATED_COLUMNS)
    params: list[Any] = []
    for contact in contacts:
        params += [contact.pk, contact.role, contact.external_id, contact.email, contact.name,
                   contact.name_is_generated, contact.signed_up_at, json.dumps(contact.attributes or {}),
                   contact.updated_at]
    table = Contact._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET {assignments} FROM (VALUES {', '.join([placeholders] * len(contacts))}) "
            f"AS v(id, {columns}) WHERE c.id = v.id AND c.workspace_id = %s",
            [*params, workspace_id],
        )


def _upsert(plan: ImportPlan, rows: list[ImportRow]) -> tuple[int, int]:
    """Write the batch's good rows. Returns (created, updated), counted in rows."""
    if not rows:
        return 0, 0
    now = timezone.now()
    matches = _Matches(plan.workspace_id, rows)
    new: list[Contact] = []
    changed: dict[int, Contact] = {}
    links: list[tuple[Contact, ImportRow]] = []
    created = updated = 0
    for row in rows:
        contact = matches.find(row)
        if contact is None:
            contact = Contact(workspace_id=plan.workspace_id, attributes={},
                              role=Contact.Role.USER if plan.kind == ContactImport.Kind.USERS else Contact.Role.LEAD)
            new.append(contact)
            created += 1
        else:
            updated += 1
            matches.forget(contact)
            if contact.pk:
                changed[contact.pk] = contact
        _apply(row, contact, kind=plan.kind, now=now)
        matches.remember(contact)
        if row.tags or row.company_id or row.company_name:
            links.append((contact, row))
    Contact.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if changed:
        _contacts_update(plan.workspace_id, list(changed.values()))
    tag_links, company_links = set(), set()
    company_ids = plan.companies_resolve([row for _contact, row in links])
    for contact, row in links:
        tag_links.update((contact.pk, plan.tag_id(name)) for name in row.tags)
        if row.company_id or row.company_name:
            company_links.add((contact.pk, company_ids[plan.company_key(row)]))
    _links_insert(Contact.tags.through, "tag_id", tag_links)
    _links_insert(Contact.companies.through, "company_id", company_links)
    return created, updated


def _links_insert(through: type, column: str, pairs: set[tuple[int, int]]) -> None:
    """Many-to-many rows from two arrays in one statement; existing links are kept. (As
    model instances through bulk_create, 30,000 links cost more than the contacts did.)"""
    if not pairs:
        return
    contact_ids, other_ids = zip(*pairs)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {through._meta.db_table} (contact_id, {column}) "
            f"SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING",
            [list(contact_ids), list(other_ids)],
        )


def _batch_commit(contact_import: ContactImport, plan: ImportPlan, *, start: int,
                  records: list[tuple[int, list[str]]]) -> bool:
    """Import one batch and move the checkpoint past it, atomically. False when the
    checkpoint is no longer `start`: another run of the same import got there first."""
    good, bad = [], []
    for number, cells in records:
        try:
            good.append(plan.row(number, cells))
        except CellError as exc:
            bad.append(ContactImportError(workspace_id=plan.workspace_id, contact_import_id=contact_import.pk,
                                          row_number=number, reason=exc.message[:REASON_MAX_LENGTH], cells=cells))
    imports = ContactImport.objects.for_workspace(plan.workspace_id)
    with transaction.atomic():
        # The lock orders concurrent runs of one import; the progress page reads unlocked.
        checkpoint = imports.select_for_update().filter(pk=contact_import.pk).values_list(
            "processed_rows", "status").first()
        if checkpoint != (start, ContactImport.Status.RUNNING):
            return False
        created, updated = _upsert(plan, good)
        ContactImportError.objects.bulk_create(bad, ignore_conflicts=True)
        imports.filter(pk=contact_import.pk).update(
            processed_rows=F("processed_rows") + len(records), created_count=F("created_count") + created,
            updated_count=F("updated_count") + updated, failed_count=F("failed_count") + len(bad),
            updated_at=timezone.now(),
        )
    return True


# --- the run --------------------------------------------------------------------------------------


def import_run(*, workspace_id: int, import_id: int) -> ContactImport | None:
    """Import the rows not imported yet. Safe to call again at any moment, also while
    another call runs: each batch checks the checkpoint under a lock."""
    imports = ContactImport.objects.for_workspace(workspace_id)
    contact_import = imports.select_related("workspace", "created_by__user").filter(pk=import_id).first()
    if contact_import is None or contact_import.is_finished or contact_import.queued_at is None:
        return contact_import
    now = timezone.now()
    imports.filter(pk=import_id, status=ContactImport.Status.PENDING).update(
        status=ContactImport.Status.RUNNING, started_at=now, updated_at=now)
    contact_import.refresh_from_db(fields=["status", "started_at", "processed_rows"])
    # Row errors are read by whoever imported, in their language.
    language = (contact_import.created_by.user.language if contact_import.created_by
                else contact_import.workspace.default_language)
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            text = import_text(contact_import=contact_import)
        except (FileNotFoundError, ValueError):
            import_fail(workspace_id=workspace_id, import_id=import_id, failure=ContactImport.Failure.FILE_MISSING)
            return contact_import
        plan = ImportPlan(contact_import)
        done = contact_import.processed_rows
        records = csv_records(text, delimiter=contact_import.delimiter)
        batch: list[tuple[int, list[str]]] = []
        seen = 0
        try:
            next(records, None)  # the header
            for record in records:
                seen += 1
                if seen <= done:
                    continue  # committed by an earlier run
                batch.append(record)
                if len(batch) >= BATCH_SIZE:
                    if not _batch_commit(contact_import, plan, start=done, records=batch):
                        return contact_import
                    done, batch = done + len(batch), []
            if batch and not _batch_commit(contact_import, plan, start=done, records=batch):
                return contact_import
        except csv.Error:
            import_fail(workspace_id=workspace_id, import_id=import_id, failure=ContactImport.Failure.UNREADABLE)
            return contact_import
    _finish(contact_import)
    contact_import.refresh_from_db()
    return contact_import


@transaction.atomic
def _finish(contact_import: ContactImport) -> None:
    from contacts.navigation import builtin_counts_forget
    from contacts.tasks import segment_rebuild

    workspace_id = contact_import.workspace_id
    imports = ContactImport.objects.for_workspace(workspace_id)
    locked = imports.select_for_update().filter(pk=contact_import.pk, status=ContactImport.Status.RUNNING).first()
    if locked is None:
        return
    now = timezone.now()
    locked.status, locked.finished_at, locked.total_rows = ContactImport.Status.DONE, now, locked.processed_rows
    # The upload is customers' personal data and nothing reads it any more (the error
    # report keeps its own copy of the refused rows), so it goes once the import is done.
    stored, locked.file = locked.file.name, ""
    locked.save(update_fields=["status", "finished_at", "total_rows", "file", "updated_at"])
    if stored:
        transaction.on_commit(lambda: locked.file.storage.delete(stored))
    # One rebuild per segment for the whole file, instead of a refresh per changed contact.
    for segment_id in segments_of(workspace_id):
        transaction.on_commit(lambda segment_id=segment_id: segment_rebuild.delay(workspace_id, segment_id))
    transaction.on_commit(lambda: builtin_counts_forget(workspace_id=workspace_id))
    logger.info("contact_import_done", extra={
        "workspace_id": workspace_id, "import_id": locked.pk, "rows": locked.processed_rows,
        "created_count": locked.created_count, "updated_count": locked.updated_count,
        "failed_count": locked.failed_count})


def import_fail(*, workspace_id: int, import_id: int, failure: str) -> None:
    ContactImport.objects.for_workspace(workspace_id).filter(pk=import_id).exclude(
        status=ContactImport.Status.DONE).update(
        status=ContactImport.Status.FAILED, failure=failure, finished_at=timezone.now(), updated_at=timezone.now())
    logger.warning("contact_import_failed", extra={"workspace_id": workspace_id, "import_id": import_id,
                                                   "failure": failure})
