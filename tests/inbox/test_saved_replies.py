from __future__ import annotations

import pytest

from inbox.models import SavedReply
from inbox.placeholders import render_placeholders, unknown_placeholders
from tests.factories import ContactFactory, conversation_create

pytestmark = pytest.mark.django_db


def test_placeholders_fill_in_and_fall_back(workspace, agent):
    named = ContactFactory(workspace=workspace, name="Hanako Sato", email="hanako@example.com")
    anonymous = ContactFactory(workspace=workspace, name="Blue Kettle from Osaka", name_is_generated=True, email="")
    text = 'Hi {{first_name | fallback: "there"}}, {{ teammate_first_name }} here. {{email}}'
    assert render_placeholders(text, contact=named, teammate=agent) == "Hi Hanako, Aiko here. hanako@example.com"
    assert render_placeholders(text, contact=anonymous, teammate=agent) == "Hi there, Aiko here. "
    assert unknown_placeholders("{{frist_name}} {{name}} {{oops | fallback: \"x\"}}") == ["frist_name", "oops"]


def test_create_edit_delete_and_refuse_unknown_placeholders(client_agent, workspace):
    base = f"/w/{workspace.slug}/inbox/saved-replies/"
    bad = client_agent.post(base, {"name": "Greeting", "body": "Hi {{frist_name}}"})
    assert bad.status_code == 400 and b"Unknown placeholder" in bad.content
    assert client_agent.post(base, {"name": "Greeting", "body": 'Hi {{first_name | fallback: "there"}}!'}).status_code == 302
    duplicate = client_agent.post(base, {"name": "greeting", "body": "Again"})
    assert duplicate.status_code == 400 and b"already exists" in duplicate.content
    saved = SavedReply.objects.for_workspace(workspace).get()
    assert client_agent.post(f"{base}{saved.pk}/", {"name": "Hello", "body": "Hello!"}).status_code == 302
    saved.refresh_from_db()
    assert (saved.name, saved.body) == ("Hello", "Hello!")
    client_agent.post(f"{base}{saved.pk}/delete/")
    assert not SavedReply.objects.for_workspace(workspace).exists()


def test_inserting_keeps_what_was_typed_and_fills_the_customer_in(client_agent, workspace):
    contact = ContactFactory(workspace=workspace, name="Kenji Mori")
    conversation = conversation_create(workspace=workspace, contact=contact)
    saved = SavedReply.objects.create(workspace=workspace, name="Thanks", body="Thanks {{first_name}}!")
    response = client_agent.get(
        f"/w/{workspace.slug}/inbox/c/{conversation.number}/saved-reply/", {"saved_reply": saved.pk, "body": "Sure."}
    )
    assert response.status_code == 200
    assert "Sure.\nThanks Kenji!</textarea>" in response.content.decode()


def test_a_saved_reply_of_another_workspace_inserts_nothing(client_agent, workspace, other_workspace):
    conversation = conversation_create(workspace=workspace)
    foreign = SavedReply.objects.create(workspace=other_workspace, name="Secret", body="Their text")
    response = client_agent.get(f"/w/{workspace.slug}/inbox/c/{conversation.number}/saved-reply/", {"saved_reply": foreign.pk})
    assert "Their text" not in response.content.decode()
