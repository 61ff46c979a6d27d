from django import template

from inbox.models import Attachment

register = template.Library()


@register.simple_tag
def attachment_url(attachment: Attachment) -> str:
    from messenger.views import attachment_url as build

    return build(attachment)


@register.simple_tag
def upload_accept() -> str:
    """The file inputs' `accept` list: a hint for the picker; core.uploads decides."""
    from core.uploads import ACCEPT

    return ACCEPT


# The emoji both composers offer (the messenger's and the inbox's), one palette.
EMOJI_PALETTE = ("😀", "😂", "😊", "😍", "🤔", "😅", "😢", "😮", "👍", "👎",
                 "👏", "🙏", "🎉", "❤️", "🔥", "✅", "👀", "💡", "🙌", "😉")


@register.simple_tag
def emoji_palette() -> tuple[str, ...]:
    return EMOJI_PALETTE
