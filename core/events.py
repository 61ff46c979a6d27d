"""An explicit, commit-safe domain event bus.

Services publish frozen dataclasses that carry ids; handlers registered in each app's
handlers.py (wired in AppConfig.ready) run after the transaction commits, so nobody reacts
to a change that was rolled back. Handlers stay cheap: enqueue a task or send a nudge.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)

Event = Any
Handler = Callable[[Event], None]
_handlers: dict[type, list[Handler]] = defaultdict(list)

H = TypeVar("H", bound=Handler)


def subscribe(event_type: type) -> Callable[[H], H]:
    def register(handler: H) -> H:
        if handler not in _handlers[event_type]:
            _handlers[event_type].append(handler)
        return handler

    return register


def dispatch(event: Event) -> None:
    for handler in list(_handlers[type(event)]):
        try:
            handler(event)
        except Exception:  # one failing listener must not starve the others
            logger.exception("event_handler_failed", extra={"event": type(event).__name__})


def publish_on_commit(event: Event) -> None:
    transaction.on_commit(lambda: dispatch(event))
