"""The teammates' outbound screens: the list (counts, rates, filter, a constant number of
queries), the editor (create, edit, refusals shown on the form, mass assignment), audience
count, preview and test send, the actions, saved templates and the tracking switch."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import AttributeDefinition
from outbound import services
from outbound.models import Delivery, EmailTemplate, OutboundMessage
from tests.factories import ContactFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _url(name: str, workspace, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"outbound:{name}", kwargs={"workspace_slug": workspace.slug, **kwargs})


def _message(workspace, owner, **fields):  # type: ignore[no-untyped-def]
    defaults = {"title": "Welcome", "sender": owner, "subject": 'Hi {{first_name | fallback: "there"}}',
                "body": "<p>Hello {{first_name}}.</p>"}
    return services.message_create(workspace=workspace, actor=owner, **{**defaults, **fields})


def _post_data(agent, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "title": "Onboarding", "sender_kind": "teammate", "sender": agent.pk, "reply_assignee": agent.pk,
        "reply_team": "", "subject": 'Welcome {{first_name | fallback: "there"}}',
        "body": "<p>Hello {{first_name | fallback: &quot;there&quot;}} at {{company.name}}</p>",
        "layout": "builtin:card", "rule": "", "delivery": "fixed", "starts_at": "", "stops_at": "",
        "window_start_hour": "", "window_end_hour": "",
    }
    data.update(overrides)
    return data


def _deliveries(message, contacts, **fields):  # type: ignore[no-untyped-def]
    for index, contact in enumerate(contacts):
        Delivery.objects.create(workspace_id=message.workspace_id, message=message, contact=contact,
                                email=contact.email, token=f"t{message.pk}x{index}x{contact.pk}", **fields)


class TestList:
    def test_counts_and_rates_over_sent(self, client_agent, workspace, owner):
        message = _message(workspace, owner)
        people = [ContactFactory(workspace=workspace, role="user", email=f"p{i}@example.com") for i in range(4)]
        now = timezone.now()
        _deliveries(message, people[:2], status="sent", sent_at=now, opened_at=now, clicked_at=now)
        _deliveries(message, people[2:3], status="sent", sent_at=now, machine_opened_at=now, replied_at=now)
        _deliveries(message, people[3:], status="pending")
        response = client_agent.get(_url("index", workspace))
        assert response.status_code == 200
        row = response.content.decode().split(f'id="message-{message.pk}"')[1].split("</tr>")[0]
        assert 'data-sent>3<' in row
        assert '2</span> <span class="outbound-rate">67%' in row  # opened by people: 2 of 3
        assert "+1 by machine" in row  # the proxy's open, apart
        assert '1</span> <span class="outbound-rate">33%' in row  # replied
        assert 'data-state="draft"' in row

    def test_filter_by_state_and_htmx_partial(self, client_agent, workspace, owner):
        draft = _message(workspace, owner, title="A draft")
        live = _message(workspace, owner, title="Gone live")
        OutboundMessage.objects.for_workspace(workspace).filter(pk=live.pk).update(state="live")
        response = client_agent.get(_url("index", workspace), {"state": "live"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert "Gone live" in body and "A draft" not in body and "<html" not in body
        assert draft.title in client_agent.get(_url("index", workspace)).content.decode()
        assert client_agent.get(_url("index", workspace), {"state": "nonsense"}).status_code == 200

    def test_constant_queries_for_3_and_30_messages(self, client_agent, workspace, owner):
        def count_queries() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client_agent.get(_url("index", workspace)).status_code == 200
            return len(queries)

        contact = ContactFactory(workspace=workspace, role="user", email="a@example.com")
        for index in range(3):
            _deliveries(_message(workspace, owner, title=f"M{index}"), [contact], status="sent",
                        sent_at=timezone.now())
        few = count_queries()
        for index in range(27):
            _deliveries(_message(workspace, owner, title=f"N{index}"), [contact], status="sent",
                        sent_at=timezone.now())
        assert count_queries() == few
        assert few <= 6  # the request's session and membership lookups, then the page total and its messages

    def test_empty_state_and_new_email_link(self, client_agent, workspace):
        body = client_agent.get(_url("index", workspace)).content.decode()
        assert "Send your first email" in body and _url("new", workspace) in body


class TestEditor:
    def test_agent_creates_a_draft(self, client_agent, workspace, agent):
        team = TeamFactory(workspace=workspace)
        rule = json.dumps({"version": 1, "match": "all", "rules": [{"field": "role", "operator": "is", "value": "user"}]})
        response = client_agent.post(_url("new", workspace), _post_data(
            agent, rule=rule, reply_assignee="", reply_team=team.pk, delivery="dynamic",
            starts_at="2030-01-06T09:30", window_days=["0", "4"], window_start_hour="9", window_end_hour="18"))
        message = OutboundMessage.objects.for_workspace(workspace).get()
        assert response.status_code == 302 and response["Location"] == _url("edit", workspace, message_id=message.pk)
        assert message.sender == agent and message.reply_team == team and message.created_by == agent
        assert message.body == '<p>Hello {{first_name | fallback: "there"}} at {{company.name}}</p>'
        assert message.rule["rules"][0]["field"] == "role" and message.delivery == "dynamic"
        assert message.window_days == [0, 4] and (message.window_start_hour, message.window_end_hour) == (9, 18)
        assert message.builtin_template == "card" and message.template is None
        # 09:30 in the workspace's zone, whatever the server's.
        local = timezone.localtime(message.starts_at, timezone=__import__("zoneinfo").ZoneInfo(workspace.timezone))
        assert (local.hour, local.minute) == (9, 30)
        page = client_agent.get(_url("edit", workspace, message_id=message.pk)).content.decode()
        assert 'value="2030-01-06T09:30"' in page and "data-audience-builder" in page

    def test_refusals_are_shown_on_the_form_and_nothing_is_saved(self, client_agent, workspace, agent, outsider):
        cases = [
            ({"subject": "Hi {{frist_name}}"}, "Unknown placeholders: frist_name"),
            ({"body": "<p>{{plan_name}}</p>"}, "Unknown placeholders: plan_name"),
            ({"subject": "Hi\r\nBcc: x@example.com"}, "A subject is one line."),
            ({"sender": outsider.pk}, "Select a valid choice"),
            ({"rule": '{"version": 1, "match": "all", "rules": [{"field": "nope", "operator": "is", "value": 1}]}'},
             "This audience cannot be used"),
            ({"rule": "not json"}, "This audience cannot be used"),
            ({"window_start_hour": "18", "window_end_hour": "9"}, "The window must end after it starts."),
            ({"reply_team": "999999"}, "Select a valid choice"),
            ({"layout": "template:999999"}, "Select a valid choice"),
        ]
        for overrides, expected in cases:
            response = client_agent.post(_url("new", workspace), _post_data(agent, **overrides))
            assert response.status_code == 200, overrides
            assert expected in response.content.decode(), overrides
        assert not OutboundMessage.objects.for_workspace(workspace).exists()

    def test_a_custom_attribute_is_a_known_placeholder(self, client_agent, workspace, agent):
        AttributeDefinition.objects.create(workspace=workspace, key="plan_name", type="string",
                                           target=AttributeDefinition.Target.CONTACT)
        response = client_agent.post(_url("new", workspace), _post_data(agent, body="<p>{{plan_name}}</p>"))
        assert response.status_code == 302
        page = client_agent.get(response["Location"]).content.decode()
        assert 'value="{{plan_name}}"' in page  # in the placeholder menu

    def test_mass_assignment_changes_nothing(self, client_agent, workspace, agent, other_workspace):
        message = _message(workspace, agent)
        response = client_agent.post(_url("edit", workspace, message_id=message.pk), _post_data(
            agent, state="live", workspace=other_workspace.pk, workspace_id=other_workspace.pk, audience_size=999,
            went_live_at="2020-01-01T00:00", created_by=agent.pk, kind="chat"))
        assert response.status_code == 302
        message.refresh_from_db()
        assert message.title == "Onboarding"
        assert (message.state, message.workspace_id, message.audience_size, message.went_live_at, message.kind) == (
            "draft", workspace.pk, 0, None, "email")

    def test_a_live_message_keeps_its_audience(self, client_agent, workspace, owner, agent):
        message = _message(workspace, owner)
        OutboundMessage.objects.for_workspace(workspace).filter(pk=message.pk).update(state="live")
        rule = json.dumps({"version": 1, "match": "all", "rules": [{"field": "role", "operator": "is", "value": "lead"}]})
        response = client_agent.post(_url("edit", workspace, message_id=message.pk),
                                     _post_data(agent, rule=rule, delivery="dynamic", subject="New words"))
        assert response.status_code == 302
        message.refresh_from_db()
        assert message.subject == "New words" and message.rule == {} and message.delivery == "fixed"
        page = client_agent.get(_url("edit", workspace, message_id=message.pk)).content.decode()
        assert "data-audience-builder" not in page and "cannot change" in page

    def test_saved_template_as_layout(self, client_agent, workspace, agent, owner):
        template = services.template_save(workspace=workspace, actor=owner, template=None, name="Brand",
                                          html="<html><body><!--PARLEY:CONTENT--><a href='{{unsubscribe_url}}'>x</a></body></html>")
        response = client_agent.post(_url("new", workspace), _post_data(agent, layout=f"template:{template.pk}"))
        assert response.status_code == 302
        assert OutboundMessage.objects.for_workspace(workspace).get().template == template


class TestAudienceCountAndPreview:
    def test_count_only_people_with_an_email_not_suppressed(self, client_agent, workspace):
        from outbound.models import Suppression

        ContactFactory(workspace=workspace, role="user", email="a@example.com")
        ContactFactory(workspace=workspace, role="lead", email="b@example.com")
        ContactFactory(workspace=workspace, role="user", email="")
        ContactFactory(workspace=workspace, role="visitor", email="v@example.com")
        ContactFactory(workspace=workspace, role="user", email="gone@example.com")
        Suppression.objects.create(workspace=workspace, email="gone@example.com", reason="bounced")
        response = client_agent.get(_url("audience_count", workspace), {"rule": ""})
        assert 'data-audience-total="2"' in response.content.decode()
        rule = json.dumps({"version": 1, "match": "all", "rules": [{"field": "role", "operator": "is", "value": "lead"}]})
        body = client_agent.get(_url("audience_count", workspace), {"rule": rule}).content.decode()
        assert 'data-audience-total="1"' in body and "data-audience-sentence" in body
        bad = client_agent.get(_url("audience_count", workspace), {"rule": '{"rules": [{"field": "x"}]}'})
        assert bad.status_code == 400 and "This audience cannot be used" in bad.content.decode()

    def test_preview_as_a_contact_in_a_locked_down_document(self, client_agent, workspace, owner):
        message = _message(workspace, owner)
        aoi = ContactFactory(workspace=workspace, role="user", name="Aoi Tanaka", email="aoi@example.com")
        response = client_agent.get(_url("preview", workspace, message_id=message.pk), {"contact": aoi.pk})
        assert response.status_code == 200
        assert "Hello Aoi." in response.content.decode()
        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        as_me = client_agent.get(_url("preview", workspace, message_id=message.pk))
        assert as_me.status_code == 200 and "Hello" in as_me.content.decode()

    def test_preview_of_a_contact_elsewhere_is_404(self, client_agent, workspace, owner, other_workspace):
        message = _message(workspace, owner)
        stranger = ContactFactory(workspace=other_workspace, role="user", email="s@example.com")
        assert client_agent.get(_url("preview", workspace, message_id=message.pk),
                                {"contact": stranger.pk}).status_code == 404
        assert client_agent.get(_url("preview", workspace, message_id=message.pk),
                                {"contact": "abc"}).status_code == 404

    def test_contact_search(self, client_agent, workspace, other_workspace):
        ContactFactory(workspace=workspace, role="user", name="Aoi Tanaka", email="aoi@example.com")
        ContactFactory(workspace=other_workspace, role="user", name="Aoi Elsewhere", email="x@example.com")
        body = client_agent.get(_url("contact_search", workspace), {"q": "aoi"}).content.decode()
        assert "Aoi Tanaka" in body and "Elsewhere" not in body

    def test_send_a_test_to_myself(self, client_agent, workspace, owner, agent):
        message = _message(workspace, owner)
        aoi = ContactFactory(workspace=workspace, role="user", name="Aoi Tanaka", email="aoi@example.com")
        response = client_agent.post(_url("send_test", workspace, message_id=message.pk), {"contact": aoi.pk})
        assert response.status_code == 302
        assert [m.to for m in mail.outbox] == [[agent.user.email]]
        assert "Hi Aoi" in mail.outbox[0].subject and not Delivery.objects.for_workspace(workspace).exists()


class TestActions:
    def test_set_live_pause_resume_stop(self, client_agent, workspace, owner, eager_celery,
                                        django_capture_on_commit_callbacks):
        ContactFactory(workspace=workspace, role="user", name="Aoi Tanaka", email="aoi@example.com")
        message = _message(workspace, owner)
        with django_capture_on_commit_callbacks(execute=True):  # the evaluation is enqueued on commit
            response = client_agent.post(_url("set_live", workspace, message_id=message.pk))
        assert response.status_code == 302
        message.refresh_from_db()
        assert message.state == "live" and message.audience_size == 1
        assert [m.to for m in mail.outbox] == [["aoi@example.com"]]
        page = client_agent.get(_url("edit", workspace, message_id=message.pk)).content.decode()
        assert 'data-sent>1<' in page
        client_agent.post(_url("pause", workspace, message_id=message.pk))
        message.refresh_from_db()
        assert message.state == "paused"
        client_agent.post(_url("set_live", workspace, message_id=message.pk))
        message.refresh_from_db()
        assert message.state == "live"
        assert "Stop for good" in client_agent.get(_url("stop", workspace, message_id=message.pk)).content.decode()
        client_agent.post(_url("stop", workspace, message_id=message.pk))
        message.refresh_from_db()
        assert message.state == "stopped"

    def test_refused_action_shows_the_reason(self, client_agent, workspace, owner):
        message = _message(workspace, owner, subject="")
        response = client_agent.post(_url("set_live", workspace, message_id=message.pk), follow=True)
        assert "subject and a body" in response.content.decode()
        message.refresh_from_db()
        assert message.state == "draft"

    def test_actions_are_post_only(self, client_agent, workspace, owner):
        message = _message(workspace, owner)
        for name in ("set_live", "pause", "send_test"):
            assert client_agent.get(_url(name, workspace, message_id=message.pk)).status_code == 405
        assert client_agent.get(_url("delete", workspace, message_id=message.pk)).status_code == 200  # asks first
        message.refresh_from_db()
        assert message.state == "draft"

    def test_delete_a_draft_only(self, client_agent, workspace, owner):
        draft = _message(workspace, owner)
        client_agent.post(_url("delete", workspace, message_id=draft.pk))
        assert not OutboundMessage.objects.for_workspace(workspace).filter(pk=draft.pk).exists()
        live = _message(workspace, owner)
        OutboundMessage.objects.for_workspace(workspace).filter(pk=live.pk).update(state="live")
        response = client_agent.post(_url("delete", workspace, message_id=live.pk), follow=True)
        assert "Only drafts can be deleted" in response.content.decode()
        assert OutboundMessage.objects.for_workspace(workspace).filter(pk=live.pk).exists()

    def test_progress_polls_while_sending_and_lists_failures(self, client_agent, workspace, owner):
        message = _message(workspace, owner)
        OutboundMessage.objects.for_workspace(workspace).filter(pk=message.pk).update(state="live")
        people = [ContactFactory(workspace=workspace, role="user", email=f"p{i}@example.com") for i in range(3)]
        _deliveries(message, people[:1], status="pending")
        _deliveries(message, people[1:2], status="failed", error="SMTPRecipientsRefused: 550 no such user",
                    attempts=1)
        _deliveries(message, people[2:], status="sent", sent_at=timezone.now())
        body = client_agent.get(_url("progress", workspace, message_id=message.pk)).content.decode()
        assert 'hx-trigger="every 3s"' in body and "data-pending>1<" in body and "data-failed>1<" in body
        page = client_agent.get(_url("edit", workspace, message_id=message.pk)).content.decode()
        assert "550 no such user" in page
        Delivery.objects.for_workspace(workspace).filter(status="pending").update(status="sent", sent_at=timezone.now())
        assert "every 3s" not in client_agent.get(_url("progress", workspace, message_id=message.pk)).content.decode()


class TestTemplates:
    HTML = "<!doctype html><html><head><style>p{color:red}</style></head><body><!--PARLEY:CONTENT-->" \
           "<a href=\"{{unsubscribe_url}}\">Unsubscribe</a></body></html>"

    def test_admin_only(self, client_agent, workspace, owner):
        template = services.template_save(workspace=workspace, actor=owner, template=None, name="T", html=self.HTML)
        assert client_agent.get(_url("templates", workspace)).status_code == 403
        assert client_agent.post(_url("template_new", workspace), {"name": "X", "html": self.HTML}).status_code == 403
        assert client_agent.post(_url("template_delete", workspace, template_id=template.pk)).status_code == 403
        assert EmailTemplate.objects.for_workspace(workspace).count() == 1

    def test_create_edit_delete(self, client_admin, workspace):
        response = client_admin.post(_url("template_new", workspace), {"name": "Brand", "html": self.HTML})
        template = EmailTemplate.objects.for_workspace(workspace).get()
        assert response.status_code == 302 and template.html == self.HTML  # a layout is kept as written
        assert "Brand" in client_admin.get(_url("templates", workspace)).content.decode()
        client_admin.post(_url("template_edit", workspace, template_id=template.pk),
                          {"name": "Brand 2", "html": self.HTML})
        template.refresh_from_db()
        assert template.name == "Brand 2"
        preview = client_admin.get(_url("template_preview", workspace, template_id=template.pk))
        assert "default-src 'none'" in preview["Content-Security-Policy"] and "A heading" in preview.content.decode()
        client_admin.post(_url("template_delete", workspace, template_id=template.pk))
        assert not EmailTemplate.objects.for_workspace(workspace).exists()

    def test_bad_layouts_are_refused(self, client_admin, workspace):
        for html, reason in [
            ("<html><body>no marker {{unsubscribe_url}}</body></html>", "exactly once"),
            ("<!--PARLEY:CONTENT--><!--PARLEY:CONTENT-->{{unsubscribe_url}}", "exactly once"),
            ("<body><!--PARLEY:CONTENT--></body>", "unsubscribe link"),
            ("<!--PARLEY:CONTENT-->{{unsubscribe_url}}{{nope}}", "Unknown placeholders: nope"),
        ]:
            response = client_admin.post(_url("template_new", workspace), {"name": "Bad", "html": html})
            assert response.status_code == 200 and reason in response.content.decode(), html
        services.template_save(workspace=workspace, actor=None, template=None, name="Taken", html=self.HTML)
        response = client_admin.post(_url("template_new", workspace), {"name": "Taken", "html": self.HTML})
        assert "already exists" in response.content.decode()
        assert EmailTemplate.objects.for_workspace(workspace).count() == 1


class TestTrackingSwitch:
    def test_admin_turns_tracking_off(self, client_admin, workspace):
        url = reverse("workspaces:settings_general", kwargs={"workspace_slug": workspace.slug})
        page = client_admin.get(url).content.decode()
        assert "track email opens and clicks" in page.lower()
        data = {"ws-name": workspace.name, "ws-slug": workspace.slug, "ws-timezone": workspace.timezone,
                "ws-default_language": workspace.default_language,
                "ws-expected_reply_time": workspace.expected_reply_time, "ws-messenger_color": "#3b5bdb",
                "hours-TOTAL_FORMS": "0", "hours-INITIAL_FORMS": "0"}
        assert client_admin.post(url, data).status_code == 302
        workspace.refresh_from_db()
        assert workspace.email_tracking_enabled is False
        client_admin.post(url, {**data, "ws-email_tracking_enabled": "on"})
        workspace.refresh_from_db()
        assert workspace.email_tracking_enabled is True

    def test_agents_cannot(self, client_agent, workspace):
        url = reverse("workspaces:settings_general", kwargs={"workspace_slug": workspace.slug})
        assert client_agent.post(url, {"ws-email_tracking_enabled": ""}).status_code == 403
        workspace.refresh_from_db()
        assert workspace.email_tracking_enabled is True


def test_outsiders_and_anonymous(client, client_outsider, workspace, owner):
    message = _message(workspace, owner)
    assert client.get(_url("index", workspace)).status_code == 302  # to sign in
    assert client_outsider.get(_url("index", workspace)).status_code == 404
    assert client_outsider.get(_url("edit", workspace, message_id=message.pk)).status_code == 404
