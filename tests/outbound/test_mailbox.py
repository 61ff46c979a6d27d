"""The demo's sent mail screen: each workspace's admins read what it would have sent, and
nothing of another workspace's."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage
from django.urls import reverse

from outbound import mailbox
from outbound.sending import WORKSPACE_HEADER

pytestmark = pytest.mark.django_db


def keep(workspace, subject: str) -> str:  # type: ignore[no-untyped-def]
    """Keep one email as the demo's backend does; returns its file name."""
    email = EmailMessage(subject=subject, body=f"Body of {subject}", to=["aoi@example.com"],
                         headers={WORKSPACE_HEADER: workspace.app_id})
    mailbox.EmailBackend().send_messages([email])
    return mailbox.mailbox_list(app_id=workspace.app_id)[0].name


@pytest.fixture(autouse=True)
def _mailbox_folder(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.EMAIL_FILE_PATH = str(tmp_path / "mailbox")


def test_admins_read_their_workspaces_mail_only(client_owner, workspace, other_workspace):
    mine = keep(workspace, "Welcome to Acme")
    theirs = keep(other_workspace, "Globex news")
    page = client_owner.get(reverse("outbound:mailbox", kwargs={"workspace_slug": workspace.slug})).content.decode()
    assert "Welcome to Acme" in page and "Globex news" not in page
    read = client_owner.get(reverse("outbound:mailbox_read", kwargs={"workspace_slug": workspace.slug, "name": mine}))
    assert read.status_code == 200 and "Body of Welcome to Acme" in read.content.decode()
    # Another workspace's file name, through this workspace's address: not found.
    foreign = reverse("outbound:mailbox_read", kwargs={"workspace_slug": workspace.slug, "name": theirs})
    assert client_owner.get(foreign).status_code == 404


@pytest.mark.parametrize("name", ["..", "..%2F_other", "x.eml", "0000000000000000001-zzzzzzzz.eml"])
def test_odd_names_are_not_found(client_owner, workspace, name):
    keep(workspace, "Hello")
    url = f"/w/{workspace.slug}/outbound/mailbox/{name}/"
    assert client_owner.get(url).status_code == 404


def test_agents_may_not_read_customers_mail(client_agent, workspace):
    assert client_agent.get(reverse("outbound:mailbox", kwargs={"workspace_slug": workspace.slug})).status_code == 403


def test_html_of_an_email_is_shown_as_text(client_owner, workspace):
    email = EmailMessage(subject="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>",
                         to=["a@example.com"], headers={WORKSPACE_HEADER: workspace.app_id})
    mailbox.EmailBackend().send_messages([email])
    name = mailbox.mailbox_list(app_id=workspace.app_id)[0].name
    page = client_owner.get(reverse("outbound:mailbox_read", kwargs={"workspace_slug": workspace.slug, "name": name}))
    body = page.content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
