from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def transaction_without_fsync_wait() -> Iterator[None]:
    """A transaction whose COMMIT does not wait for the WAL to reach disk.

    For high-volume, low-value writes only (page views, last-seen times): a crash of the
    database server can lose the last fraction of a second of them, never corrupt or half
    apply them. Everything customer-visible keeps normal, synchronous commits."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield
