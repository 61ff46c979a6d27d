"""An outbound email as it is sent: the body in its layout, CSS inlined for email clients,
a plain-text alternative, placeholders filled for each contact, links through the click
tracker, an open pixel and the unsubscribe link.

`prepare(message)` does everything that is the same for every recipient once (layout, CSS
inlining, link rewriting, compiling placeholders); `render(prepared, ...)` is then a few
joins per recipient, which is what lets a worker render hundreds of emails a second."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

import css_inline
from django.conf import settings
from django.utils.html import escape

from articles.html import sanitize, text_of
from contacts.models import Contact
from outbound import placeholders, templates_builtin
from outbound.models import Delivery, OutboundMessage

CONTENT_MARKER = "<!--PARLEY:CONTENT-->"
_HREF = re.compile(r'href="(https?://[^"]+)"')
_RELATIVE_MEDIA = re.compile(r'src="(/help/media/[A-Za-z0-9_-]+)"')
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Prepared:
    subject: placeholders.Compiled
    html: placeholders.Compiled
    text: placeholders.Compiled
    links: tuple[str, ...]  # the targets of {{__link_N}}
    tracking: bool

    @property
    def names(self) -> set[str]:
        return self.subject.names | self.html.names | self.text.names


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


def layout_html(message: OutboundMessage) -> str:
    if message.template_id is not None and message.template is not None:
        return message.template.html
    return templates_builtin.layout(message.builtin_template)


def body_html(message: OutboundMessage) -> str:
    """The sanitized body with pictures addressed absolutely (mail clients have no base URL)."""
    site = settings.SITE_URL.rstrip("/")
    return _RELATIVE_MEDIA.sub(lambda m: f'src="{site}{m[1]}"', sanitize(message.body))


def prepare(message: OutboundMessage, *, tracking: bool = True) -> Prepared:
    layout = layout_html(message)
    document = layout.replace(CONTENT_MARKER, body_html(message))
    document = _INLINER.inline(document)
    links: list[str] = []
    if tracking:
        def through_tracker(match: re.Match) -> str:
            links.append(html_lib.unescape(match[1]))
            return f'href="{{{{__link_{len(links) - 1}}}}}"'

        document = _HREF.sub(through_tracker, document)
        document = document.replace("</body>", '<img src="{{__open_pixel}}" width="1" height="1" alt=""></body>', 1)
    text = text_of(sanitize(message.body)) + "\n\n--\n{{unsubscribe_url}}\n"
    return Prepared(
        subject=placeholders.compile_text(message.subject),
        html=placeholders.compile_text(document),
        text=placeholders.compile_text(text),
        links=tuple(links),
        tracking=tracking,
    )


def render(
    prepared: Prepared, *, contact: Contact, company: dict | None, urls: dict[str, str],
) -> Rendered:
    """The email for one contact. `urls` holds the per-delivery addresses: unsubscribe_url,
    and with tracking __open_pixel and __link_N (outbound/tracking.py makes them)."""
    values = placeholders.contact_values(contact, prepared.names - set(urls), company=company)
    values.update(urls)
    subject = placeholders.render(prepared.subject, values, html=False)
    return Rendered(
        # A header must be one line, whatever a contact's name holds.
        subject=" ".join(subject.split())[:998],
        html=placeholders.render(prepared.html, values, html=True),
        text=placeholders.render(prepared.text, values, html=False),
    )


def preview(message: OutboundMessage, *, contact: Contact, company: dict | None) -> Rendered:
    """What a contact would get, without tracking and with a placeholder unsubscribe link."""
    prepared = prepare(message, tracking=False)
    return render(prepared, contact=contact, company=company, urls={"unsubscribe_url": "#unsubscribe"})


def escape_for_layout(text: str) -> str:
    return escape(text)


def delivery_urls(prepared: Prepared, delivery: Delivery) -> dict[str, str]:
    from outbound import tracking

    urls = {"unsubscribe_url": tracking.unsubscribe_url(delivery)}
    if prepared.tracking:
        urls["__open_pixel"] = tracking.open_pixel_url(delivery)
        for index, target in enumerate(prepared.links):
            urls[f"__link_{index}"] = tracking.click_url(delivery, target)
    return urls
