"""A help center's colours and header picture as a stylesheet (/help/<slug>/theme.css).

The CSP allows no inline styles, so per-help-center branding cannot go into the page: it is
served as a small stylesheet of custom properties that static/help_center/help.css reads.
Only values that pass these checks are written out, so nothing a settings form let through
can break out of a declaration."""

from __future__ import annotations

import re

from django.urls import reverse

from articles.models import HelpCenter

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOR = "#3b5bdb"
DEFAULT_HEADER_COLOR = "#1f2a44"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def valid_color(value: str, fallback: str) -> str:
    return value.lower() if HEX_COLOR.match(value or "") else fallback


def _luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = []
    for index in (1, 3, 5):
        value = int(color[index : index + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def text_on(color: str) -> str:
    """White or near-black, whichever reads better on `color` (WCAG contrast)."""
    luminance = _luminance(color)
    on_white = 1.05 / (luminance + 0.05)
    on_dark = (luminance + 0.05) / (0.0 + 0.05)
    return "#ffffff" if on_white >= on_dark else "#111827"


def theme_css(help_center: HelpCenter) -> str:
    color = valid_color(help_center.color, DEFAULT_COLOR)
    header = valid_color(help_center.header_color, DEFAULT_HEADER_COLOR)
    lines = [
        ":root {",
        f"  --hc-color: {color};",
        f"  --hc-on-color: {text_on(color)};",
        f"  --hc-header: {header};",
        f"  --hc-on-header: {text_on(header)};",
        "}",
    ]
    image = help_center.header_image
    if image is not None and _TOKEN.match(image.token):
        # A darkening layer keeps the header's white text readable on any picture.
        lines += [
            ".hc-header--image {",
            "  background-image: linear-gradient(rgba(0, 0, 0, .35), rgba(0, 0, 0, .35)),"
            f" url(\"{reverse('help_center:media', kwargs={'token': image.token})}\");",
            "}",
        ]
    return "\n".join(lines) + "\n"


def theme_version(help_center: HelpCenter) -> str:
    """Changes whenever the settings do, so the stylesheet can be cached for long."""
    return str(int(help_center.updated_at.timestamp())) if help_center.updated_at else "0"
