"""The product areas of the agent app, in navigation order. The shell's navigation and the
placeholder pages of areas not built yet both read this list."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    key: str
    label: Promise
    url_name: str
    shortcut: str
    summary: Promise
    planned: tuple[Promise, ...] = ()


AREAS: tuple[Area, ...] = (
    Area("inbox", _("Inbox"), "inbox:index", "i", _("Conversations from the messenger and email, answered by your team."),
         (_("Live conversations with customers"), _("Assign, snooze, close and tag"), _("Saved replies and internal notes"))),
    Area("contacts", _("Contacts"), "contacts:index", "c", _("Visitors, leads and users, with companies, tags and segments."),
         (_("Spreadsheet view with filters"), _("Segments that keep themselves up to date"), _("CSV import and export"))),
    Area("articles", _("Articles"), "articles:index", "a", _("A help center your customers can search, in English and Japanese."),
         (_("Articles, collections and sections"), _("Public help center with search"), _("Reactions and views per contact"))),
    Area("outbound", _("Outbound"), "outbound:index", "o", _("Emails, chats and posts to the right people at the right time."),
         (_("Audience rules, fixed or dynamic"), _("Open, click and reply tracking"), _("Series of messages over time"))),
    Area("bots", _("Bots"), "bots:index", "b", _("Custom bots that greet, qualify and route customers."),
         (_("Reply buttons with branches"), _("Hand-off to a team"), _("When, where and who rules"))),
    Area("tours", _("Tours"), "tours:index", "t", _("Product tours shown on your own pages."),
         (_("Posts and pointers"), _("Element picking on your site"), _("Completion funnel"))),
    Area("tickets", _("Tickets"), "tickets:index", "k", _("Customer requests tracked behind the scenes."),
         (_("Ticket types with their own fields"), _("States visible to the customer"), _("Created from conversations and bots"))),
    Area("reports", _("Reports"), "reports:index", "r", _("Response times, satisfaction and volume."),
         (_("First response time and time to close"), _("CSAT and survey response rates"), _("Drill-down and CSV export"))),
)

AREAS_BY_KEY = {area.key: area for area in AREAS}
