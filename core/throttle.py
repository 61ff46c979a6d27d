"""Fixed-window throttles kept in the shared cache (Redis outside the demo), so every web
process counts together. A throttle is checked before the work it protects and costs two
cache reads; nothing is written to the database when it says no."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int
    window_seconds: int

    def _key(self, identity: str) -> str:
        digest = hashlib.sha256(identity.strip().lower().encode()).hexdigest()[:32]
        return f"throttle:{self.scope}:{digest}"

    def retry_after(self, identity: str) -> int:
        """Seconds until `identity` may try again; 0 when it may now."""
        key = self._key(identity)
        values = cache.get_many([key, key + ":since"])
        if values.get(key, 0) < self.limit:
            return 0
        since = values.get(key + ":since", time.time())
        return max(int(since + self.window_seconds - time.time()) + 1, 1)

    def hit(self, identity: str) -> None:
        key = self._key(identity)
        if cache.add(key, 0, timeout=self.window_seconds):
            cache.set(key + ":since", time.time(), timeout=self.window_seconds)
        try:
            cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.set(key, 1, timeout=self.window_seconds)
            cache.set(key + ":since", time.time(), timeout=self.window_seconds)

    def reset(self, identity: str) -> None:
        key = self._key(identity)
        cache.delete_many([key, key + ":since"])


def retry_after_any(checks: list[tuple[Throttle, str]]) -> int:
    return max((throttle.retry_after(identity) for throttle, identity in checks), default=0)
