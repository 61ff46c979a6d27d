"""Help center settings: admins only; the address is unique and validated, colours are
hex, pictures are pictures."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from articles import services
from articles.models import HelpCenter, HelpImage

pytestmark = pytest.mark.django_db


def _url(workspace) -> str:  # type: ignore[no-untyped-def]
    return reverse("articles:settings", kwargs={"workspace_slug": workspace.slug})


def _png(name: str = "logo.png", size=(120, 40)):  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    Image.new("RGBA", size, (20, 60, 200, 255)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def _data(**overrides):  # type: ignore[no-untyped-def]
    data = {"name": "Acme Help", "slug": "acme-help", "default_language": "ja", "color": "#FF5500",
            "header_color": "#112233"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_agents_get_403_and_outsiders_404(client_agent, client_outsider, workspace):  # type: ignore[no-untyped-def]
    assert client_agent.get(_url(workspace)).status_code == 403
    assert client_agent.post(_url(workspace), _data()).status_code == 403
    assert client_outsider.get(_url(workspace)).status_code == 404
    assert services.help_center_for(workspace=workspace).name == "Acme"


def test_admins_change_the_settings(client_admin, workspace):  # type: ignore[no-untyped-def]
    page = client_admin.get(_url(workspace)).content.decode()
    assert "Only identified users can read it" in page and 'type="color"' in page
    response = client_admin.post(_url(workspace), _data(private="on"))
    assert response["Location"] == _url(workspace)
    help_center = services.help_center_for(workspace=workspace)
    assert (help_center.name, help_center.slug, help_center.default_language) == ("Acme Help", "acme-help", "ja")
    assert (help_center.color, help_center.header_color, help_center.private) == ("#ff5500", "#112233", True)
    page = client_admin.get(_url(workspace)).content.decode()
    assert 'href="/help/acme-help/"' in page and "Private: only identified users can read it." in page


def test_a_taken_address_is_refused(client_admin, workspace, other_workspace):  # type: ignore[no-untyped-def]
    theirs = services.help_center_for(workspace=other_workspace)
    response = client_admin.post(_url(workspace), _data(slug=theirs.slug.upper()))
    assert response.status_code == 200
    assert "That address is already taken. Choose another one." in response.content.decode()
    assert services.help_center_for(workspace=workspace).name == "Acme"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("slug", "a", "Use 3 to 40 lowercase letters"),
    ("slug", "has space", "Use 3 to 40 lowercase letters"),
    ("slug", "media", "That address is reserved."),
    ("color", "red", "Enter a colour as #RRGGBB"),
    ("header_color", "#12345", "Enter a colour as #RRGGBB"),
    ("header_color", "#12345g", "Enter a colour as #RRGGBB"),
    ("default_language", "fr", "Select a valid choice"),
    ("name", "", "This field is required."),
])
def test_bad_values_re_render_with_a_message(client_admin, workspace, field, value, message):  # type: ignore[no-untyped-def]
    before = services.help_center_for(workspace=workspace)
    response = client_admin.post(_url(workspace), _data(**{field: value}))
    assert response.status_code == 200 and message in response.content.decode()
    after = HelpCenter.objects.for_workspace(workspace).get()
    assert (after.name, after.slug, after.color) == (before.name, before.slug, before.color)


def test_logo_and_header_are_pictures(client_admin, workspace):  # type: ignore[no-untyped-def]
    response = client_admin.post(_url(workspace), {**_data(), "logo_upload": _png(),
                                                   "header_upload": _png("header.jpg", (800, 200))})
    assert response.status_code == 302
    help_center = HelpCenter.objects.for_workspace(workspace).select_related("logo", "header_image").get()
    assert help_center.logo.width == 120 and help_center.header_image.width == 800
    page = client_admin.get(_url(workspace)).content.decode()
    assert f'src="/help/media/{help_center.logo.token}"' in page

    fake = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    fake.name = "logo.png"
    response = client_admin.post(_url(workspace), {**_data(name="Changed"), "logo_upload": fake,
                                                   "header_upload": _png("second.png")})
    assert response.status_code == 200 and "Upload a PNG, JPEG, GIF or WebP picture." in response.content.decode()
    after = HelpCenter.objects.for_workspace(workspace).get()
    # Nothing half-written: not the name, not the (valid) header picture.
    assert (after.name, after.logo_id, after.header_image_id) == ("Acme Help", help_center.logo_id,
                                                                  help_center.header_image_id)
    assert HelpImage.objects.for_workspace(workspace).count() == 2

    client_admin.post(_url(workspace), {**_data(), "remove_logo": "on"})
    after.refresh_from_db()
    assert after.logo_id is None and after.header_image_id == help_center.header_image_id


def test_a_large_picture_is_refused(client_admin, workspace):  # type: ignore[no-untyped-def]
    big = _png()
    big = io.BytesIO(big.getvalue() + b"\0" * (5 * 1024 * 1024))
    big.name = "big.png"
    response = client_admin.post(_url(workspace), {**_data(), "logo_upload": big})
    assert response.status_code == 200 and "The picture is too large" in response.content.decode()
    assert HelpCenter.objects.for_workspace(workspace).get().logo_id is None


def test_ownership_fields_are_not_taken_from_the_form(client_admin, workspace, other_workspace):  # type: ignore[no-untyped-def]
    help_center = services.help_center_for(workspace=workspace)
    client_admin.post(_url(workspace), {**_data(), "workspace": other_workspace.pk, "article_seq": 500,
                                        "logo": 12345})
    after = HelpCenter.all_workspaces.get(pk=help_center.pk)  # all_workspaces: proving it did not move
    assert (after.workspace_id, after.article_seq, after.logo_id) == (workspace.pk, 0, None)


def test_a_workspace_named_like_a_public_route_gets_another_help_center_address(db):  # type: ignore[no-untyped-def]
    from articles.services import help_center_for
    from tests.factories import WorkspaceFactory

    assert help_center_for(workspace=WorkspaceFactory(slug="media")).slug == "media-help"
