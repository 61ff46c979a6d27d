"""The team's tickets screens: the list's views, filters, keyset pages and query budget; the
ticket page's edits (field errors per field), states (a tracker moving its customer tickets),
assignment with scoped choices, notes and replies; opening a ticket from a conversation."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ContactFactory, MembershipFactory, TeamFactory, conversation_create
from tickets import selectors, services
from tickets.models import Ticket, TicketField, TicketPart, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture
def bug(workspace):  # type: ignore[no-untyped-def]
    kind = TicketType.objects.create(workspace=workspace, category="customer", name="Bug report", icon="🐞")
    TicketField.objects.create(workspace=workspace, ticket_type=kind, key="severity", label="Severity",
                               kind="number", required=True, customer_visible=False)
    TicketField.objects.create(workspace=workspace, ticket_type=kind, key="browser", label="Browser", kind="list",
                               options=["Chrome", "Safari"])
    return kind


@pytest.fixture
def tracker_type(workspace):  # type: ignore[no-untyped-def]
    return TicketType.objects.create(workspace=workspace, category="tracker", name="Outage")


def _open(workspace, kind, **kwargs):  # type: ignore[no-untyped-def]
    if kind.category == "customer":
        kwargs.setdefault("contact", ContactFactory(workspace=workspace, role="user", name="Cleo Customer"))
        kwargs.setdefault("values", {"severity": 2})
    return services.ticket_create(workspace=workspace, ticket_type=kind, **kwargs)


def _url(workspace, name, **kwargs):  # type: ignore[no-untyped-def]
    return reverse(f"tickets:{name}", kwargs={"workspace_slug": workspace.slug, **kwargs})


def _list_queries(client, workspace) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(workspace, "index"), {"view": "all"})
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_3_and_30_tickets(workspace, agent, client_agent, bug):
    team = TeamFactory(workspace=workspace)
    for _ in range(3):
        _open(workspace, bug, assignee=agent, team=team)
    few = _list_queries(client_agent, workspace)
    for _ in range(27):
        _open(workspace, bug, assignee=agent, team=team)
    assert _list_queries(client_agent, workspace) == few


def test_views_counts_and_filters(workspace, agent, client_agent, bug, tracker_type):
    team = TeamFactory(workspace=workspace)
    team.members.add(agent)
    mine = _open(workspace, bug, assignee=agent, title="Mine")
    ours = _open(workspace, bug, team=team, title="Our team's")
    loose = _open(workspace, tracker_type, title="Nobody's")
    done = _open(workspace, bug, title="Done")
    services.ticket_set_state(ticket=done, state="resolved", actor=agent)

    def numbers(**params):  # type: ignore[no-untyped-def]
        response = client_agent.get(_url(workspace, "index"), params)
        return {ticket.number for ticket in response.context["tickets"]}, response

    assert numbers(view="mine")[0] == {mine.number}
    assert numbers(view="teams")[0] == {ours.number}
    assert numbers(view="unassigned")[0] == {ours.number, loose.number}
    assert numbers(view="resolved")[0] == {done.number}
    assert numbers(view="all", type=tracker_type.pk)[0] == {loose.number}
    assert numbers(view="all", state="resolved")[0] == {done.number}
    assert numbers(view="all", q=f"#{ours.number}")[0] == {ours.number}
    found, response = numbers(view="open")
    assert found == {mine.number, ours.number, loose.number}
    assert response.context["counts"] == {"open": 3, "mine": 1, "teams": 1, "unassigned": 2, "resolved": 1, "all": 4,
                                          "state_submitted": 3, "state_in_progress": 0, "state_waiting": 0,
                                          "state_resolved": 1}
    assert b"Cleo Customer" in response.content and "🐞".encode() in response.content


def test_keyset_pages_walk_every_ticket_once(workspace, agent, client_agent, tracker_type):
    total = selectors.PAGE_SIZE + 5
    for index in range(total):
        _open(workspace, tracker_type, title=f"T{index}")
    first = client_agent.get(_url(workspace, "index"))
    assert len(first.context["tickets"]) == selectors.PAGE_SIZE and first.context["next_url"]
    second = client_agent.get(_url(workspace, "index") + first.context["next_url"], headers={"HX-Request": "true"})
    rest = [int(n) for n in re.findall(r'id="ticket-(\d+)"', second.content.decode())]
    seen = [t.number for t in first.context["tickets"]] + rest
    assert sorted(seen) == list(range(1, total + 1)) and "tickets-more" not in second.content.decode()


def test_ticket_page_shows_fields_timeline_in_words_and_outsider_gets_404(
        workspace, agent, client_agent, client_outsider, bug):
    ticket = _open(workspace, bug, title="Cannot log in", assignee=agent)
    services.ticket_set_state(ticket=ticket, state="waiting", actor=agent)
    services.ticket_note(ticket=ticket, actor=agent, body="<b>check logs</b>")
    response = client_agent.get(_url(workspace, "ticket", number=ticket.number))
    page = response.content.decode()
    assert "Cannot log in" in page and "State changed from Submitted to Waiting on customer" in page
    assert "&lt;b&gt;check logs&lt;/b&gt;" in page and "<b>check logs" not in page
    assert client_outsider.get(_url(workspace, "ticket", number=ticket.number)).status_code == 404


def test_editing_fields_shows_errors_per_field_and_saves_nothing(workspace, agent, client_agent, bug):
    ticket = _open(workspace, bug)
    response = client_agent.post(_url(workspace, "edit", number=ticket.number),
                                 {"title": "New title", "field-severity": "lots", "field-browser": "Netscape"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a number." in page and "Choose one of the options." in page
    ticket.refresh_from_db()
    assert ticket.title != "New title" and ticket.values == {"severity": 2}
    response = client_agent.post(_url(workspace, "edit", number=ticket.number),
                                 {"title": "New title", "field-severity": "3", "field-browser": "Safari"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.title == "New title" and ticket.values == {"severity": 3, "browser": "Safari"}
    assert TicketPart.objects.for_workspace(workspace).filter(ticket=ticket, event="field_changed").exists()


def test_a_tracker_moves_its_customer_tickets_only_when_asked(workspace, agent, client_agent, bug, tracker_type):
    tracker = _open(workspace, tracker_type, title="Login outage")
    linked = _open(workspace, bug)
    client_agent.post(_url(workspace, "tracker", number=linked.number), {"tracker": tracker.pk})
    linked.refresh_from_db()
    assert linked.tracker_id == tracker.pk
    page = client_agent.get(_url(workspace, "ticket", number=tracker.number)).content.decode()
    assert f"#{linked.number}" in page
    client_agent.post(_url(workspace, "state", number=tracker.number), {"state": "in_progress"})
    linked.refresh_from_db()
    assert linked.state == "submitted"
    client_agent.post(_url(workspace, "state", number=tracker.number), {"state": "resolved", "update_linked": "1"})
    linked.refresh_from_db()
    assert linked.state == "resolved"


def test_assignment_refuses_another_workspaces_teammate(workspace, other_workspace, agent, outsider,
                                                        client_agent, bug):
    ticket = _open(workspace, bug)
    client_agent.post(_url(workspace, "assign", number=ticket.number), {"assignee": outsider.pk})
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
    colleague = MembershipFactory(workspace=workspace)
    client_agent.post(_url(workspace, "assign", number=ticket.number), {"assignee": colleague.pk})
    ticket.refresh_from_db()
    assert ticket.assignee_id == colleague.pk


def test_notes_and_replies(workspace, agent, client_agent, bug, tracker_type):
    ticket = _open(workspace, bug)
    client_agent.post(_url(workspace, "note", number=ticket.number), {"body": "internal", "kind": "note"})
    client_agent.post(_url(workspace, "note", number=ticket.number), {"body": "Hello!", "kind": "reply"})
    kinds = list(TicketPart.objects.for_workspace(workspace).filter(ticket=ticket)
                 .exclude(kind="event").values_list("kind", "body"))
    assert kinds == [("note", "internal"), ("reply", "Hello!")]
    tracker = _open(workspace, tracker_type)
    response = client_agent.post(_url(workspace, "note", number=tracker.number), {"body": "x", "kind": "reply"},
                                 follow=True)
    assert "Only customer tickets have a customer to answer." in response.content.decode()


def test_a_conversation_becomes_a_customer_ticket(workspace, agent, client_agent, bug):
    conversation = conversation_create(workspace=workspace)
    url = _url(workspace, "from_conversation", number=conversation.number)
    chosen = client_agent.get(url, {"type": bug.pk})
    assert "field-severity" in chosen.content.decode()
    refused = client_agent.post(f"{url}?type={bug.pk}", {"ticket_type": bug.pk, "title": "Refund"})
    assert "This field is required." in refused.content.decode() and not Ticket.objects.for_workspace(workspace).exists()
    response = client_agent.post(url, {"ticket_type": bug.pk, "title": "Refund", "field-severity": "1"})
    ticket = Ticket.objects.for_workspace(workspace).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/tickets/{ticket.number}/")
    assert ticket.contact_id == conversation.contact_id and ticket.conversation_id == conversation.pk
    assert ticket.created_by_id == agent.pk


def test_a_back_office_ticket_from_the_tickets_screen(workspace, agent, client_agent, bug):
    office = TicketType.objects.create(workspace=workspace, category="back_office", name="Refund")
    # A customer type needs a customer: it is not offered here.
    assert client_agent.post(_url(workspace, "new"), {"ticket_type": bug.pk}).status_code == 200
    assert not Ticket.objects.for_workspace(workspace).exists()
    response = client_agent.post(_url(workspace, "new"), {"ticket_type": office.pk, "title": "Pay back"})
    assert response.status_code == 302
    assert Ticket.objects.for_workspace(workspace).get().title == "Pay back"


def test_the_inbox_sidebar_lists_the_customers_tickets_with_their_label(workspace, agent, client_agent, bug):
    conversation = conversation_create(workspace=workspace)
    page = client_agent.get(reverse("inbox:conversation", kwargs={"workspace_slug": workspace.slug,
                                                                  "number": conversation.number}))
    assert b'id="customer-tickets"' not in page.content and b"data-create-ticket" in page.content
    ticket = _open(workspace, bug, contact=conversation.contact, title="Refund please")
    services.ticket_set_state(ticket=ticket, state="waiting", actor=agent)
    page = client_agent.get(reverse("inbox:conversation", kwargs={"workspace_slug": workspace.slug,
                                                                  "number": conversation.number})).content.decode()
    assert f"#{ticket.number} Refund please" in page and "Waiting on you" in page


def test_remembered_counts_follow_every_change(workspace, agent, client_agent, bug):
    ticket = _open(workspace, bug)
    assert client_agent.get(_url(workspace, "index")).context["counts"]["open"] == 1
    client_agent.post(_url(workspace, "state", number=ticket.number), {"state": "resolved"})
    counts = client_agent.get(_url(workspace, "index")).context["counts"]
    assert (counts["open"], counts["resolved"]) == (0, 1)
    team = TeamFactory(workspace=workspace)
    services.ticket_assign(ticket=ticket, assignee=None, team=team, actor=agent)
    services.ticket_set_state(ticket=ticket, state="in_progress", actor=agent)
    assert client_agent.get(_url(workspace, "index")).context["counts"]["teams"] == 0
    team.members.add(agent)  # no ticket changed, yet "my teams" now counts it
    assert client_agent.get(_url(workspace, "index")).context["counts"]["teams"] == 1


def test_the_ticket_page_costs_the_same_queries_for_a_short_and_a_long_timeline(workspace, agent, client_agent, bug):
    ticket = _open(workspace, bug, assignee=agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_agent.get(_url(workspace, "ticket", number=ticket.number)).status_code == 200
        return len(captured)

    services.ticket_note(ticket=ticket, actor=agent, body="one")
    short = queries()
    for index in range(20):
        services.ticket_reply(ticket=ticket, actor=agent, body=f"reply {index}")
        services.ticket_set_state(ticket=ticket, state="waiting" if index % 2 else "in_progress", actor=agent)
    assert queries() == short


def test_the_ticket_page_shows_both_clocks(workspace, agent, client_agent, bug):
    import datetime as dt

    ticket = _open(workspace, bug)
    start = ticket.state_changed_at
    services.ticket_set_state(ticket=ticket, state="waiting", actor=agent, now=start + dt.timedelta(hours=3))
    services.ticket_set_state(ticket=ticket, state="resolved", actor=agent, now=start + dt.timedelta(days=3, hours=3))
    clock = client_agent.get(_url(workspace, "ticket", number=ticket.number)).context["clock"]
    # Waiting on the customer is left out of the team's clock.
    assert (clock["team"], clock["waiting"], clock["resolved"]) == ("3 hours", "3 days", "3 days")


def test_files_on_the_timeline_download_only_from_their_ticket(workspace, agent, client_agent, bug):
    from tests.tickets.isolation import attachment

    kwargs = attachment(workspace, name="log.txt", data=b"<script>x</script>")
    page = client_agent.get(_url(workspace, "ticket", number=kwargs["number"])).content.decode()
    assert f"/files/{kwargs['attachment_id']}/" in page and "log.txt" in page
    response = client_agent.get(_url(workspace, "attachment", **kwargs))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"<script>x</script>"
    assert response["Content-Disposition"].startswith("attachment") and "sandbox" in response["Content-Security-Policy"]
    other = _open(workspace, bug)
    assert client_agent.get(_url(workspace, "attachment", number=other.number,
                                 attachment_id=kwargs["attachment_id"])).status_code == 404


def test_a_back_office_ticket_linked_to_a_conversation_stays_without_a_customer(workspace, agent, client_agent):
    office = TicketType.objects.create(workspace=workspace, category="back_office", name="Billing check")
    tracker = TicketType.objects.create(workspace=workspace, category="tracker", name="Outage")
    conversation = conversation_create(workspace=workspace)
    url = _url(workspace, "from_conversation", number=conversation.number)
    client_agent.post(url, {"ticket_type": tracker.pk})  # a tracker is not offered from a conversation
    assert not Ticket.objects.for_workspace(workspace).exists()
    client_agent.post(url, {"ticket_type": office.pk, "title": "Check the invoice"})
    ticket = Ticket.objects.for_workspace(workspace).get()
    assert (ticket.category, ticket.contact_id, ticket.conversation_id) == ("back_office", None, conversation.pk)
    page = client_agent.get(_url(workspace, "ticket", number=ticket.number)).content.decode()
    assert "Reply to the customer" not in page and f"/inbox/c/{conversation.number}/" in page
