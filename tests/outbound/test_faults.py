"""Provider and server faults, through a real SMTP server in the test: a 4xx or a dropped
connection waits out a growing backoff and is then sent; a 5xx or a refused address is
marked failed with the reason; a server that is down ends the batch without spending the
other recipients' attempts; retries stop at MAX_ATTEMPTS; nothing is left 'sending'; the
lease sweep hands back rows of a dead worker and restarts a message whose tasks were lost;
a contact who changed their address is sent to the new one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from outbound import audiences, sending, services
from outbound.models import Delivery, DeliveryEvent, OutboundMessage, Suppression
from tests.factories import ContactFactory
from tests.outbound.sink import HANG_UP, smtp_sink, use_sink
from tests.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(workspace, owner):  # type: ignore[no-untyped-def]
    for name in ("ann", "ben", "cho", "dan", "eri"):
        ContactFactory(workspace=workspace, role="user", name=name.title(), email=f"{name}@example.com")
    message = services.message_create(workspace=workspace, actor=owner, title="News", sender=owner,
                                      subject="News for {{first_name}}", body="<p>Hello</p>")
    services.message_set_live(message=message, actor=owner)
    audiences.audience_evaluate(message=message)
    return message


def fresh(message: OutboundMessage) -> OutboundMessage:
    return OutboundMessage.objects.for_workspace(message.workspace_id).select_related(
        "workspace", "sender__user").get(pk=message.pk)


def rows(message: OutboundMessage) -> dict[str, Delivery]:
    return {d.email.split("@")[0]: d for d in Delivery.objects.for_workspace(message.workspace_id).filter(message=message)}


def backoff_passes(message: OutboundMessage) -> None:
    Delivery.objects.for_workspace(message.workspace_id).filter(message=message, status="pending").update(
        locked_until=timezone.now() - dt.timedelta(seconds=1))


def test_transient_failures_wait_their_backoff_then_are_sent(message, settings):  # type: ignore[no-untyped-def]
    with smtp_sink(rcpt={"ben@example.com": ["451 4.7.1 Greylisted, try later"], "cho@example.com": [HANG_UP]},
                   data={"dan@example.com": ["452 4.3.1 Insufficient storage"]}) as sink:
        use_sink(settings, sink)
        result = sending.send_batch(message=fresh(message))
        assert (result.claimed, result.sent, result.more) == (5, 2, False)
        by = rows(message)
        for name, code in (("ben", "451"), ("cho", "Disconnected"), ("dan", "452")):
            assert by[name].status == "pending" and by[name].attempts == 1 and code in by[name].error
            wait = (by[name].locked_until - timezone.now()).total_seconds()
            assert 50 < wait <= 60  # the first backoff
        assert 50 < result.retry_in <= 61  # the task comes back when they are due
        # Not due yet: nothing is claimed again, however often the task runs.
        assert sending.send_batch(message=fresh(message)).claimed == 0
        backoff_passes(message)
        assert sending.send_batch(message=fresh(message)).sent == 3
    assert sorted(sink.counts().values()) == [1, 1, 1, 1, 1]
    assert {d.status for d in rows(message).values()} == {"sent"}


def test_permanent_failures_are_marked_with_their_reason(message, settings):  # type: ignore[no-untyped-def]
    with smtp_sink(rcpt={"ben@example.com": ["550 5.1.1 No such user"]},
                   data={"cho@example.com": ["554 5.7.1 Message rejected as spam"]}) as sink:
        use_sink(settings, sink)
        result = sending.send_batch(message=fresh(message))
    by = rows(message)
    assert by["ben"].status == "failed" and "550" in by["ben"].error and "No such user" in by["ben"].error
    assert by["cho"].status == "failed" and "554" in by["cho"].error
    assert (result.sent, result.more, result.retry_in) == (3, False, None)
    assert DeliveryEvent.objects.for_workspace(message.workspace_id).filter(kind="failed").count() == 2
    assert set(sink.counts()) == {"ann@example.com", "dan@example.com", "eri@example.com"}


def test_a_server_that_is_down_ends_the_batch_and_the_rest_keep_their_attempts(message, settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    result = sending.send_batch(message=fresh(message))
    assert result.sent == 0 and result.retry_in and not result.more
    attempts = sorted(d.attempts for d in rows(message).values())
    assert attempts == [0, 0, 1, 1, 1]  # three tries, then the server is taken to be down
    assert {d.status for d in rows(message).values()} == {"pending"}
    assert all(d.locked_until > timezone.now() for d in rows(message).values())


def test_retries_stop_at_the_maximum(message, settings):  # type: ignore[no-untyped-def]
    with smtp_sink(rcpt={"ann@example.com": ["421 4.3.2 Busy"] * sending.MAX_ATTEMPTS}) as sink:
        use_sink(settings, sink)
        for _ in range(sending.MAX_ATTEMPTS):
            sending.send_batch(message=fresh(message))
            backoff_passes(message)
    ann = rows(message)["ann"]
    assert (ann.status, ann.attempts) == ("failed", sending.MAX_ATTEMPTS) and "421" in ann.error
    assert "ann@example.com" not in sink.counts()
    assert not Delivery.objects.for_workspace(message.workspace_id).filter(status__in=["pending", "sending"]).exists()


def test_the_sweep_hands_back_a_dead_workers_rows_and_restarts_lost_messages(message, settings):  # type: ignore[no-untyped-def]
    claimed = sending.claim(message=fresh(message), limit=2)  # a worker that then died
    assert sending.leases_sweep() == []  # its lease runs: it may still be sending
    later = timezone.now() + dt.timedelta(seconds=settings.OUTBOUND_SEND_LEASE_SECONDS + 1)
    assert sending.leases_sweep(now=later) == [(message.workspace_id, message.pk)]
    assert {d.status for d in rows(message).values()} == {"pending"}
    with smtp_sink() as sink:
        use_sink(settings, sink)
        sending.send_batch(message=fresh(message))
    assert sorted(sink.counts().values()) == [1] * 5
    assert {rows(message)[d.email.split("@")[0]].attempts for d in claimed} == {2}
    assert sending.leases_sweep() == []  # nothing left to do


def test_a_worker_whose_lease_was_taken_over_sends_nothing_of_it(message, settings):  # type: ignore[no-untyped-def]
    """A worker stalled past its lease: the sweep gave its rows to another worker, which sent
    them. The stalled one, waking up, must not send or record them a second time."""
    stalled = sending.claim(message=fresh(message))
    sending.leases_sweep(now=timezone.now() + dt.timedelta(seconds=settings.OUTBOUND_SEND_LEASE_SECONDS + 1))
    with smtp_sink() as sink:
        use_sink(settings, sink)
        sending.send_batch(message=fresh(message))  # the other worker
        held = sending._Held(stalled)
        held.until = timezone.now() - dt.timedelta(seconds=1)  # its lease is long gone
        assert not any(held.keeps(row, stalled) for row in stalled)
    assert sorted(sink.counts().values()) == [1] * 5


def test_a_long_batch_renews_its_lease(message, settings):  # type: ignore[no-untyped-def]
    settings.OUTBOUND_SEND_LEASE_SECONDS = 3
    rows_ = sending.claim(message=fresh(message))
    held = sending._Held(rows_)
    first_until = held.until
    held.until = timezone.now() + dt.timedelta(seconds=0.5)  # two thirds of it have passed
    Delivery.objects.for_workspace(message.workspace_id).filter(pk__in=[r.pk for r in rows_]).update(
        locked_until=held.until)
    assert held.keeps(rows_[0], rows_) and held.until > first_until - dt.timedelta(seconds=1)
    assert set(Delivery.objects.for_workspace(message.workspace_id).values_list("locked_until", flat=True)) == {held.until}


def test_a_changed_address_is_used_and_a_removed_or_suppressed_one_is_not(message, workspace, settings):  # type: ignore[no-untyped-def]
    by = rows(message)
    contacts = {name: d.contact for name, d in by.items()}
    contacts["ann"].email = "ann.new@example.com"
    contacts["ben"].email = ""
    contacts["cho"].email = "cho.new@example.com"
    for contact in contacts.values():
        contact.save()
    Suppression.objects.create(workspace=workspace, email="cho.new@example.com", reason="unsubscribed")
    with smtp_sink() as sink:
        use_sink(settings, sink)
        sending.send_batch(message=fresh(message))
    assert sorted(sink.counts()) == ["ann.new@example.com", "dan@example.com", "eri@example.com"]
    by = {d.contact_id: d for d in Delivery.objects.for_workspace(workspace).filter(message=message)}
    assert by[contacts["ann"].pk].email == "ann.new@example.com" and by[contacts["ann"].pk].status == "sent"
    assert by[contacts["ben"].pk].status == "suppressed" and by[contacts["ben"].pk].error
    assert by[contacts["cho"].pk].status == "suppressed"


def test_never_finished_with_rows_pending(message, settings):  # type: ignore[no-untyped-def]
    """What the task reads to decide whether to come back: with a row waiting out its
    backoff the message is not done."""
    with smtp_sink(rcpt={"eri@example.com": ["450 4.2.0 Mailbox busy"]}) as sink:
        use_sink(settings, sink)
        result = sending.send_batch(message=fresh(message))
    assert result.retry_in and Delivery.objects.for_workspace(message.workspace_id).filter(
        status="pending").count() == 1
    Delivery.objects.for_workspace(message.workspace_id).filter(status="pending").update(
        locked_until=F("created_at"))
    assert sending.send_batch(message=fresh(message)).claimed == 1


def test_the_demo_mailbox_keeps_each_email_under_its_workspace(message, other_workspace, settings, tmp_path):  # type: ignore[no-untyped-def]
    from django.core.mail import send_mail

    from outbound import mailbox

    settings.EMAIL_BACKEND = "outbound.mailbox.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    sending.send_batch(message=fresh(message))
    send_mail("Sign in", "link", "no-reply@localhost", ["x@example.com"])  # no workspace: kept apart
    app_id = message.workspace.app_id
    kept = mailbox.mailbox_list(app_id=app_id)
    assert sorted(k.to for k in kept) == [f"{n}@example.com" for n in ("ann", "ben", "cho", "dan", "eri")]
    assert kept[0].subject.startswith("News for ")
    one = mailbox.mailbox_get(app_id=app_id, name=kept[0].name)
    assert one is not None and "Hello" in one.text
    assert mailbox.mailbox_list(app_id=other_workspace.app_id) == []
    assert mailbox.mailbox_get(app_id=other_workspace.app_id, name=kept[0].name) is None
    assert mailbox.mailbox_get(app_id=app_id, name="../" + kept[0].name) is None
    assert len(list((tmp_path / mailbox.OTHER).iterdir())) == 1
