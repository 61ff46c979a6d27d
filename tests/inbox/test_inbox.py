from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.exceptions import ApplicationError
from inbox import selectors, services
from inbox.models import ConversationPart
from tests.factories import ContactFactory, MembershipFactory, TeamFactory, conversation_create

pytestmark = pytest.mark.django_db


def url(workspace, conversation, action=""):  # type: ignore[no-untyped-def]
    return f"/w/{workspace.slug}/inbox/c/{conversation.number}/{action}"


class TestServices:
    def test_numbers_are_per_workspace_and_sequential(self, workspace, other_workspace):
        first, second = conversation_create(workspace=workspace), conversation_create(workspace=workspace)
        elsewhere = conversation_create(workspace=other_workspace)
        assert (first.number, second.number, elsewhere.number) == (1, 2, 1)

    def test_each_action_writes_its_event_to_the_timeline(self, workspace, owner, agent):
        conversation = conversation_create(workspace=workspace)
        team = TeamFactory(workspace=workspace, name="Billing")
        services.conversation_assign(conversation=conversation, actor=owner, assignee=agent, team=team)
        services.conversation_set_priority(conversation=conversation, actor=owner, is_priority=True)
        services.conversation_tag(conversation=conversation, actor=owner, name="refund")
        services.conversation_snooze(conversation=conversation, actor=owner, until=timezone.now() + dt.timedelta(hours=1))
        services.conversation_close(conversation=conversation, actor=owner)
        services.conversation_reopen(conversation=conversation, actor=owner)
        events = list(ConversationPart.objects.for_workspace(workspace).filter(kind="event").values_list("event", flat=True))
        assert events == ["assigned", "priority", "tagged", "snoozed", "closed", "reopened"]

    def test_snooze_needs_a_future_time_and_wakes_up(self, workspace, owner):
        conversation = conversation_create(workspace=workspace)
        with pytest.raises(ApplicationError):
            services.conversation_snooze(conversation=conversation, actor=owner, until=timezone.now() - dt.timedelta(minutes=1))
        services.conversation_snooze(conversation=conversation, actor=owner, until=timezone.now() + dt.timedelta(minutes=5))
        assert services.conversations_wake() == 0
        assert services.conversations_wake(now=timezone.now() + dt.timedelta(minutes=6)) == 1
        conversation.refresh_from_db()
        assert conversation.state == "open" and conversation.snoozed_until is None

    def test_a_customer_message_reopens_a_closed_conversation(self, workspace, owner):
        conversation = conversation_create(workspace=workspace)
        services.conversation_close(conversation=conversation, actor=owner)
        services.customer_message_create(conversation=conversation, contact=conversation.contact, body="Still broken")
        conversation.refresh_from_db()
        assert conversation.state == "open"

    def test_assigning_across_workspaces_is_refused(self, workspace, owner, outsider):
        conversation = conversation_create(workspace=workspace)
        with pytest.raises(ApplicationError):
            services.conversation_assign(conversation=conversation, actor=owner, assignee=outsider, team=None)

    def test_first_reply_time_is_recorded_once(self, workspace, owner):
        conversation = conversation_create(workspace=workspace)
        services.teammate_reply_create(conversation=conversation, membership=owner, body="Hi")
        conversation.refresh_from_db()
        first = conversation.first_teammate_reply_at
        services.teammate_reply_create(conversation=conversation, membership=owner, body="Again")
        conversation.refresh_from_db()
        assert first is not None and conversation.first_teammate_reply_at == first


class TestSelectors:
    def test_views_and_counts(self, workspace, owner, agent):
        team = TeamFactory(workspace=workspace)
        mine = conversation_create(workspace=workspace)
        services.conversation_assign(conversation=mine, actor=owner, assignee=owner, team=team)
        conversation_create(workspace=workspace)
        closed = conversation_create(workspace=workspace)
        services.conversation_close(conversation=closed, actor=owner)
        counts = selectors.inbox_counts(workspace=workspace, member=owner, teams=[team])
        assert counts == {"open": 2, "mine": 1, "unassigned": 1, "snoozed": 0, "mentions": 0}
        assert team.open_count == 1
        rows, _ = selectors.conversation_list(workspace=workspace, member=owner, view=selectors.InboxView("team", team.pk))
        assert rows == [mine]

    def test_remembered_counts_follow_every_change(self, workspace, owner, django_assert_num_queries):
        team = TeamFactory(workspace=workspace)
        first = conversation_create(workspace=workspace)
        assert selectors.inbox_counts_remembered(workspace=workspace, member=owner, teams=[team])["open"] == 1
        with django_assert_num_queries(1):  # the version only; the counts come from the cache
            assert selectors.inbox_counts_remembered(workspace=workspace, member=owner, teams=[team])["mine"] == 0
        services.conversation_assign(conversation=first, actor=owner, assignee=owner, team=team)
        counts = selectors.inbox_counts_remembered(workspace=workspace, member=owner, teams=[team])
        assert (counts["mine"], counts["unassigned"], team.open_count) == (1, 0, 1)
        services.conversation_close(conversation=first, actor=owner)
        assert selectors.inbox_counts_remembered(workspace=workspace, member=owner, teams=[team])["open"] == 0
        assert team.open_count == 0
        second_team = TeamFactory(workspace=workspace)
        selectors.inbox_counts_remembered(workspace=workspace, member=owner, teams=[team, second_team])
        assert second_team.open_count == 0

    def test_keyset_pages_cover_everything_once_in_both_orders(self, workspace, owner):
        made = [conversation_create(workspace=workspace) for _ in range(7)]
        for oldest_first in (False, True):
            seen, cursor = [], None
            while True:
                rows, cursor = selectors.conversation_list(
                    workspace=workspace, member=owner, view=selectors.InboxView("open"),
                    oldest_first=oldest_first, cursor=cursor, limit=3,
                )
                seen += [row.pk for row in rows]
                if cursor is None:
                    break
            assert sorted(seen) == sorted(c.pk for c in made) and len(seen) == 7

    def test_search_by_text_contact_and_tag(self, workspace, owner):
        invoice = conversation_create(workspace=workspace, body="Where is my invoice?")
        named = conversation_create(workspace=workspace, contact=ContactFactory(workspace=workspace, name="Sato Hanako"))
        tagged = conversation_create(workspace=workspace)
        services.conversation_tag(conversation=tagged, actor=owner, name="vip")
        view = selectors.InboxView("open")
        assert selectors.conversation_list(workspace=workspace, member=owner, view=view, search="invoice")[0] == [invoice]
        assert selectors.conversation_list(workspace=workspace, member=owner, view=view, search="Sato")[0] == [named]
        assert selectors.conversation_list(workspace=workspace, member=owner, view=view, search="vip")[0] == [tagged]

    def test_the_list_costs_the_same_queries_for_5_or_40_rows(self, client_owner, workspace, owner):
        for _ in range(5):
            conversation_create(workspace=workspace)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client_owner.get(f"/w/{workspace.slug}/inbox/").status_code == 200
            return len(captured.captured_queries)

        small = queries()
        for _ in range(35):
            conversation_create(workspace=workspace)
        assert queries() == small <= 9

    def test_the_thread_shows_the_latest_50_and_loads_older(self, workspace, owner):
        conversation = conversation_create(workspace=workspace)
        for index in range(60):
            services.note_create(conversation=conversation, membership=owner, body=f"note {index}")
        parts, has_older = selectors.thread(conversation=conversation)
        assert len(parts) == 50 and has_older and parts[-1].body == "note 59"
        older, more = selectors.thread(conversation=conversation, before_id=parts[0].pk)
        assert len(older) == 11 and not more


class TestViews:
    def test_reply_reaches_the_customer_and_a_note_does_not(self, client_owner, workspace):
        conversation = conversation_create(workspace=workspace)
        client_owner.post(url(workspace, conversation, "reply/"), {"kind": "note", "body": "check refund"})
        client_owner.post(url(workspace, conversation, "reply/"), {"kind": "reply", "body": "Refunded!"})
        kinds = list(ConversationPart.objects.for_workspace(workspace).values_list("kind", "body"))
        assert ("note", "check refund") in kinds and ("reply", "Refunded!") in kinds
        conversation.refresh_from_db()
        assert conversation.unread_by_customer is True

    def test_an_empty_reply_re_renders_with_an_error(self, client_owner, workspace):
        conversation = conversation_create(workspace=workspace)
        response = client_owner.post(url(workspace, conversation, "reply/"), {"kind": "reply", "body": "  "})
        assert response.status_code == 400 and b"Write a message" in response.content

    def test_html_in_messages_is_harmless_in_the_inbox(self, client_owner, workspace):
        conversation = conversation_create(workspace=workspace, body="<img src=x onerror=alert(1)>")
        page = client_owner.get(url(workspace, conversation)).content.decode()
        assert "<img src=x onerror" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page

    def test_assign_to_me_close_snooze_and_flag(self, client_agent, agent, workspace):
        conversation = conversation_create(workspace=workspace)
        client_agent.post(url(workspace, conversation, "assign/"), {"assignee": "me"})
        client_agent.post(url(workspace, conversation, "snooze/"), {"preset": "custom", "until": "2099-01-01T09:00"})
        conversation.refresh_from_db()
        assert conversation.assignee == agent and conversation.state == "snoozed"
        assert conversation.snoozed_until.astimezone(workspace.tzinfo).hour == 9  # read in the workspace's zone
        client_agent.post(url(workspace, conversation, "close/"))
        client_agent.post(url(workspace, conversation, "troubled/"))
        conversation.refresh_from_db()
        conversation.contact.refresh_from_db()
        assert conversation.state == "closed" and conversation.contact.is_troubled
        listing = client_agent.get(f"/w/{workspace.slug}/inbox/?view=closed").content.decode()
        assert "inbox-row--troubled" in listing

    def test_a_foreign_teammate_or_team_is_not_a_choice(self, client_owner, workspace, outsider):
        conversation = conversation_create(workspace=workspace)
        foreign_team = TeamFactory(workspace=outsider.workspace)
        client_owner.post(url(workspace, conversation, "assign/"), {"assignee": outsider.pk})
        client_owner.post(url(workspace, conversation, "assign/"), {"team": foreign_team.pk})
        conversation.refresh_from_db()
        assert conversation.assignee is None and conversation.team is None

    def test_unknown_action_is_404_and_get_changes_nothing(self, client_owner, workspace):
        conversation = conversation_create(workspace=workspace)
        assert client_owner.post(url(workspace, conversation, "explode/")).status_code == 404
        assert client_owner.get(url(workspace, conversation, "close/")).status_code == 405
        conversation.refresh_from_db()
        assert conversation.state == "open"

    def test_mark_unread_until_opened(self, client_owner, workspace):
        conversation = conversation_create(workspace=workspace)
        client_owner.post(url(workspace, conversation, "unread/"))
        conversation.refresh_from_db()
        assert conversation.unread_by_team
        client_owner.get(url(workspace, conversation))
        conversation.refresh_from_db()
        assert not conversation.unread_by_team

    def test_polling_returns_only_new_parts(self, client_owner, workspace, owner):
        conversation = conversation_create(workspace=workspace)
        last = ConversationPart.objects.for_workspace(workspace).get()
        assert client_owner.get(url(workspace, conversation, "new-parts/"), {"after": last.pk}).status_code == 204
        services.customer_message_create(conversation=conversation, contact=conversation.contact, body="Hello again")
        fresh = client_owner.get(url(workspace, conversation, "new-parts/"), {"after": last.pk})
        assert fresh.status_code == 200 and b"Hello again" in fresh.content


class TestRoundRobin:
    def test_assigning_to_a_round_robin_team_picks_available_members_in_turn(self, workspace, owner):
        from workspaces.services import team_save

        first, second, away = (MembershipFactory(workspace=workspace) for _ in range(3))
        away.user.is_away = True
        away.user.save()
        team = team_save(workspace=workspace, team=None, name="Support", members=[first, second, away], round_robin=True)
        picked = []
        for _ in range(4):
            conversation = conversation_create(workspace=workspace)
            services.conversation_assign(conversation=conversation, actor=owner, assignee=None, team=team)
            conversation.refresh_from_db()
            picked.append(conversation.assignee_id)
        assert picked == [first.pk, second.pk, first.pk, second.pk]

    def test_without_round_robin_the_team_holds_it_unassigned(self, workspace, owner):
        team = TeamFactory(workspace=workspace)
        conversation = conversation_create(workspace=workspace)
        services.conversation_assign(conversation=conversation, actor=owner, assignee=None, team=team)
        conversation.refresh_from_db()
        assert conversation.assignee is None and conversation.team == team


def test_a_note_mentioning_a_teammate_puts_it_in_their_mentions(workspace, owner, agent, client_agent):
    conversation = conversation_create(workspace=workspace)
    other = conversation_create(workspace=workspace)
    services.note_create(conversation=conversation, membership=owner, body="@Aiko Agent can you check the refund?")
    services.note_create(conversation=other, membership=owner, body="no mention here, mail me@example.com")
    assert selectors.inbox_counts(workspace=workspace, member=agent)["mentions"] == 1
    rows, _ = selectors.conversation_list(workspace=workspace, member=agent, view=selectors.InboxView("mentions"))
    assert rows == [conversation]
    page = client_agent.get(f"/w/{workspace.slug}/inbox/?view=mentions").content.decode()
    assert f"conversation-{conversation.number}" in page and f"conversation-{other.number}" not in page
