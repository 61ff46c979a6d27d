from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from workspaces.scoping import WorkspaceScopedModel


class Contact(WorkspaceScopedModel):
    """A person on the customer's side, with Intercom's lifecycle: an anonymous visitor,
    a lead once they talk or leave an email, a user once the site identifies them."""

    # Two indexes exist on PostgreSQL only (migration contacts/0005; the embedded SQLite demo
    # has neither jsonb nor NULLS LAST in indexes): GIN on `attributes` for the audience
    # engine's jsonb @>, and the people list's default order over users and leads.

    class Role(models.TextChoices):
        VISITOR = "visitor", _("Visitor")
        LEAD = "lead", _("Lead")
        USER = "user", _("User")

    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.VISITOR)
    external_id = models.CharField(_("user ID"), max_length=255, null=True, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    name_is_generated = models.BooleanField(default=False)
    # The anonymous id the messenger keeps in the browser (first-party storage on the host
    # page). It is the visitor's credential until the site identifies them.
    browser_id = models.CharField(max_length=64, null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    signed_up_at = models.DateTimeField(_("signed up"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    session_count = models.PositiveIntegerField(_("web sessions"), default=0)
    page_view_count = models.PositiveIntegerField(_("page views"), default=0)
    last_page_url = models.URLField(_("last page"), max_length=2000, blank=True)
    last_page_title = models.CharField(_("last page title"), max_length=500, blank=True)
    referrer = models.URLField(_("referrer"), max_length=2000, blank=True)
    browser = models.CharField(_("browser"), max_length=64, blank=True)
    browser_version = models.CharField(_("browser version"), max_length=32, blank=True)
    os = models.CharField(_("operating system"), max_length=64, blank=True)
    device_type = models.CharField(_("device"), max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    country = models.CharField(_("country"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    companies = models.ManyToManyField("contacts.Company", blank=True, related_name="contacts")
    tags = models.ManyToManyField("workspaces.Tag", blank=True, related_name="+")
    # A customer the team handles with extra care; their conversations stand out in the inbox.
    is_troubled = models.BooleanField(_("needs extra care"), default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace", "external_id", condition=Q(external_id__isnull=False), name="contact_unique_external_id"
            ),
            models.UniqueConstraint(
                "workspace", "browser_id", condition=Q(browser_id__isnull=False), name="contact_unique_browser_id"
            ),
        ]
        indexes = [
            models.Index("workspace", Lower("email"), name="contact_ws_email"),
            models.Index(fields=["workspace", "role", "-last_seen_at"], name="contact_ws_role_seen"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or str(self.pk)

    @property
    def display_name(self) -> str:
        return self.name or self.email or str(_("Unknown"))


class Company(WorkspaceScopedModel):
    company_id = models.CharField(_("company ID"), max_length=255)
    name = models.CharField(_("name"), max_length=255, blank=True)
    plan = models.CharField(_("plan"), max_length=255, blank=True)
    monthly_spend = models.DecimalField(_("monthly spend"), max_digits=14, decimal_places=2, null=True, blank=True)
    size = models.PositiveIntegerField(_("company size"), null=True, blank=True)
    industry = models.CharField(_("industry"), max_length=255, blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", "company_id", name="company_unique_company_id")]
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name or self.company_id


class AttributeDefinition(WorkspaceScopedModel):
    """A custom attribute's declared type, fixed when it is first seen (or declared in the
    data settings), and the names of the events contacts perform. The audience engine and
    the contacts screens read this table rather than scanning contacts."""

    class Type(models.TextChoices):
        STRING = "string", _("Text")
        NUMBER = "number", _("Number")
        BOOLEAN = "boolean", _("True or false")
        DATE = "date", _("Date")
        LIST = "list", _("List")
        EVENT = "event", _("Event")

    class Target(models.TextChoices):
        CONTACT = "contact", _("Person")
        COMPANY = "company", _("Company")
        EVENT = "event", _("Event")

    target = models.CharField(max_length=8, choices=Target.choices, default=Target.CONTACT)
    key = models.CharField(max_length=190)
    type = models.CharField(max_length=8, choices=Type.choices)
    description = models.CharField(_("description"), max_length=255, blank=True)
    # The choices of a list attribute (its values are text, one of these).
    options = models.JSONField(default=list, blank=True)
    # Archived attributes keep their data but leave filters, columns and the messenger.
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", "target", "key", name="attribute_definition_unique_key")]
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} ({self.type})"


class ContactEvent(WorkspaceScopedModel):
    """One `trackEvent` occurrence, with its metadata."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)

    class Meta:
        indexes = [models.Index(fields=["workspace", "contact", "-created_at"], name="contact_event_recent")]


class ContactEventSummary(WorkspaceScopedModel):
    """Per contact and event name: how often, first and last time (what filters ask)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    count = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint("workspace", "contact", "name", name="contact_event_summary_unique")]


class PageView(WorkspaceScopedModel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    referrer = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["workspace", "contact", "-created_at"], name="page_view_recent")]


class Note(WorkspaceScopedModel):
    """What a teammate wrote down about a person or a company, shown beside every
    conversation with them. Exactly one of `contact` and `company` is set."""

    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="notes")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, company__isnull=True) | Q(contact__isnull=True, company__isnull=False),
                name="note_about_contact_or_company",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "contact", "-created_at"], name="note_contact_recent"),
            models.Index(fields=["workspace", "company", "-created_at"], name="note_company_recent"),
        ]
        ordering = ["-created_at"]


class Segment(WorkspaceScopedModel):
    """A saved audience rule whose members are kept up to date: a contact enters or leaves
    when its data changes, and a periodic sweep catches rules that move with time."""

    name = models.CharField(_("name"), max_length=80)
    rule = models.JSONField()
    created_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member_count = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint("workspace", Lower("name"), name="segment_unique_name_ci")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentMember(WorkspaceScopedModel):
    """One person in one segment. Rebuilt in bulk (hundreds of thousands of rows at a
    time), so the table carries only what its reads need: the (segment, contact) key and a
    (workspace, contact) index, and no database-level foreign-key checks: rows are written
    by segments.py only, and Django's cascades still remove them with their segment or
    contact."""

    pk = models.CompositePrimaryKey("segment", "contact")
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "contact"], name="segment_member_contact")]


def contact_import_upload_to(instance: ContactImport, filename: str) -> str:
    import secrets

    # Never the uploader's name on disk: the CSV holds customers' personal data.
    return f"contact-imports/{instance.workspace_id}/{secrets.token_urlsafe(18)}.csv"


class ContactImport(WorkspaceScopedModel):
    """A CSV of users or leads on its way in. The upload is kept re-encoded as UTF-8 (the
    worker never guesses an encoding again); `processed_rows` is the checkpoint a retried
    task resumes from, moved in the same transaction as the rows it counts."""

    class Kind(models.TextChoices):
        USERS = "users", _("Users")
        LEADS = "leads", _("Leads")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        NONE = "", ""
        FILE_MISSING = "file_missing", _("The uploaded file is no longer there; upload it again.")
        UNREADABLE = "unreadable", _("The file stopped being readable as CSV part-way through.")
        INTERRUPTED = "interrupted", _("The import was interrupted too many times; start it again.")

    created_by = models.ForeignKey(
        "workspaces.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("import as"), max_length=8, choices=Kind.choices, default=Kind.USERS)
    filename = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to=contact_import_upload_to)
    # What the upload was in (utf-8, cp932…) and how its cells are separated.
    encoding = models.CharField(max_length=16)
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list)
    # One entry per column, in order: {"field": "email"}, {"field": "custom", "key": "plan"},
    # {"field": "ignore"}…; empty until the mapping is confirmed.
    mapping = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    failure = models.CharField(max_length=16, choices=Failure.choices, default=Failure.NONE, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], name="contact_import_recent")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, self.processed_rows * 100 // self.total_rows) if self.total_rows else 0


class ContactImportError(WorkspaceScopedModel):
    """A row the import refused, with why and its cells as they were, so the error report
    can be fixed in a spreadsheet and uploaded again. Unique per row: a retried batch
    writes the same rows again harmlessly."""

    contact_import = models.ForeignKey(ContactImport, on_delete=models.CASCADE, related_name="+")
    # The row's number as a spreadsheet shows it: the header is row 1.
    row_number = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)
    cells = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace", "contact_import", "row_number", name="contact_import_error_unique_row"
            )
        ]
        ordering = ["row_number"]
