"""Article bodies are sanitized when saved: nothing executable survives."""

from __future__ import annotations

import pytest

from articles import html

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<svg onload=alert(1)><circle/></svg>',
    "<style>body{display:none}</style>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe src="https://evil.example/embed"></iframe>',
    '<p onclick="alert(1)" style="color:red">x</p>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    '<a href="  JaVaScRiPt:alert(1)">x</a>',
    '<img src="https://tracker.example/pixel.gif">',
    '<form action="https://evil.example"><input></form>',
]


@pytest.mark.parametrize("payload", XSS)
def test_nothing_executable_survives(payload):  # type: ignore[no-untyped-def]
    cleaned = html.sanitize(payload).lower()
    for marker in ("<script", "onerror", "onload", "onclick", "javascript:", "<svg", "<style", "evil.example",
                   "tracker.example", "<form", "<input", "style="):
        assert marker not in cleaned


def test_the_editor_s_output_is_kept():  # type: ignore[no-untyped-def]
    body = (
        '<h2>Set up</h2><p>Read <a href="https://example.com/docs">the docs</a>, <strong>then</strong> '
        '<em>start</em>.</p><ul><li>one</li></ul><ol><li>two</li></ol><pre>code()</pre>'
        '<div class="callout callout--warning evil">Careful</div>'
        '<p><a class="article-button" href="https://example.com/go">Go</a></p>'
        '<img src="/help/media/abcdefghijklmnopqrstuvwx" alt="screen">'
    )
    cleaned = html.sanitize(body)
    assert '<h2>Set up</h2>' in cleaned
    assert 'href="https://example.com/docs"' in cleaned and 'rel="noopener noreferrer"' in cleaned
    assert '<div class="callout callout--warning">Careful</div>' in cleaned
    assert 'class="article-button"' in cleaned
    assert '<img src="/help/media/abcdefghijklmnopqrstuvwx" alt="screen">' in cleaned


@pytest.mark.parametrize(("url", "embed"), [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ?autoplay=1", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
    ("https://evil.example/watch?v=dQw4w9WgXcQ", None),
    ("javascript:alert(1)", None),
    ("https://www.youtube.com/watch?v=short", None),
])
def test_videos_become_provider_embeds(url, embed):  # type: ignore[no-untyped-def]
    assert html.video_embed_url(url) == embed
    cleaned = html.sanitize(f'<iframe class="ql-video" src="{url}"></iframe><p>after</p>')
    if embed:
        assert f'src="{embed}"' in cleaned
    else:
        assert "<iframe" not in cleaned


def test_text_of_keeps_blocks_apart():  # type: ignore[no-untyped-def]
    assert html.text_of("<h2>A</h2><p>b &amp; c</p><ul><li>d</li></ul>") == "A\nb & c\nd"
