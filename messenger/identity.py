"""Identity verification: a `user_hash` (HMAC-SHA256 of user_id, else of email, keyed by
the workspace's secret) or an HS256 JWT with an expiry (`intercom_user_jwt`). Only proof
opens a user's history; with verification required, an unproven identity is ignored."""

from __future__ import annotations

import hashlib
import hmac

import jwt

from contacts.services import Identity
from workspaces.models import Workspace

JWT_LEEWAY_SECONDS = 30


def user_hash(*, secret: str, subject: str) -> str:
    return hmac.new(secret.encode(), subject.encode(), hashlib.sha256).hexdigest()


def _jwt_claims(workspace: Workspace, token: str) -> dict | None:
    try:
        # algorithms pins HS256: "none" and a swapped algorithm are refused by PyJWT.
        claims = jwt.decode(
            token,
            workspace.identity_secret,
            algorithms=["HS256"],
            options={"require": ["exp"]},
            leeway=JWT_LEEWAY_SECONDS,
        )
    except jwt.InvalidTokenError:
        return None
    user_id, email = claims.get("user_id"), claims.get("email")
    if user_id is None and not email:
        return None
    return {
        "user_id": str(user_id) if user_id is not None else None,
        "email": str(email).lower() if email else None,
    }


def identity_resolve(
    *,
    workspace: Workspace,
    user_id: str | None,
    email: str | None,
    user_hash_value: str | None,
    token: str | None,
) -> tuple[Identity, bool]:
    """The identity to run the messenger as, and whether a proof was offered but failed.

    A JWT's signed user_id and email win over what the page claims beside it."""
    if token:
        claims = _jwt_claims(workspace, token)
        if claims is not None:
            return Identity(user_id=claims["user_id"], email=claims["email"] or email, proven=True), False
        return _unproven(workspace, user_id, email), True
    if user_hash_value:
        subject = user_id or email
        if subject and hmac.compare_digest(
            user_hash(secret=workspace.identity_secret, subject=subject), user_hash_value.lower()
        ):
            return Identity(user_id=user_id, email=email, proven=True), False
        return _unproven(workspace, user_id, email), True
    return _unproven(workspace, user_id, email), False


def _unproven(workspace: Workspace, user_id: str | None, email: str | None) -> Identity:
    if workspace.identity_verification_required:
        return Identity()  # run as an anonymous visitor
    return Identity(user_id=user_id, email=email, proven=False)
