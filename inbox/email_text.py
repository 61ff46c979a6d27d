"""The customer's own words from an email: HTML turned into plain text (stored and shown as
text, so no markup from a mail ever reaches a page), and the quoted history their mail
program appended cut off."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr"}
_DROPPED = {"script", "style", "head", "title", "template", "noscript", "svg", "math", "object", "iframe"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._dropping = 0
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self._dropping += 1
        elif tag == "blockquote" or (tag == "div" and ("class", "gmail_quote") in attrs):
            # Quoted history: everything inside is what the customer is answering.
            self._quote_depth += 1
        if tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED and self._dropping:
            self._dropping -= 1
        elif tag == "blockquote" and self._quote_depth:
            self._quote_depth -= 1
        if tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping and not self._quote_depth:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # hopeless markup: keep what was read so far
        pass
    text = unescape("".join(parser.chunks)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Lines where mail programs start the quoted history, in English and Japanese: Gmail and
# Apple Mail ("On … wrote:", "2026年12月2日(水) 10:00 Name <a@b>:"), Outlook ("-----Original
# Message-----", "From: …" with "Sent:"), and our own marker.
_QUOTE_HEADERS = [
    re.compile(r"^On .{4,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日.{0,200}(:|：)\s*$"),
    re.compile(r"^.{0,200}(のメッセージ|が書きました|wrote)\s*(:|：)\s*$"),
    re.compile(r"^-{2,}\s*(Original Message|元のメッセージ|Forwarded message|転送されたメッセージ)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^(From|差出人|送信者)\s*[:：].+$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
]
_SIGNATURE = re.compile(r"^-- ?$")


def reply_text(text: str) -> str:
    """The part of an email body above the quoted history and the signature."""
    kept: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _SIGNATURE.match(line) or any(pattern.match(stripped) for pattern in _QUOTE_HEADERS):
            break
        if stripped.startswith(">"):
            # A quoted block with nothing of the customer's below it ends their reply.
            if all(not rest.strip() or rest.lstrip().startswith(">") for rest in lines[index:]):
                break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()
