"""The import, export and merge screens: who may use them, what a bad file or rule answers,
and what the CSV they produce looks like."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from contacts import imports
from contacts.models import AttributeDefinition, Contact, ContactImport, Segment
from inbox.models import Conversation
from tests.factories import ContactFactory, conversation_create
from workspaces.models import Tag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Messages are asserted in English; an earlier test's request may have left Japanese on."""
    with translation.override("en"):
        yield


def url(name: str, workspace, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"contacts:{name}", kwargs={"workspace_slug": workspace.slug, **kwargs})


def csv_file(text: str | bytes, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8") if isinstance(text, str) else text, content_type="text/csv")


def read_csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- import ------------------------------------------------------------------------------------


def test_upload_map_and_see_progress(client_admin, workspace, admin, django_capture_on_commit_callbacks, eager_celery):
    page = client_admin.get(url("import", workspace))
    assert page.status_code == 200
    assert page.context["contacts_section"] == "import"

    response = client_admin.post(url("import", workspace), {
        "kind": "users", "file": csv_file("名前,メールアドレス,Plan\n山田,yamada@example.jp,pro\n".encode("cp932"))})
    contact_import = ContactImport.objects.for_workspace(workspace).get()
    assert response.status_code == 302
    assert response["Location"] == url("import_map", workspace, import_id=contact_import.pk)

    mapping_page = client_admin.get(response["Location"])
    content = mapping_page.content.decode()
    assert "yamada@example.jp" in content  # the first values, to check the mapping against
    form = mapping_page.context["form"]
    assert [form[f"column_{i}"].value() for i in range(3)] == ["name", "email", "new"]

    with django_capture_on_commit_callbacks(execute=True):
        started = client_admin.post(response["Location"], {
            "column_0": "name", "column_1": "email", "column_2": "new", "new_key_2": "plan", "new_type_2": "string"})
    assert started["Location"] == url("import_detail", workspace, import_id=contact_import.pk)
    contact = Contact.objects.for_workspace(workspace).get()
    assert (contact.name, contact.email, contact.attributes) == ("山田", "yamada@example.jp", {"plan": "pro"})

    detail = client_admin.get(started["Location"])
    assert 'id="import-progress-bar"' in detail.content.decode()
    fragment = client_admin.get(started["Location"], headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="import-progress"')
    assert "hx-trigger" not in fragment  # done: polling stops
    # Submitting the mapping again starts nothing new.
    assert client_admin.post(url("import_map", workspace, import_id=contact_import.pk), {}).status_code == 302


def test_a_running_import_keeps_polling(client_admin, workspace, admin):
    contact_import = imports.import_create(workspace=workspace, actor=admin, kind="users",
                                           upload=csv_file("email\na@example.com\nb@example.com\n"))
    ContactImport.objects.for_workspace(workspace).filter(pk=contact_import.pk).update(
        status="running", queued_at="2026-01-01T00:00Z", processed_rows=1)
    fragment = client_admin.get(url("import_detail", workspace, import_id=contact_import.pk),
                                headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert 'max="2" value="1"' in fragment


@pytest.mark.parametrize("payload, message", [
    (b"PK\x03\x04xlsx", "Excel workbook"),
    (b"email\n", "no rows"),
])
def test_a_bad_csv_re_renders_with_the_reason(client_admin, workspace, payload, message):
    response = client_admin.post(url("import", workspace), {"kind": "users", "file": csv_file(payload)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ContactImport.objects.for_workspace(workspace).exists()


def test_a_mapping_without_email_or_user_id_is_refused(client_admin, workspace, admin):
    contact_import = imports.import_create(workspace=workspace, actor=admin, kind="users",
                                           upload=csv_file("email,name\na@example.com,A\n"))
    response = client_admin.post(url("import_map", workspace, import_id=contact_import.pk),
                                 {"column_0": "ignore", "column_1": "name"})
    assert response.status_code == 400
    assert "email or the user ID" in response.content.decode()
    response = client_admin.post(url("import_map", workspace, import_id=contact_import.pk),
                                 {"column_0": "email", "column_1": "email"})
    assert "Another column already fills" in response.content.decode()
    contact_import.refresh_from_db()
    assert contact_import.queued_at is None


def test_a_new_attribute_must_not_exist_already(client_admin, workspace, admin):
    AttributeDefinition.objects.create(workspace=workspace, key="plan", type="string")
    contact_import = imports.import_create(workspace=workspace, actor=admin, kind="users",
                                           upload=csv_file("email,tier\na@example.com,A\n"))
    response = client_admin.post(url("import_map", workspace, import_id=contact_import.pk),
                                 {"column_0": "email", "column_1": "new", "new_key_1": "plan", "new_type_1": "number"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_agents_may_not_import(client_agent, workspace, admin):
    contact_import = imports.import_create(workspace=workspace, actor=admin, kind="users",
                                           upload=csv_file("email\na@example.com\n"))
    assert client_agent.get(url("import", workspace)).status_code == 403
    assert client_agent.post(url("import", workspace), {"kind": "users", "file": csv_file("email\nx@y.z\n")}).status_code == 403
    for name in ("import_map", "import_detail", "import_errors"):
        assert client_agent.get(url(name, workspace, import_id=contact_import.pk)).status_code == 403


def test_an_outsider_gets_404_for_another_workspaces_import(client_outsider, workspace, admin, outsider):
    contact_import = imports.import_create(workspace=workspace, actor=admin, kind="users",
                                           upload=csv_file("email\na@example.com\n"))
    for name in ("import_map", "import_detail", "import_errors"):
        for slug in (workspace.slug, outsider.workspace.slug):
            response = client_outsider.get(reverse(f"contacts:{name}",
                                                   kwargs={"workspace_slug": slug, "import_id": contact_import.pk}))
            assert response.status_code == 404


def test_the_error_report_lists_the_refused_rows_as_they_were(client_admin, workspace, admin):
    from contacts.import_runner import import_run

    contact_import = imports.import_create(workspace=workspace, actor=admin, kind="users",
                                           upload=csv_file("email,name\nbad,=HYPERLINK(\"x\")\ngood@example.com,G\n"))
    imports.import_start(contact_import=contact_import, mapping=[{"field": "email"}, {"field": "name"}])
    import_run(workspace_id=workspace.pk, import_id=contact_import.pk)
    detail = client_admin.get(url("import_detail", workspace, import_id=contact_import.pk)).content.decode()
    assert "not an email address" in detail
    rows = read_csv(client_admin.get(url("import_errors", workspace, import_id=contact_import.pk)))
    assert rows[0] == ["Row", "Problem", "email", "name"]
    assert rows[1][0] == "2" and "not an email address" in rows[1][1]
    assert rows[1][2:] == ["bad", "'=HYPERLINK(\"x\")"]  # defused for Excel here too
    assert len(rows) == 2


# --- export ------------------------------------------------------------------------------------


def test_export_of_a_rule_with_custom_attributes_defused_for_excel(client_agent, workspace):
    AttributeDefinition.objects.create(workspace=workspace, key="plan", type="string")
    AttributeDefinition.objects.create(workspace=workspace, key="renews", type="date")
    tagged = ContactFactory(workspace=workspace, role="user", name="=cmd|' /C calc'!A0", email="a@example.com",
                            external_id="u-1", attributes={"plan": "@SUM(1+1)", "renews": "2025-01-31T15:00:00+00:00"})
    tagged.tags.add(Tag.objects.create(workspace=workspace, name="vip"))
    ContactFactory(workspace=workspace, role="lead", name="-2+3", email="b@example.com", attributes={"plan": "+1"})
    ContactFactory(workspace=workspace, role="visitor", name="A visitor", email="")  # never exported
    ContactFactory(workspace=workspace, role="user", name="山田 花子", email="hanako@example.jp")

    rule = {"match": "all", "rules": [{"field": "email", "operator": "contains", "value": "example"}]}
    response = client_agent.get(url("export", workspace), {"rule": json.dumps(rule)})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    header = rows[0]
    assert header[:3] == ["Name", "Email", "User ID"] and header[-2:] == ["plan", "renews"]
    by_email = {row[1]: dict(zip(header, row)) for row in rows[1:]}
    assert set(by_email) == {"a@example.com", "b@example.com", "hanako@example.jp"}
    assert by_email["a@example.com"]["Name"] == "'=cmd|' /C calc'!A0"
    assert by_email["a@example.com"]["plan"] == "'@SUM(1+1)"
    assert by_email["a@example.com"]["renews"] == "2025-02-01 00:00:00"  # Tokyo time
    assert by_email["a@example.com"]["Tags"] == "vip"
    assert by_email["b@example.com"]["Name"] == "'-2+3"
    assert by_email["b@example.com"]["plan"] == "'+1"
    assert by_email["hanako@example.jp"]["Name"] == "山田 花子"


def test_export_of_the_ticked_people_only(client_agent, workspace, other_workspace):
    ticked = [ContactFactory(workspace=workspace, role="user", email=f"t{i}@example.com") for i in range(2)]
    ContactFactory(workspace=workspace, role="user", email="not-ticked@example.com")
    visitor = ContactFactory(workspace=workspace, role="visitor", email="")
    foreign = ContactFactory(workspace=other_workspace, role="user", email="foreign@example.com")
    response = client_agent.post(url("export_ticked", workspace),
                                 {"contact": [c.pk for c in ticked] + [visitor.pk, foreign.pk, "nonsense"]})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert sorted(row[1] for row in read_csv(response)[1:]) == ["t0@example.com", "t1@example.com"]


def test_export_of_nobody_ticked_says_so(client_agent, workspace):
    response = client_agent.post(url("export_ticked", workspace), {"next": "/w/acme/contacts/?segment=users"},
                                 follow=True)
    assert response.redirect_chain[-1][0] == "/w/acme/contacts/?segment=users"
    assert "Tick some people to export." in response.content.decode()
    assert client_agent.get(url("export_ticked", workspace)).status_code == 405


def test_export_of_a_builtin_view_and_a_saved_segment(client_agent, workspace):
    ContactFactory(workspace=workspace, role="user", email="u@example.com")
    ContactFactory(workspace=workspace, role="lead", email="l@example.com")
    segment = Segment.objects.create(workspace=workspace, name="Leads at example", rule={"match": "all", "rules": [
        {"field": "role", "operator": "is", "value": "lead"}]})

    def emails(params):  # type: ignore[no-untyped-def]
        return sorted(row[1] for row in read_csv(client_agent.get(url("export", workspace), params))[1:])

    assert emails({"segment": "users"}) == ["u@example.com"]
    assert emails({"segment": "leads"}) == ["l@example.com"]
    assert emails({"segment": str(segment.pk)}) == ["l@example.com"]
    assert emails({}) == ["l@example.com", "u@example.com"]


def test_a_bad_rule_is_refused_with_the_reason(client_agent, workspace):
    bad_field = json.dumps({"match": "all", "rules": [{"field": "password", "operator": "is", "value": "x"}]})
    response = client_agent.get(url("export", workspace), {"rule": bad_field})
    assert response.status_code == 400
    assert "password" in response.content.decode() or "field" in response.content.decode().lower()
    assert client_agent.get(url("export", workspace), {"rule": "{not json"}).status_code == 400
    assert client_agent.get(url("export", workspace), {"segment": "nonsense"}).status_code == 404


def test_export_never_reaches_another_workspace(client_agent, workspace, other_workspace):
    theirs = Segment.objects.create(workspace=other_workspace, name="Theirs", rule={"match": "all", "rules": []})
    ContactFactory(workspace=other_workspace, role="user", email="secret@globex.example")
    assert client_agent.get(url("export", workspace), {"segment": str(theirs.pk)}).status_code == 404
    rows = read_csv(client_agent.get(url("export", workspace)))
    assert all("globex" not in cell for row in rows for cell in row)


def test_export_reads_a_few_queries_whatever_the_size(client_agent, workspace, django_assert_max_num_queries):
    tag = Tag.objects.create(workspace=workspace, name="vip")
    for n in range(30):
        ContactFactory(workspace=workspace, role="user", email=f"p{n}@example.com").tags.add(tag)
    response = client_agent.get(url("export", workspace))
    with django_assert_max_num_queries(6):
        rows = read_csv(response)
    assert len(rows) == 31


def test_outsiders_cannot_export(client_outsider, workspace):
    assert client_outsider.get(url("export", workspace)).status_code == 404


# --- merge -------------------------------------------------------------------------------------


def test_a_lead_is_merged_into_a_user_by_email(client_admin, workspace):
    lead = ContactFactory(workspace=workspace, role="lead", name="Visitor from chat", email="")
    conversation = conversation_create(workspace=workspace, contact=lead)
    user = ContactFactory(workspace=workspace, role="user", email="kana@example.com", name="Kana")
    response = client_admin.post(url("merge", workspace), {"source": lead.pk, "target_email": "KANA@example.com",
                                                           "next": "/w/acme/contacts/"})
    assert response.status_code == 302 and response["Location"] == "/w/acme/contacts/"
    assert not Contact.objects.for_workspace(workspace).filter(pk=lead.pk).exists()
    assert Conversation.objects.for_workspace(workspace).get(pk=conversation.pk).contact_id == user.pk


def test_merge_by_ids_and_the_rules_it_keeps(client_admin, workspace):
    lead = ContactFactory(workspace=workspace, role="lead")
    other_lead = ContactFactory(workspace=workspace, role="lead")
    user = ContactFactory(workspace=workspace, role="user")
    refused = [
        {"source": user.pk, "target": user.pk},          # a user is never the one folded away
        {"source": lead.pk, "target": other_lead.pk},   # the target must be a user
        {"source": lead.pk, "target_email": "nobody@example.com"},
        {"source": lead.pk},
    ]
    for data in refused:
        response = client_admin.post(url("merge", workspace), {**data, "next": "https://evil.example/"}, follow=True)
        assert response.redirect_chain[0][0] == url("index", workspace)  # never off-site
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Contact.objects.for_workspace(workspace).count() == 3
    client_admin.post(url("merge", workspace), {"source": lead.pk, "target": user.pk})
    assert set(Contact.objects.for_workspace(workspace).values_list("pk", flat=True)) == {other_lead.pk, user.pk}


def test_merge_is_404_across_workspaces_and_403_for_agents(client_admin, client_agent, workspace, other_workspace):
    lead = ContactFactory(workspace=workspace, role="lead")
    user = ContactFactory(workspace=workspace, role="user")
    their_user = ContactFactory(workspace=other_workspace, role="user", email="them@example.com")
    their_lead = ContactFactory(workspace=other_workspace, role="lead")
    assert client_admin.post(url("merge", workspace), {"source": lead.pk, "target": their_user.pk}).status_code == 404
    assert client_admin.post(url("merge", workspace), {"source": their_lead.pk, "target": user.pk}).status_code == 404
    assert client_admin.post(url("merge", workspace), {"source": their_lead.pk,
                                                       "target_email": "them@example.com"}).status_code == 404
    assert client_agent.post(url("merge", workspace), {"source": lead.pk, "target": user.pk}).status_code == 403
    assert Contact.all_workspaces.count() == 4  # counting all: nothing was merged anywhere


def test_the_merge_form_partial_renders_for_a_lead_only(rf, workspace, admin):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.workspace, request.membership = workspace, admin
    lead = ContactFactory(workspace=workspace, role="lead")
    user = ContactFactory(workspace=workspace, role="user")
    html = render_to_string("contacts/partials/_merge_form.html", {"contact": lead, "request": request})
    assert f'value="{lead.pk}"' in html and 'name="target_email"' in html
    assert url("merge", workspace) in html
    assert render_to_string("contacts/partials/_merge_form.html", {"contact": user, "request": request}).strip() == ""
