"""The help center as the messenger shows it: who may read it, which article a number names
for a session, and the cards for articles sent in replies.

A private help center is read only by identified users: a contact with the user role, and,
where the workspace requires identity verification, only through a session that proved it
(messenger/identity.py). That is the same line the messenger draws for a user's
conversation history, so a forged user_hash reads neither."""

from __future__ import annotations

from collections.abc import Iterable

from articles import access, selectors
from articles.models import LANGUAGE_CODES, ArticleContent, HelpCenter
from contacts.models import Contact
from inbox.models import ConversationPart
from messenger.models import MessengerSession


def help_center_of(*, session: MessengerSession) -> HelpCenter | None:
    """The workspace's help center (with its workspace), or None before anyone set it up.
    Read, never created: a GET from a customer's browser writes no settings rows."""
    return HelpCenter.objects.for_workspace(session.workspace_id).select_related("workspace").first()


def may_read(*, session: MessengerSession, help_center: HelpCenter | None) -> bool:
    if help_center is None or not help_center.private:
        return True
    if session.contact.role != Contact.Role.USER:
        return False
    return session.verified or not help_center.workspace.identity_verification_required


def article_for_session(
    *, session: MessengerSession, number: int, language: str | None = None
) -> ArticleContent | None:
    """The published version of article `number` of the session's workspace, in `language`
    (else the session's) when it is published in it, else in another; None for a draft, an
    unpublished article or another workspace's number."""
    if language not in LANGUAGE_CODES:
        language = session.language
    return selectors.published_content(workspace=session.workspace_id, number=number, language=language)


def open_in_help_center_url(
    *, session: MessengerSession, help_center: HelpCenter | None, content: ArticleContent
) -> str | None:
    """The article on the public site; for a private help center, a signed link that lets
    this identified user in (articles/access.py). None when there is no such page."""
    if help_center is None:
        return None
    path = selectors.article_public_path(
        help_center=help_center, language=content.language, number=content.article.number, slug=content.slug
    )
    if path is None:
        return None
    if help_center.private:
        if not may_read(session=session, help_center=help_center):
            return None
        return f"{path}?access={access.access_token_for(help_center=help_center, contact=session.contact)}"
    return path


def attach_article_cards(*, parts: Iterable[ConversationPart], workspace_id: int, language: str) -> None:
    """Give each part that carries an article its card (`part.article_card`): one query for
    all of them, none when no part carries one."""
    parts = list(parts)
    cards = selectors.article_cards(
        workspace=workspace_id, article_ids={p.article_id for p in parts if p.article_id}, language=language
    )
    for part in parts:
        part.article_card = cards.get(part.article_id) if part.article_id else None  # type: ignore[attr-defined]
