"""Small template helpers for the shell's components."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Inline icons (currentColor, 18px): the CSP needs no icon font or external sprite, and a
# dict lookup is much cheaper than an include with an if/elif chain on every nav item.
_ICON_PATHS = {
    "inbox": '<path d="M4 13l2.5-7h11L20 13v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1z"/><path d="M4 13h4l1.5 2.5h5L16 13h4"/>',
    "contacts": '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 19c.8-3.4 3.4-5 6.5-5s5.7 1.6 6.5 5"/><path d="M16 4.5a3.5 3.5 0 0 1 0 7M18 14.3c1.8.7 3 2.3 3.5 4.7"/>',
    "articles": '<path d="M5 4h10l4 4v12H5z"/><path d="M15 4v4h4M8 12h8M8 16h6"/>',
    "outbound": '<path d="M3 11l18-7-7 18-2.5-8z"/><path d="M11.5 14L21 4"/>',
    "bots": '<rect x="4" y="8" width="16" height="11" rx="3"/><path d="M12 4v4M9 13h.01M15 13h.01M9.5 16h5"/>',
    "tours": '<path d="M4 20V5M4 5h12l-2 4 2 4H4"/>',
    "tickets": '<path d="M3 8a2 2 0 0 0 0 4v4h18v-4a2 2 0 0 1 0-4V4H3z"/><path d="M9 4v12"/>',
    "reports": '<path d="M4 20V10M10 20V4M16 20v-7M22 20H2"/>',
    "settings": '<circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M2 12h3M19 12h3M4.9 19.1L7 17M17 7l2.1-2.1"/>',
    "menu": '<path d="M4 6h16M4 12h16M4 18h16"/>',
}


@register.simple_tag
def icon(name: str, css_class: str = "app-nav__icon") -> SafeString:
    paths = mark_safe(_ICON_PATHS.get(name, ""))  # constant markup defined above, never user input
    return format_html(
        '<svg class="{}" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" '
        'stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">{}</svg>',
        css_class,
        paths,
    )
