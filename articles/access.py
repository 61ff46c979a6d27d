"""Private help centers: only identified users may read them. They arrive through the
messenger (which knows who they are) or through a signed link the messenger hands them;
the link sets a signed cookie for this help center that lasts a day.

    link = access_token_for(help_center=hc, contact=contact)   # ?access=<token>
    contact_id = contact_id_from_token(help_center=hc, token=token)  # None if forged/expired
"""

from __future__ import annotations

from django.core import signing

from articles.models import HelpCenter
from contacts.models import Contact

ACCESS_SALT = "parley.help_center.access"
ACCESS_MAX_AGE = 60 * 60 * 24
COOKIE_PREFIX = "hc_access_"


def access_token_for(*, help_center: HelpCenter, contact: Contact) -> str:
    if contact.workspace_id != help_center.workspace_id:
        raise ValueError("contact from another workspace")
    return signing.dumps([help_center.pk, contact.pk], salt=ACCESS_SALT, compress=True)


def contact_id_from_token(*, help_center: HelpCenter, token: str) -> int | None:
    """The contact a token was issued to, if it is genuine, unexpired and for this help center."""
    try:
        help_center_id, contact_id = signing.loads(token, salt=ACCESS_SALT, max_age=ACCESS_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if help_center_id != help_center.pk or not isinstance(contact_id, int):
        return None
    return contact_id


def cookie_name(help_center: HelpCenter) -> str:
    return f"{COOKIE_PREFIX}{help_center.pk}"
