"""Writes to contacts: the lifecycle (visitor, lead, user, merge), tracked fields, custom
attributes typed on first sight, companies and events. Callers pass already-validated,
plain Python values (messenger/forms.py does the validation)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from contacts.models import AttributeDefinition, Company, Contact, ContactEvent, ContactEventSummary, Note, PageView
from contacts.naming import visitor_name
from contacts.segments import contact_changed
from contacts.tracking import ClientInfo, location_from_timezone
from workspaces.models import Membership, Tag, Workspace

SESSION_IDLE = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class PageInfo:
    url: str = ""
    title: str = ""
    referrer: str = ""


@dataclass(frozen=True)
class Identity:
    """Who the site says the visitor is. `proven` when a user_hash or JWT vouched for it."""

    user_id: str | None = None
    email: str | None = None
    proven: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.user_id and not self.email


@dataclass
class ContactUpdate:
    """Standard and custom attributes from intercomSettings, already validated and typed."""

    name: str | None = None
    email: str | None = None
    signed_up_at: dt.datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    companies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.email or self.signed_up_at or self.attributes or self.companies)


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return AttributeDefinition.Type.BOOLEAN
    if isinstance(value, (int, float)):
        return AttributeDefinition.Type.NUMBER
    if isinstance(value, dt.datetime):
        return AttributeDefinition.Type.DATE
    return AttributeDefinition.Type.STRING


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def attributes_typed(*, workspace: Workspace, target: str, values: dict[str, Any]) -> dict[str, Any]:
    """Keep the values whose type matches the attribute's declared type, declaring the type
    of attributes seen for the first time. A value of another type is dropped, not coerced."""
    if not values:
        return {}
    known = dict(
        AttributeDefinition.objects.for_workspace(workspace)
        .filter(target=target, key__in=list(values))
        .values_list("key", "type")
    )
    accepted = {}
    for key, value in values.items():
        value_type = _value_type(value)
        if key not in known:
            definition, _created = AttributeDefinition.objects.for_workspace(workspace).get_or_create(
                target=target, key=key, defaults={"workspace": workspace, "type": value_type}
            )
            known[key] = definition.type
        if known[key] == value_type:
            accepted[key] = _json_value(value)
    return accepted


def contact_for_browser(*, workspace: Workspace, browser_id: str, language: str) -> Contact:
    """The anonymous visitor this browser is, created on first sight with a generated name."""
    contact = Contact.objects.for_workspace(workspace).filter(browser_id=browser_id).first()
    if contact is not None:
        return contact
    try:
        with transaction.atomic():
            return Contact.objects.create(
                workspace=workspace,
                role=Contact.Role.VISITOR,
                browser_id=browser_id,
                name=visitor_name(seed=browser_id, language=language),
                name_is_generated=True,
            )
    except IntegrityError:  # the same browser booted twice at once
        return Contact.objects.for_workspace(workspace).get(browser_id=browser_id)


def contact_for_identity(*, workspace: Workspace, identity: Identity) -> Contact:
    """The user the site identified: by user_id first, else by email; created if new."""
    contacts = Contact.objects.for_workspace(workspace).select_for_update()
    contact = None
    if identity.user_id:
        contact = contacts.filter(external_id=identity.user_id).first()
    if contact is None and identity.email:
        candidates = contacts.filter(email__iexact=identity.email, role=Contact.Role.USER)
        if identity.user_id:
            # Never fold one user id into a contact that already has another.
            candidates = candidates.filter(external_id__isnull=True)
        contact = candidates.order_by("id").first()
    if contact is None:
        try:
            with transaction.atomic():
                return Contact.objects.create(
                    workspace=workspace,
                    role=Contact.Role.USER,
                    external_id=identity.user_id or None,
                    email=identity.email or "",
                )
        except IntegrityError:
            return Contact.objects.for_workspace(workspace).get(external_id=identity.user_id)
    changed = []
    if contact.role != Contact.Role.USER:
        contact.role = Contact.Role.USER
        changed.append("role")
    if identity.user_id and not contact.external_id:
        contact.external_id = identity.user_id
        changed.append("external_id")
    if identity.email and not contact.email:
        contact.email = identity.email
        changed.append("email")
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])
        contact_changed(contact=contact)
    return contact


@transaction.atomic
def contact_merge(*, source: Contact, target: Contact) -> Contact:
    """Fold a visitor or lead into the user they turned out to be: conversations, events,
    page views and attributes move over (the user's own values win), then the lead goes."""
    from inbox.services import conversations_reassign

    if source.pk == target.pk:
        return target
    if source.workspace_id != target.workspace_id:
        raise ValueError("contacts of different workspaces cannot be merged")
    workspace_id = target.workspace_id
    conversations_reassign(
        workspace_id=workspace_id, source_contact_id=source.pk, target_contact_id=target.pk
    )
    ContactEvent.objects.for_workspace(workspace_id).filter(contact=source).update(contact=target)
    PageView.objects.for_workspace(workspace_id).filter(contact=source).update(contact=target)
    for summary in ContactEventSummary.objects.for_workspace(workspace_id).filter(contact=source):
        existing = (
            ContactEventSummary.objects.for_workspace(workspace_id)
            .filter(contact=target, name=summary.name)
            .first()
        )
        if existing is None:
            summary.contact = target
            summary.save(update_fields=["contact"])
        else:
            existing.count += summary.count
            existing.first_at = min(existing.first_at, summary.first_at)
            existing.last_at = max(existing.last_at, summary.last_at)
            existing.save(update_fields=["count", "first_at", "last_at"])
            summary.delete()
    target.attributes = {**source.attributes, **target.attributes}
    target.session_count += source.session_count
    target.page_view_count += source.page_view_count
    target.first_seen_at = min(filter(None, [target.first_seen_at, source.first_seen_at]), default=None)
    for name in (
        "last_page_url",
        "last_page_title",
        "referrer",
        "browser",
        "browser_version",
        "os",
        "device_type",
        "language",
        "timezone",
        "country",
        "city",
        "email",
    ):
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
    if (not target.name or target.name_is_generated) and source.name and not source.name_is_generated:
        target.name, target.name_is_generated = source.name, False
    target.companies.add(*source.companies.all())
    target.tags.add(*source.tags.all())
    target.save()
    source.delete()
    contact_changed(contact=target)
    return target


def contact_apply_update(*, contact: Contact, update: ContactUpdate) -> None:
    """Apply intercomSettings attributes. Saving is the caller's job (one UPDATE per boot)."""
    workspace = contact.workspace
    if update.name:
        contact.name, contact.name_is_generated = update.name, False
    if update.email and update.email != contact.email:
        contact.email = update.email
        if contact.role == Contact.Role.VISITOR:
            contact.role = Contact.Role.LEAD  # leaving an email makes a visitor a lead
    if update.signed_up_at:
        contact.signed_up_at = update.signed_up_at
    typed = attributes_typed(
        workspace=workspace, target=AttributeDefinition.Target.CONTACT, values=update.attributes
    )
    if typed:
        contact.attributes = {**contact.attributes, **typed}
    if update.companies:
        companies = [company_upsert(workspace=workspace, data=data) for data in update.companies]
        if contact.pk:
            contact.companies.add(*companies)
    if contact.pk and not update.is_empty:
        contact_changed(contact=contact)


def company_upsert(*, workspace: Workspace, data: dict[str, Any]) -> Company:
    company, _created = Company.objects.for_workspace(workspace).get_or_create(
        company_id=data["company_id"], defaults={"workspace": workspace}
    )
    for name in ("name", "plan", "monthly_spend"):
        if data.get(name) not in (None, ""):
            setattr(company, name, data[name])
    typed = attributes_typed(
        workspace=workspace, target=AttributeDefinition.Target.COMPANY, values=data.get("attributes") or {}
    )
    company.attributes = {**company.attributes, **typed}
    company.save()
    return company


def contact_record_visit(
    *,
    contact: Contact,
    page: PageInfo,
    client: ClientInfo | None = None,
    language: str = "",
    timezone_name: str = "",
    now: dt.datetime | None = None,
) -> list[str]:
    """Track a page view on the contact in memory and write the PageView row. Returns the
    field names changed on the contact, for the caller's single UPDATE."""
    now = now or timezone.now()
    changed = ["last_seen_at", "page_view_count"]
    if contact.last_seen_at is None or now - contact.last_seen_at > SESSION_IDLE:
        contact.session_count += 1
        changed.append("session_count")
        # Segments follow a visit once per session; the periodic sweep covers the rest.
        contact_changed(contact=contact)
    if contact.first_seen_at is None:
        contact.first_seen_at = now
        changed.append("first_seen_at")
    contact.last_seen_at = now
    contact.page_view_count += 1
    if page.url:
        contact.last_page_url, contact.last_page_title = page.url, page.title
        changed += ["last_page_url", "last_page_title"]
        if page.referrer and not contact.referrer:
            contact.referrer = page.referrer
            changed.append("referrer")
        PageView.objects.create(
            workspace_id=contact.workspace_id,
            contact=contact,
            url=page.url,
            title=page.title,
            referrer=page.referrer,
            created_at=now,
        )
    if client is not None:
        for name in ("browser", "browser_version", "os", "device_type"):
            value = getattr(client, name)
            if value and getattr(contact, name) != value:
                setattr(contact, name, value)
                changed.append(name)
    if language and contact.language != language:
        contact.language = language
        changed.append("language")
    if timezone_name and contact.timezone != timezone_name:
        contact.timezone = timezone_name
        contact.country, contact.city = location_from_timezone(timezone_name)
        changed += ["timezone", "country", "city"]
    return changed


def event_track(
    *, contact: Contact, name: str, metadata: dict[str, Any], now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    workspace_id = contact.workspace_id
    with transaction.atomic():
        ContactEvent.objects.create(workspace_id=workspace_id, contact=contact, name=name, metadata=metadata)
        updated = (
            ContactEventSummary.objects.for_workspace(workspace_id)
            .filter(contact=contact, name=name)
            .update(count=F("count") + 1, last_at=now)
        )
        if not updated:
            _event_declare(workspace_id=workspace_id, name=name)
            try:
                with transaction.atomic():
                    ContactEventSummary.objects.create(
                        workspace_id=workspace_id,
                        contact=contact,
                        name=name,
                        count=1,
                        first_at=now,
                        last_at=now,
                    )
            except IntegrityError:  # created by a concurrent call
                ContactEventSummary.objects.for_workspace(workspace_id).filter(
                    contact=contact, name=name
                ).update(count=F("count") + 1, last_at=now)
        contact_changed(contact=contact)


def _event_declare(*, workspace_id: int, name: str) -> None:
    """Event names are listed in the attribute table, so filters offer them without
    scanning anyone's events."""
    AttributeDefinition.objects.for_workspace(workspace_id).get_or_create(
        target=AttributeDefinition.Target.EVENT, key=name[:190],
        defaults={"workspace_id": workspace_id, "type": AttributeDefinition.Type.EVENT},
    )


def contact_became_lead(*, contact: Contact) -> None:
    """Starting a conversation makes a visitor a lead."""
    if contact.role == Contact.Role.VISITOR:
        contact.role = Contact.Role.LEAD
        Contact.objects.for_workspace(contact.workspace_id).filter(pk=contact.pk).update(
            role=Contact.Role.LEAD
        )
        contact_changed(contact=contact)


def contact_for_email(*, workspace: Workspace, email: str, name: str = "") -> Contact:
    """The person who wrote from this address: a user with it first, else a lead, else a
    new lead (an email conversation makes its sender a lead, as in Intercom)."""
    email = email.strip()
    contacts = Contact.objects.for_workspace(workspace).filter(email__iexact=email, merged_into__isnull=True)
    contact = contacts.filter(role=Contact.Role.USER).order_by("id").first() or contacts.order_by("id").first()
    if contact is not None:
        return contact
    name = " ".join(name.split())[:255]
    contact = Contact.objects.create(
        workspace=workspace, role=Contact.Role.LEAD, email=email[:254], name=name, first_seen_at=timezone.now()
    )
    contact_changed(contact=contact)
    return contact


def contact_tag(*, contact: Contact, name: str) -> Tag:
    from workspaces.services import tag_for_name

    tag = tag_for_name(workspace_id=contact.workspace_id, name=name)
    contact.tags.add(tag)
    contact_changed(contact=contact)
    return tag


def contact_untag(*, contact: Contact, tag: Tag) -> None:
    if tag.workspace_id == contact.workspace_id:
        contact.tags.remove(tag)
        contact_changed(contact=contact)


def note_add(*, author: Membership, body: str, contact: Contact | None = None, company: Company | None = None) -> Note:
    """A teammate's note about a person or (when `company` is given) a company."""
    from django.utils.translation import gettext as _

    from core.exceptions import ApplicationError

    body = body.strip()
    if not body:
        raise ApplicationError(_("Write something first."))
    subject = company or contact
    if subject is None or subject.workspace_id != author.workspace_id:
        raise ApplicationError(_("That does not belong to this workspace."))
    return Note.objects.create(
        workspace_id=author.workspace_id, contact=None if company else contact, company=company, author=author,
        body=body[:5000],
    )


@transaction.atomic
def contacts_tag_bulk(*, workspace: Workspace, contacts: list[Contact], name: str) -> Tag:
    """Tag many people at once: one tag lookup and one insert, whatever their number."""
    from workspaces.services import tag_for_name

    tag = tag_for_name(workspace_id=workspace.pk, name=name)
    through = Contact.tags.through
    through.objects.bulk_create(
        [through(contact_id=contact.pk, tag_id=tag.pk) for contact in contacts if contact.workspace_id == workspace.pk],
        ignore_conflicts=True,
    )
    for contact in contacts:
        contact_changed(contact=contact)
    return tag
