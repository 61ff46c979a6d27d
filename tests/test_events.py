from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from core import events


@dataclass(frozen=True)
class SomethingHappened:
    workspace_id: int


@pytest.fixture
def received():
    seen: list[SomethingHappened] = []

    def broken(event: SomethingHappened) -> None:
        raise RuntimeError("a broken listener")

    def record(event: SomethingHappened) -> None:
        seen.append(event)

    events.subscribe(SomethingHappened)(broken)
    events.subscribe(SomethingHappened)(record)
    yield seen
    events._handlers.pop(SomethingHappened, None)


@pytest.mark.django_db(transaction=True)
def test_handlers_run_after_commit_and_survive_a_broken_neighbour(received):
    with transaction.atomic():
        events.publish_on_commit(SomethingHappened(workspace_id=1))
        assert received == []  # not before the commit
    assert received == [SomethingHappened(workspace_id=1)]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_announces_nothing(received):
    with pytest.raises(ValueError):
        with transaction.atomic():
            events.publish_on_commit(SomethingHappened(workspace_id=2))
            raise ValueError("rolled back")
    assert received == []
