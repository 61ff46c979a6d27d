"""Numbered pages for short admin lists (articles, outbound emails): the addresses of the
previous and next page, keeping the list's filters. Long lists (inbox, contacts, tickets)
page by keyset instead."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Page


def page_links(page: Page, filters: dict[str, str]) -> dict[str, str | None]:
    """Context for templates/components/page_links.html."""
    return {
        "page": page,
        "previous_url": "?" + urlencode({**filters, "page": page.previous_page_number()}) if page.has_previous() else None,
        "next_url": "?" + urlencode({**filters, "page": page.next_page_number()}) if page.has_next() else None,
    }
