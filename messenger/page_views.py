"""The page-view hot path: every page load and single-page route change of every visitor on
every customer site lands here, so it is one SQL statement (one round trip, one commit).

It finds the session by its token, records the page view, updates the contact's tracked
fields with the same rules as contacts.services.contact_record_visit (a new web session
after SESSION_IDLE without activity) and counts the unread conversations the session may
see — with the same visibility rule as messenger.selectors.conversations_for_session."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from contacts.services import SESSION_IDLE, PageInfo
from messenger.models import hash_session_token

_SQL = """
WITH s AS (
    SELECT workspace_id, contact_id, browser_id, verified
    FROM messenger_messengersession
    WHERE token_hash = %(token)s AND expires_at > now()
      -- The commit of this statement need not wait for the WAL flush (SET LOCAL, inside the
      -- one statement so it stays one round trip): a database crash may lose the last
      -- fraction of a second of page views, never half-apply one.
      AND set_config('synchronous_commit', 'off', true) IS NOT NULL
), view AS (
    INSERT INTO contacts_pageview (workspace_id, contact_id, url, title, referrer, created_at)
    SELECT s.workspace_id, s.contact_id, %(url)s, %(title)s, %(referrer)s, now() FROM s WHERE %(url)s <> ''
    RETURNING 1
), visit AS (
    UPDATE contacts_contact AS c SET
        session_count = c.session_count
            + CASE WHEN c.last_seen_at IS NULL OR c.last_seen_at < now() - %(idle)s THEN 1 ELSE 0 END,
        first_seen_at = COALESCE(c.first_seen_at, now()),
        last_seen_at = now(),
        page_view_count = c.page_view_count + 1,
        last_page_url = CASE WHEN %(url)s <> '' THEN %(url)s ELSE c.last_page_url END,
        last_page_title = CASE WHEN %(url)s <> '' THEN %(title)s ELSE c.last_page_title END,
        referrer = CASE WHEN c.referrer = '' THEN %(referrer)s ELSE c.referrer END,
        updated_at = now()
    FROM s
    WHERE c.id = s.contact_id AND c.workspace_id = s.workspace_id
    RETURNING c.role, c.name, c.email
)
SELECT visit.role, visit.name, visit.email, (
    SELECT count(*) FROM inbox_conversation AS conversation, s
    WHERE conversation.workspace_id = s.workspace_id AND conversation.contact_id = s.contact_id
      AND conversation.unread_by_customer AND (s.verified OR conversation.browser_id = s.browser_id)
), (SELECT count(*) FROM view)
FROM visit
"""


@dataclass(frozen=True)
class Visit:
    role: str
    name: str
    unread_count: int


def page_view_record(*, token: str, page: PageInfo) -> Visit | None:
    """None when the token names no live session."""
    if not token or len(token) > 128:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            _SQL,
            {
                "token": hash_session_token(token),
                "url": page.url,
                "title": page.title,
                "referrer": page.referrer,
                "idle": SESSION_IDLE,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    role, name, email, unread, _views = row
    return Visit(role=role, name=name or email or "", unread_count=unread)
