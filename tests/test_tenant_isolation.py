"""Every workspace is sealed: each URL that takes an id answers 404 to a member of another
workspace, for GET and POST alike, whether they use the victim's workspace address or
their own with the victim's id.

The URL list is walked from the URLconf, so a new id-taking view without an entry in
OBJECT_FACTORIES fails `test_every_id_taking_url_is_covered` until its case is added."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.contacts.profile_factories import AttributeDefinitionFactory, CompanyFactory
from tests.factories import ContactFactory, InvitationFactory, MembershipFactory, TeamFactory, conversation_create
from workspaces.models import Workspace

# url name -> builds the victim's object in `workspace` and returns the URL kwargs naming it.
OBJECT_FACTORIES: dict[str, Callable[[Workspace], dict[str, Any]]] = {
    "workspaces:membership_role": lambda ws: {"membership_id": MembershipFactory(workspace=ws).pk},
    "workspaces:membership_remove": lambda ws: {"membership_id": MembershipFactory(workspace=ws).pk},
    "workspaces:invitation_resend": lambda ws: {"invitation_id": InvitationFactory(workspace=ws).pk},
    "workspaces:invitation_revoke": lambda ws: {"invitation_id": InvitationFactory(workspace=ws).pk},
    "workspaces:team_edit": lambda ws: {"team_id": TeamFactory(workspace=ws).pk},
    "workspaces:team_delete": lambda ws: {"team_id": TeamFactory(workspace=ws).pk},
    "inbox:conversation": lambda ws: {"number": conversation_create(workspace=ws).number},
    "inbox:older": lambda ws: {"number": conversation_create(workspace=ws).number},
    "inbox:new_parts": lambda ws: {"number": conversation_create(workspace=ws).number},
    "inbox:reply": lambda ws: {"number": conversation_create(workspace=ws).number},
    "inbox:assign": lambda ws: {"number": conversation_create(workspace=ws).number},
    "inbox:tag": lambda ws: {"number": conversation_create(workspace=ws).number},
    "inbox:untag": lambda ws: _tagged_conversation(ws),
    "inbox:state": lambda ws: {"number": conversation_create(workspace=ws).number, "action": "close"},
    "inbox:typing": lambda ws: {"number": conversation_create(workspace=ws).number},
    "inbox:contact_tag": lambda ws: {"number": conversation_create(workspace=ws).number},
    "inbox:contact_untag": lambda ws: _tagged_customer(ws),
    "inbox:customer_note": lambda ws: {"number": conversation_create(workspace=ws).number},
    "contacts:segment_update": lambda ws: {"segment_id": _segment(ws)},
    "contacts:segment_delete": lambda ws: {"segment_id": _segment(ws)},
    "inbox:saved_reply_insert": lambda ws: {"number": conversation_create(workspace=ws).number},
    "inbox:saved_reply_edit": lambda ws: {"saved_reply_id": _saved_reply(ws)},
    "inbox:saved_reply_delete": lambda ws: {"saved_reply_id": _saved_reply(ws)},
    "contacts:contact": lambda ws: {"contact_id": ContactFactory(workspace=ws).pk},
    "contacts:contact_tag": lambda ws: {"contact_id": ContactFactory(workspace=ws).pk},
    "contacts:contact_untag": lambda ws: _tagged_contact(ws),
    "contacts:contact_note": lambda ws: {"contact_id": ContactFactory(workspace=ws).pk},
    "contacts:company": lambda ws: {"company_id": CompanyFactory(workspace=ws).pk},
    "contacts:company_note": lambda ws: {"company_id": CompanyFactory(workspace=ws).pk},
    "contacts:attribute_edit": lambda ws: {"attribute_id": AttributeDefinitionFactory(workspace=ws).pk},
    "contacts:attribute_archive": lambda ws: {"attribute_id": AttributeDefinitionFactory(workspace=ws).pk},
    "contacts:import_map": lambda ws: {"import_id": _contact_import(ws)},
    "contacts:import_detail": lambda ws: {"import_id": _contact_import(ws)},
    "contacts:import_errors": lambda ws: {"import_id": _contact_import(ws)},
}

# Areas that keep their cases beside their own tests add them here.
from tests.articles.isolation import FACTORIES as ARTICLES_FACTORIES  # noqa: E402
from tests.inbox.isolation import FACTORIES as INBOX_ARTICLE_FACTORIES  # noqa: E402
from tests.outbound.isolation import FACTORIES as OUTBOUND_FACTORIES  # noqa: E402
from tests.tickets.isolation import FACTORIES as TICKETS_FACTORIES  # noqa: E402

OBJECT_FACTORIES.update(ARTICLES_FACTORIES)
OBJECT_FACTORIES.update(INBOX_ARTICLE_FACTORIES)
OBJECT_FACTORIES.update(OUTBOUND_FACTORIES)
OBJECT_FACTORIES.update(TICKETS_FACTORIES)


def _tagged_contact(workspace: Workspace) -> dict[str, Any]:
    from contacts.services import contact_tag

    contact = ContactFactory(workspace=workspace)
    return {"contact_id": contact.pk, "tag_id": contact_tag(contact=contact, name="vip").pk}


def _contact_import(workspace: Workspace) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contacts.imports import import_create

    return import_create(workspace=workspace, actor=MembershipFactory(workspace=workspace, role="owner"), kind="users",
                         upload=SimpleUploadedFile("people.csv", b"email\na@example.com\n")).pk


def _saved_reply(workspace: Workspace) -> int:
    from inbox.models import SavedReply

    return SavedReply.objects.create(workspace=workspace, name=f"Hello {SavedReply.all_workspaces.count()}",
                                     body="Hi {{first_name}}").pk  # counting all: a unique name only


def _tagged_conversation(workspace: Workspace) -> dict[str, Any]:
    from inbox.services import conversation_tag

    conversation = conversation_create(workspace=workspace)
    owner = MembershipFactory(workspace=workspace, role="owner")
    tag = conversation_tag(conversation=conversation, actor=owner, name="vip")
    return {"number": conversation.number, "tag_id": tag.pk}

def _segment(workspace: Workspace) -> int:
    from contacts.models import Segment

    return Segment.objects.create(workspace=workspace, name=f"S{Segment.all_workspaces.count()}",
                                  rule={"version": 1, "match": "all", "rules": []}).pk


def _tagged_customer(workspace: Workspace) -> dict[str, Any]:
    from contacts.services import contact_tag

    conversation = conversation_create(workspace=workspace)
    tag = contact_tag(contact=conversation.contact, name="vip")
    return {"number": conversation.number, "tag_id": tag.pk}


# POST bodies that would succeed for an insider, so a 404 proves scoping, not validation.
POST_DATA = {"role": "agent", "name": "Renamed", "kind": "note", "body": "hi", "assignee": "me",
             "column_0": "email"}


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            child_namespace = namespace
            if entry.namespace:
                child_namespace = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), child_namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), prefix + str(entry.pattern)


def workspace_urls_with_ids() -> list[str]:
    names = []
    for name, route in _walk(get_resolver().url_patterns):
        if "<slug:workspace_slug>" in route and route.count("<") > 1:
            names.append(name)
    return sorted(set(names))


def workspace_urls() -> list[str]:
    # Streams are served by the ASGI process; tests/test_streams.py checks them under uvicorn.
    return sorted({
        name for name, route in _walk(get_resolver().url_patterns)
        if "<slug:workspace_slug>" in route and not route.startswith("streams/")
    })


def test_every_id_taking_url_is_covered():
    assert set(workspace_urls_with_ids()) == set(OBJECT_FACTORIES)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(OBJECT_FACTORIES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_for_another_workspaces_object(url_name, method, workspace, owner, outsider, client_outsider):
    kwargs = OBJECT_FACTORIES[url_name](workspace)
    through_victim = reverse(url_name, kwargs={"workspace_slug": workspace.slug, **kwargs})
    through_own = reverse(url_name, kwargs={"workspace_slug": outsider.workspace.slug, **kwargs})
    for url in (through_victim, through_own):
        response = getattr(client_outsider, method)(url, POST_DATA) if method == "post" else client_outsider.get(url)
        # 405 only where the view does not take this method at all (a POST-only action).
        assert response.status_code in (404, 405), (url, response.status_code)
        if method == "post" and response.status_code == 405:
            # A read-only page refuses POST before any lookup; reading it must still 404.
            assert client_outsider.get(url).status_code == 404, url


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(OBJECT_FACTORIES))
def test_insider_admin_reaches_the_same_urls(url_name, workspace, owner, client_owner):
    """The other side of the coin: the same URLs work for a member, so the 404s above are
    about the workspace, not a broken URL."""
    kwargs = OBJECT_FACTORIES[url_name](workspace)
    url = reverse(url_name, kwargs={"workspace_slug": workspace.slug, **kwargs})
    response = client_owner.post(url, POST_DATA)
    if response.status_code == 405:  # a page or fragment that is only read
        response = client_owner.get(url, {"before": "999999999", "after": "0"})
    assert response.status_code in (200, 204, 302), (url, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", workspace_urls())
def test_every_workspace_page_is_404_to_an_outsider(url_name, workspace, owner, client_outsider):
    kwargs = {"workspace_slug": workspace.slug}
    if url_name in OBJECT_FACTORIES:
        kwargs.update(OBJECT_FACTORIES[url_name](workspace))
    response = client_outsider.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code in (404, 405)
    if response.status_code == 405:
        assert client_outsider.post(reverse(url_name, kwargs=kwargs), POST_DATA).status_code == 404


@pytest.mark.django_db
def test_an_unknown_workspace_and_a_foreign_one_look_the_same(workspace, client_outsider):
    foreign = client_outsider.get(f"/w/{workspace.slug}/inbox/")
    missing = client_outsider.get("/w/no-such-workspace/inbox/")
    assert foreign.status_code == missing.status_code == 404
    # Identical but for the per-request CSRF token and the address itself.
    foreign_page = _without_csrf(foreign.content).replace(f"/w/{workspace.slug}/".encode(), b"/w/X/")
    missing_page = _without_csrf(missing.content).replace(b"/w/no-such-workspace/", b"/w/X/")
    assert foreign_page == missing_page


def _without_csrf(content: bytes) -> bytes:
    import re

    return re.sub(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', rb"\1", content)
