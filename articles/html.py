"""Article bodies are HTML written in the editor by teammates, and shown to the public, in the
messenger and in the inbox. They are sanitized when saved, with nh3 (the Rust `ammonia`
sanitizer) and an allow-list of what the editor can produce:

- text structure: paragraphs, headings (h2–h4), lists, quotes, code, rules, links;
- pictures uploaded to Parley only (`/help/media/<token>`): no remote images, so an article
  cannot carry a tracking pixel or a mixed-content picture;
- videos as YouTube or Vimeo players, whatever address the teammate pasted, rewritten to the
  providers' embed addresses (YouTube's no-cookie one); any other frame loses its address
  and is removed;
- callouts (`div.callout`, with a tone) and buttons (`a.article-button`).

Scripts, styles, event handlers and `javascript:` addresses never survive: they are not on
the list. `text_of` turns sanitized HTML into plain text for search, snippets and meta
descriptions."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import nh3

MEDIA_PATH = re.compile(r"^/help/media/[A-Za-z0-9_-]{16,32}$")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")

TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "a", "ul", "ol", "li",
    "blockquote", "pre", "code", "hr", "img", "iframe", "div",
}
ATTRIBUTES = {
    "a": {"href", "class"},
    "img": {"src", "alt", "width", "height"},
    "iframe": {"src", "allowfullscreen", "title"},
    "div": {"class"},
}
CLASSES = {
    "a": {"article-button"},
    "div": {"callout", "callout--info", "callout--warning", "callout--success"},
}
_EMPTY_FRAME = re.compile(r"<iframe(?![^>]*\bsrc=)[^>]*>\s*</iframe>")


def video_embed_url(url: str) -> str | None:
    """The provider's embed address for a YouTube or Vimeo link, or None for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", ""):
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    path = parts.path.rstrip("/")
    video_id = ""
    if host == "youtu.be":
        video_id = path.lstrip("/")
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if path == "/watch":
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
        elif path.startswith(("/embed/", "/shorts/", "/live/")):
            video_id = path.split("/")[2]
    if video_id:
        return f"https://www.youtube-nocookie.com/embed/{video_id}" if _YOUTUBE_ID.match(video_id) else None
    if host == "vimeo.com":
        video_id = path.lstrip("/")
    elif host == "player.vimeo.com" and path.startswith("/video/"):
        video_id = path.split("/")[2]
    if video_id and _VIMEO_ID.match(video_id):
        return f"https://player.vimeo.com/video/{video_id}"
    return None


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [name for name in value.split() if name in CLASSES.get(tag, ())]
        return " ".join(kept) or None
    if tag == "img" and attribute == "src":
        return value if MEDIA_PATH.match(value) else None
    if tag == "img" and attribute in ("width", "height"):
        return value if value.isdigit() and len(value) <= 5 else None
    if tag == "iframe" and attribute == "src":
        return video_embed_url(value)
    if tag == "iframe" and attribute == "allowfullscreen":
        return "true"
    return value


def sanitize(html: str) -> str:
    """The article body as it may be stored and shown."""
    cleaned = nh3.clean(
        html or "",
        tags=TAGS,
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    cleaned = _EMPTY_FRAME.sub("", cleaned)
    return "" if text_of(cleaned).strip() == "" and "<img" not in cleaned and "<iframe" not in cleaned else cleaned


_BLOCKS = {"p", "br", "h2", "h3", "h4", "li", "blockquote", "pre", "div", "hr", "ul", "ol"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    """Plain text of sanitized HTML: blocks on their own lines, runs of blank space folded."""
    collector = _TextCollector()
    collector.feed(html or "")
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)
