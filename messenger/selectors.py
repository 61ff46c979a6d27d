from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from inbox.models import Conversation, ConversationPart
from messenger.models import MessengerSession, hash_session_token
from workspaces.models import Membership


def session_for_token(*, token: str) -> MessengerSession | None:
    if not token or len(token) > 128:
        return None
    # Crosses workspaces on purpose: the token is the credential and names its workspace.
    return (
        MessengerSession.all_workspaces.select_related("contact")
        .filter(token_hash=hash_session_token(token), expires_at__gt=timezone.now())
        .first()
    )


def conversations_for_session(*, session: MessengerSession) -> QuerySet[Conversation]:
    """What this messenger may show. A proven identity sees the contact's whole history;
    anyone else sees only the conversations their own browser started."""
    conversations = Conversation.objects.for_workspace(session.workspace_id).filter(
        contact_id=session.contact_id
    )
    if not session.verified:
        conversations = conversations.filter(browser_id=session.browser_id)
    return conversations


def conversation_list_for_session(*, session: MessengerSession, limit: int = 50) -> list[Conversation]:
    return list(conversations_for_session(session=session).order_by("-last_activity_at")[:limit])


def unread_count(*, session: MessengerSession) -> int:
    return conversations_for_session(session=session).filter(unread_by_customer=True).count()


def team_faces(*, workspace_id: int, limit: int = 3) -> list[Membership]:
    return list(
        Membership.objects.for_workspace(workspace_id)
        .filter(is_active=True, user__is_away=False)
        .select_related("user")
        .order_by("joined_at")[:limit]
    )


def parts_for_customer(*, conversation: Conversation, after_id: int = 0) -> QuerySet[ConversationPart]:
    return (
        ConversationPart.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation, id__gt=after_id)
        .filter(
            kind__in=[
                ConversationPart.Kind.CUSTOMER_MESSAGE,
                ConversationPart.Kind.TEAMMATE_REPLY,
                ConversationPart.Kind.BOT_MESSAGE,
            ]
        )
        .select_related("author_membership__user")
        .prefetch_related("attachments")
        .order_by("id")
    )
