from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import User
from workspaces.models import Invitation, Membership, OfficeHoursInterval, Team, Workspace

TEST_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"teammate{n}@example.com")
    name = factory.Sequence(lambda n: f"Teammate {n}")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")
    timezone = "Asia/Tokyo"
    default_language = "en"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.AGENT


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Membership.Role.AGENT
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class OfficeHoursIntervalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeHoursInterval

    workspace = factory.SubFactory(WorkspaceFactory)
    weekday = 0
    opens_at = dt.time(9)
    closes_at = dt.time(18)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contacts.Contact"

    workspace = factory.SubFactory(WorkspaceFactory)
    role = "lead"
    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")


def conversation_create(*, workspace, body: str = "Hello", contact=None):  # type: ignore[no-untyped-def]
    """A conversation started the way the messenger starts one (numbered, with its part)."""
    from inbox.services import conversation_start

    contact = contact or ContactFactory(workspace=workspace)
    return conversation_start(contact=contact, browser_id="0" * 32, body=body)
