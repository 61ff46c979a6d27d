from __future__ import annotations

import json
import secrets

import pytest
from django.test import Client


def new_browser_id() -> str:
    return secrets.token_hex(16)


class Messenger:
    """A stand-in for the loader script: speaks the same JSON to the same endpoints."""

    def __init__(self, app_id: str, browser_id: str | None = None, client: Client | None = None) -> None:
        self.app_id = app_id
        self.browser_id = browser_id or new_browser_id()
        self.client = client or Client()
        self.session: str | None = None
        self.last: dict = {}

    def boot(self, settings: dict | None = None, *, language: str = "en-US", timezone: str = "Asia/Tokyo",
             page: dict | None = None, status: int = 200, **headers: str):  # type: ignore[no-untyped-def]
        body = {
            "app_id": self.app_id, "browser_id": self.browser_id, "settings": settings or {},
            "page": page or {"url": "https://shop.example/", "title": "Shop", "referrer": ""},
            "client": {"language": language, "timezone": timezone, "screen": "1280x800"},
        }
        response = self.client.post("/messenger/api/boot", json.dumps(body), content_type="application/json", **headers)
        assert response.status_code == status, response.content
        if status == 200:
            self.last = response.json()
            self.session = self.last["session"]
        return response

    def headers(self) -> dict[str, str]:
        return {"HTTP_X_PARLEY_SESSION": self.session or ""}

    def post_json(self, path: str, data: dict):  # type: ignore[no-untyped-def]
        return self.client.post(path, json.dumps(data), content_type="application/json", **self.headers())

    def get(self, path: str, **params: str):  # type: ignore[no-untyped-def]
        return self.client.get(path, params, **self.headers())

    def post(self, path: str, data: dict):  # type: ignore[no-untyped-def]
        return self.client.post(path, data, **self.headers())

    def start(self, text: str):  # type: ignore[no-untyped-def]
        return self.post("/messenger/panel/conversations/start", {"body": text})


@pytest.fixture
def demo_workspace(db):  # type: ignore[no-untyped-def]
    from tests.factories import MembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(name="Demo Co", slug="demo")
    MembershipFactory(workspace=workspace, role="owner", user__name="Hana Support")
    return workspace


@pytest.fixture
def messenger(demo_workspace) -> Messenger:  # type: ignore[no-untyped-def]
    return Messenger(demo_workspace.app_id)
