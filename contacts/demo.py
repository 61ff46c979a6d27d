"""Demo people for `make demo`: users and leads with companies, custom attributes, tags,
events and a few conversations, so the contacts screens, filters and inbox have something
to show. Deterministic (a fixed seed), and skipped when the workspace already has people."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from contacts.models import AttributeDefinition, Company, Contact
from workspaces.models import Membership, Workspace

FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "Smith", "Garcia", "Müller", "Martin"]
GIVEN = ["花子", "太郎", "美咲", "健", "陽菜", "翔", "Emma", "Liam", "Noah", "Olivia", "Lukas", "Chloé"]
COMPANIES = [("c-101", "株式会社サクラ商事", "enterprise", 250, "retail"), ("c-102", "Tanuki Labs", "pro", 18, "saas"),
             ("c-103", "Kappa Media", "free", 4, "media"), ("c-104", "Northwind GmbH", "pro", 60, "logistics")]
COUNTRIES = [("Japan", "Tokyo", "ja", "Asia/Tokyo")] * 6 + [("United States", "New York", "en", "America/New_York"),
                                                            ("Germany", "Berlin", "de", "Europe/Berlin"),
                                                            ("France", "Paris", "fr", "Europe/Paris")]
PEOPLE = 48


def seed_people(*, workspace: Workspace, agent: Membership) -> int:
    """Create the demo people (once). Returns how many were created."""
    from contacts.models import Segment
    from contacts.segments import segment_rebuild
    from contacts.services import contact_tag, event_track
    from inbox.services import conversation_start, teammate_reply_create

    if Contact.objects.for_workspace(workspace).exists():
        return 0
    rnd = random.Random(2026)
    now = timezone.now()
    for key, kind, description in [("plan", "list", "Subscription plan"), ("seats", "number", "Paid seats"),
                                   ("contract_end", "date", "When the contract ends"),
                                   ("newsletter", "boolean", "Subscribed to the newsletter")]:
        AttributeDefinition.objects.create(
            workspace=workspace, target="contact", key=key, type=kind, description=description,
            options=["free", "pro", "enterprise"] if kind == "list" else [],
        )
    companies = [Company.objects.create(workspace=workspace, company_id=cid, name=name, plan=plan, size=size,
                                        industry=industry) for cid, name, plan, size, industry in COMPANIES]
    people = []
    for index in range(PEOPLE):
        country, city, language, zone = rnd.choice(COUNTRIES)
        role = Contact.Role.USER if index % 4 else Contact.Role.LEAD
        seen = now - dt.timedelta(days=rnd.choice([0, 1, 3, 8, 20, 35, 45, 70, 120]), hours=rnd.randint(0, 23))
        name = f"{rnd.choice(FAMILY)} {rnd.choice(GIVEN)}"
        contact = Contact.objects.create(
            workspace=workspace, role=role, name=name, email=f"demo{index}@example.com",
            external_id=f"user-{index}" if role == Contact.Role.USER else None,
            signed_up_at=now - dt.timedelta(days=rnd.choice([2, 5, 30, 200, 400])) if role == Contact.Role.USER else None,
            first_seen_at=seen - dt.timedelta(days=rnd.choice([1, 4, 60, 300])), last_seen_at=seen,
            session_count=rnd.randint(1, 60), page_view_count=rnd.randint(1, 400),
            last_page_url=rnd.choice(["https://example.com/pricing", "https://example.com/app/settings",
                                      "https://example.com/help/export"]),
            browser=rnd.choice(["Chrome", "Safari", "Firefox", "Edge"]), browser_version="1",
            os=rnd.choice(["macOS", "Windows", "iOS", "Android"]), device_type=rnd.choice(["desktop", "mobile"]),
            language=language, timezone=zone, country=country, city=city, is_troubled=index % 17 == 0,
            attributes={"plan": rnd.choice(["free", "pro", "enterprise"]), "seats": rnd.randint(1, 80),
                        "contract_end": (now + dt.timedelta(days=rnd.randint(-30, 365))).astimezone(dt.timezone.utc)
                        .replace(microsecond=0).isoformat(), "newsletter": rnd.random() < 0.5},
        )
        if role == Contact.Role.USER:
            contact.companies.add(rnd.choice(companies))
        if index % 5 == 0:
            contact_tag(contact=contact, name="VIP")
        for _ in range(rnd.randint(0, 3)):
            event_track(contact=contact, name=rnd.choice(["exported-report", "invited-teammate"]), metadata={},
                        now=seen)
        people.append(contact)
    for contact, question, answer in [
        (people[1], "請求書の宛名を変更できますか？", "はい、設定 → 請求情報から変更できます。"),
        (people[2], "CSV export is stuck at 90%", None),
        (people[5], "ログインできません", None),
    ]:
        conversation = conversation_start(contact=contact, body=question, browser_id="")
        if answer:
            teammate_reply_create(conversation=conversation, membership=agent, body=answer)
    segment = Segment.objects.create(workspace=workspace, name="Japan, active this month", created_by=agent, rule={
        "version": 1, "match": "all", "rules": [
            {"field": "country", "operator": "is", "value": "Japan"},
            {"field": "last_seen_at", "operator": "less_than_days_ago", "value": 30}]})
    segment.workspace = workspace
    segment_rebuild(segment=segment)
    return len(people)
