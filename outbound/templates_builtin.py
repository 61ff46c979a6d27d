"""Built-in email layouts. Each is a whole HTML document with its CSS in a <style> block
(inlined once per message by outbound/rendering.py) and the marker where the body goes. The
footer's unsubscribe link is required by every layout: the sender fills it per recipient."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CONTENT = "<!--PARLEY:CONTENT-->"

_FOOTER = (
    '<p class="footer"><a href="{{unsubscribe_url}}">Unsubscribe</a> · '
    '<a href="{{unsubscribe_url}}">配信停止</a></p>'
)

_BASE_CSS = """
body { margin: 0; padding: 0; background: #f4f5f7; color: #1f2933; }
.wrap { max-width: 600px; margin: 0 auto; padding: 24px 16px; font-family: -apple-system, 'Segoe UI',
  'Hiragino Sans', 'Noto Sans JP', Meiryo, sans-serif; font-size: 16px; line-height: 1.6; }
h2 { font-size: 22px; margin: 0 0 12px; } h3 { font-size: 18px; margin: 16px 0 8px; }
p { margin: 0 0 14px; } a { color: #3b5bdb; } img { max-width: 100%; height: auto; }
a.article-button { display: inline-block; background: #3b5bdb; color: #ffffff; padding: 10px 18px;
  border-radius: 6px; text-decoration: none; font-weight: 600; }
div.callout { background: #eef2ff; border-left: 4px solid #3b5bdb; padding: 12px 14px; margin: 0 0 14px; }
blockquote { border-left: 3px solid #cbd2d9; margin: 0 0 14px; padding-left: 12px; color: #52606d; }
pre { background: #f0f2f5; padding: 10px; font-size: 14px; }
.footer { font-size: 12px; color: #7b8794; text-align: center; margin-top: 24px; }
.footer a { color: #7b8794; }
"""

LAYOUTS: dict[str, tuple[object, str]] = {
    "plain": (_("Plain"), f"""<!doctype html><html><head><meta charset="utf-8"><style>{_BASE_CSS}</style></head>
<body><div class="wrap">{CONTENT}{_FOOTER}</div></body></html>"""),
    "card": (_("Card"), f"""<!doctype html><html><head><meta charset="utf-8"><style>{_BASE_CSS}
.card {{ background: #ffffff; border-radius: 10px; padding: 28px 24px; border: 1px solid #e4e7eb; }}
</style></head>
<body><div class="wrap"><div class="card">{CONTENT}</div>{_FOOTER}</div></body></html>"""),
    "announcement": (_("Announcement"), f"""<!doctype html><html><head><meta charset="utf-8"><style>{_BASE_CSS}
.band {{ background: #3b5bdb; height: 8px; border-radius: 10px 10px 0 0; }}
.card {{ background: #ffffff; border-radius: 0 0 10px 10px; padding: 28px 24px; border: 1px solid #e4e7eb; }}
</style></head>
<body><div class="wrap"><div class="band"></div><div class="card">{CONTENT}</div>{_FOOTER}</div></body></html>"""),
}
DEFAULT = "card"


def layout(key: str) -> str:
    return LAYOUTS.get(key, LAYOUTS[DEFAULT])[1]


def choices() -> list[tuple[str, object]]:
    return [(key, label) for key, (label, _html) in LAYOUTS.items()]
