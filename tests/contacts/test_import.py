"""CSV import: decoding, the guessed mapping, the upsert rules, row errors, typed custom
attributes, and a retried run that resumes without duplicating anyone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from contacts import import_runner, imports
from contacts.models import AttributeDefinition, Company, Contact, ContactImport, ContactImportError, Segment
from core.exceptions import ApplicationError
from tests.factories import ContactFactory, MembershipFactory
from workspaces.models import Membership, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Messages are asserted in English; an earlier test's request may have left Japanese on."""
    with translation.override("en"):
        yield


@pytest.fixture
def importer(workspace):  # type: ignore[no-untyped-def]
    return MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN)


def upload(workspace, importer, text: str | bytes, *, kind: str = "users", name: str = "people.csv") -> ContactImport:  # type: ignore[no-untyped-def]
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return imports.import_create(workspace=workspace, actor=importer, upload=SimpleUploadedFile(name, raw), kind=kind)


def run(contact_import: ContactImport, mapping: list[dict] | None = None) -> ContactImport:
    """Confirm the guessed mapping (or the one given) and run the import in this process."""
    if mapping is None:
        mapping = [column.guess for column in imports.import_preview(contact_import=contact_import)]
    imports.import_start(contact_import=contact_import, mapping=mapping)
    return import_runner.import_run(workspace_id=contact_import.workspace_id, import_id=contact_import.pk)


def people(workspace):  # type: ignore[no-untyped-def]
    return Contact.objects.for_workspace(workspace)


# --- decoding and the mapping guess ------------------------------------------------------------


def test_utf8_with_bom_and_shift_jis_read_alike(workspace, importer):
    text = "名前,メールアドレス\r\n山田 太郎,taro@example.jp\r\n"
    with_bom = upload(workspace, importer, "\ufeff" + text)
    shift_jis = upload(workspace, importer, text.encode("cp932"))
    assert (with_bom.encoding, shift_jis.encoding) == ("utf-8", "shift_jis")
    assert with_bom.headers == shift_jis.headers == ["名前", "メールアドレス"]  # no BOM left on the first header
    assert with_bom.total_rows == shift_jis.total_rows == 1
    done = run(shift_jis)
    assert done.status == ContactImport.Status.DONE
    assert people(workspace).get().name == "山田 太郎"


def test_cp932_only_characters_are_read(workspace, importer):
    # ① and 髙 exist in Microsoft's CP932 but not in strict Shift_JIS; Excel writes them.
    contact_import = upload(workspace, importer, "名前,メール\n髙橋①,t@example.jp\n".encode("cp932"))
    run(contact_import)
    assert people(workspace).get().name == "髙橋①"


@pytest.mark.parametrize("raw, message", [
    (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
    (b"email\n\x85@\xef\xbf\n", "neither UTF-8 nor Shift_JIS"),
    (b"", "empty"),
    (b"email\n", "no rows"),
    (b"email\x00\nx\n", "not a CSV"),
])
def test_files_that_cannot_be_imported_say_why(workspace, importer, raw, message):
    with pytest.raises(ApplicationError) as excinfo:
        upload(workspace, importer, raw)
    assert message in excinfo.value.message
    assert not ContactImport.objects.for_workspace(workspace).exists()


def test_too_large_a_file_is_refused(workspace, importer, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    with pytest.raises(ApplicationError, match="larger than"):
        upload(workspace, importer, "email\n" + "a@example.com\n" * 20)


def test_mapping_is_guessed_from_english_and_japanese_headers(workspace):
    AttributeDefinition.objects.create(workspace=workspace, key="plan", type="string")
    guess = imports.mapping_guess(
        headers=["Full Name", "E-mail", "ユーザーID", "登録日", "タグ", "会社名", "Plan", "Score", "", "Email"],
        samples=[[], [], [], [], [], [], ["pro"], ["1", "2.5"], [], []],
        kind="users", definitions=list(AttributeDefinition.objects.for_workspace(workspace)),
    )
    assert guess == [
        {"field": "name"}, {"field": "email"}, {"field": "user_id"}, {"field": "signed_up_at"},
        {"field": "tags"}, {"field": "company_name"}, {"field": "custom", "key": "plan"},
        {"field": "custom", "key": "Score", "new": True, "type": "number"},
        {"field": "ignore"},
        {"field": "ignore"},  # a second email column: each field takes one column
    ]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_an_export_imports_back_column_for_column(workspace, language):
    from contacts.exports import STANDARD_COLUMNS

    plan = AttributeDefinition.objects.create(workspace=workspace, key="plan", type="string")
    with translation.override(language):
        headers = [str(column.label) for column in STANDARD_COLUMNS] + ["plan"]
    guess = imports.mapping_guess(headers=headers, samples=[[] for _h in headers], kind="users", definitions=[plan])
    fields = dict(zip(headers, guess))
    assert [entry["field"] for entry in guess[:3]] == ["name", "email", "user_id"]
    with translation.override(language):
        assert fields[str(STANDARD_COLUMNS[4].label)] == {"field": "signed_up_at"}
        assert fields[str(STANDARD_COLUMNS[6].label)] == {"field": "ignore"}  # last seen: tracked, not imported
    assert guess[-1] == {"field": "custom", "key": "plan"}
    assert not any(entry.get("new") for entry in guess)


def test_a_leads_import_never_guesses_a_user_id(workspace):
    guess = imports.mapping_guess(headers=["user_id", "email"], samples=[[], []], kind="leads", definitions=[])
    assert guess[0]["field"] != "user_id"


# --- upserting ---------------------------------------------------------------------------------


def test_rows_create_users_and_update_by_user_id_then_by_email(workspace, importer):
    by_id = ContactFactory(workspace=workspace, role="user", external_id="u-1", email="old@example.com", name="Old")
    by_email = ContactFactory(workspace=workspace, role="lead", email="Lead@Example.com", name="A lead")
    other_id = ContactFactory(workspace=workspace, role="user", external_id="u-9", email="shared@example.com")
    contact_import = run(upload(workspace, importer, (
        "user_id,email,name\n"
        "u-1,new@example.com,Renamed\n"        # matched by user ID; the email changes
        ",lead@example.com,Now a user\n"        # matched by email, any case; the lead becomes a user
        "u-2,shared@example.com,Someone else\n"  # same email, but that contact has another user ID
        "u-3,,Brand new\n"
    )))
    assert (contact_import.created_count, contact_import.updated_count, contact_import.failed_count) == (2, 2, 0)
    by_id.refresh_from_db()
    by_email.refresh_from_db()
    assert (by_id.email, by_id.name) == ("new@example.com", "Renamed")
    assert (by_email.role, by_email.name, by_email.email) == ("user", "Now a user", "lead@example.com")
    assert people(workspace).filter(email__iexact="shared@example.com").count() == 2
    assert people(workspace).get(external_id="u-2").pk != other_id.pk
    assert people(workspace).get(external_id="u-3").role == "user"


def test_empty_cells_keep_what_is_known(workspace, importer):
    contact = ContactFactory(workspace=workspace, role="user", external_id="u-1", name="Kept",
                             email="kept@example.com", attributes={"plan": "pro"})
    AttributeDefinition.objects.create(workspace=workspace, key="plan", type="string")
    run(upload(workspace, importer, "user_id,name,email,plan\nu-1,,,\n"))
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.attributes) == ("Kept", "kept@example.com", {"plan": "pro"})


def test_a_leads_import_never_makes_a_user_a_lead(workspace, importer):
    user = ContactFactory(workspace=workspace, role="user", email="u@example.com")
    visitor = ContactFactory(workspace=workspace, role="visitor", email="v@example.com")
    run(upload(workspace, importer, "email\nu@example.com\nv@example.com\nnew@example.com\n", kind="leads"))
    user.refresh_from_db()
    visitor.refresh_from_db()
    assert (user.role, visitor.role) == ("user", "lead")
    assert people(workspace).get(email="new@example.com").role == "lead"


def test_a_person_twice_in_the_file_is_one_contact(workspace, importer):
    contact_import = run(upload(workspace, importer, "email,name\nA@example.com,First\na@example.com,Second\n"))
    assert people(workspace).get().name == "Second"
    assert (contact_import.created_count, contact_import.updated_count) == (1, 1)


def test_tags_and_companies_are_linked(workspace, importer):
    Company.objects.create(workspace=workspace, company_id="c-1", name="Acme KK")
    run(upload(workspace, importer, (
        "email,tags,company\n"
        "a@example.com,\"vip, beta\",acme kk\n"
        "b@example.com,VIP、ニュースレター,Globex\n"
    )))
    a = people(workspace).get(email="a@example.com")
    b = people(workspace).get(email="b@example.com")
    assert sorted(a.tags.values_list("name", flat=True)) == ["beta", "vip"]
    assert sorted(b.tags.values_list("name", flat=True)) == ["vip", "ニュースレター"]  # one tag, any case
    assert Tag.objects.for_workspace(workspace).count() == 3
    assert list(a.companies.values_list("company_id", flat=True)) == ["c-1"]  # found by its name
    assert list(b.companies.values_list("name", flat=True)) == ["Globex"]


# --- typed values and row errors ---------------------------------------------------------------


def test_bad_rows_are_reported_and_good_rows_imported(workspace, importer):
    AttributeDefinition.objects.create(workspace=workspace, key="seats", type="number")
    AttributeDefinition.objects.create(workspace=workspace, key="plan", type="list", options=["free", "pro"])
    contact_import = run(upload(workspace, importer, (
        "email,signed_up,seats,plan\n"
        "good@example.com,2024/01/15,\"1,200\",pro\n"
        "not-an-email,2024-01-15,3,free\n"
        "dates@example.com,yesterday,3,free\n"
        "types@example.com,,three,gold\n"
        ",,,\n"                               # a blank row is no row
        ",2024-01-01,4,free\n"                # nobody to match or create
        "good2@example.com,2024年2月3日,７,\n"
    )))
    assert (contact_import.total_rows, contact_import.processed_rows) == (6, 6)
    assert (contact_import.created_count, contact_import.failed_count) == (2, 4)
    errors = {e.row_number: e.reason for e in ContactImportError.objects.for_workspace(workspace)}
    assert set(errors) == {3, 4, 5, 7}
    assert "not an email address" in errors[3]
    assert "not a date" in errors[4]
    assert "seats" in errors[5] and "not a number" in errors[5] and "not one of the choices" in errors[5]
    assert "neither a user ID nor an email" in errors[7]
    good = people(workspace).get(email="good@example.com")
    assert good.attributes == {"seats": 1200, "plan": "pro"}
    assert good.signed_up_at == dt.datetime(2024, 1, 15, tzinfo=workspace.tzinfo)
    assert people(workspace).get(email="good2@example.com").attributes == {"seats": 7}
    assert ContactImportError.objects.for_workspace(workspace).get(row_number=3).cells[0] == "not-an-email"


def test_row_errors_are_written_in_the_importers_language(workspace):
    japanese = MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN, user__language="ja")
    run(upload(workspace, japanese, "email\nnope\n"))
    reason = ContactImportError.objects.for_workspace(workspace).get().reason
    assert "nope" in reason and "not an email" not in reason


def test_new_attributes_are_declared_with_the_chosen_type(workspace, importer):
    contact_import = upload(workspace, importer, "email,Trial ends,Active\na@example.com,2025-03-01 12:00,はい\n")
    run(contact_import, mapping=[
        {"field": "email"},
        {"field": "custom", "key": "trial_ends", "new": True, "type": "date"},
        {"field": "custom", "key": "active", "new": True, "type": "boolean"},
    ])
    types = dict(AttributeDefinition.objects.for_workspace(workspace).values_list("key", "type"))
    assert types == {"trial_ends": "date", "active": "boolean"}
    contact = people(workspace).get()
    # Stored as the audience engine reads dates: UTC ISO 8601 (noon in Tokyo is 03:00 UTC).
    assert contact.attributes == {"trial_ends": "2025-03-01T03:00:00+00:00", "active": True}


def test_an_imported_custom_attribute_is_found_by_a_rule(workspace, importer):
    from contacts import audience

    run(upload(workspace, importer, "email,seats\na@example.com,12\nb@example.com,3\n"))
    rule = audience.parse({"match": "all", "rules": [{"field": "custom.seats", "operator": "gt", "value": 10}]},
                          workspace=workspace)
    assert list(audience.contacts(rule, workspace=workspace).values_list("email", flat=True)) == ["a@example.com"]


# --- retries and resuming ----------------------------------------------------------------------


def test_a_retried_run_resumes_and_duplicates_nobody(workspace, importer, monkeypatch):
    monkeypatch.setattr(import_runner, "BATCH_SIZE", 10)
    rows = "".join(f"u-{n},person{n}@example.com\n" for n in range(35))
    contact_import = upload(workspace, importer, "user_id,email\n" + rows)
    imports.import_start(contact_import=contact_import, mapping=[{"field": "user_id"}, {"field": "email"}])

    calls = {"batches": 0}
    real_upsert = import_runner._upsert

    def dies_on_the_third_batch(plan, rows):  # type: ignore[no-untyped-def]
        calls["batches"] += 1
        if calls["batches"] == 3:
            raise ConnectionError("worker lost")
        return real_upsert(plan, rows)

    monkeypatch.setattr(import_runner, "_upsert", dies_on_the_third_batch)
    with pytest.raises(ConnectionError):
        import_runner.import_run(workspace_id=workspace.pk, import_id=contact_import.pk)
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.processed_rows) == ("running", 20)
    assert people(workspace).count() == 20

    monkeypatch.setattr(import_runner, "_upsert", real_upsert)
    done = import_runner.import_run(workspace_id=workspace.pk, import_id=contact_import.pk)
    assert (done.status, done.processed_rows, done.created_count, done.updated_count) == ("done", 35, 35, 0)
    assert people(workspace).count() == 35
    # A duplicate delivery of the task after the end changes nothing.
    again = import_runner.import_run(workspace_id=workspace.pk, import_id=contact_import.pk)
    assert (again.created_count, people(workspace).count()) == (35, 35)


def test_importing_the_same_file_twice_updates_instead_of_duplicating(workspace, importer):
    text = "user_id,email,name\nu-1,a@example.com,A\nu-2,b@example.com,B\n"
    run(upload(workspace, importer, text))
    second = run(upload(workspace, importer, text))
    assert (second.created_count, second.updated_count) == (0, 2)
    assert people(workspace).count() == 2


def test_the_end_of_an_import_rebuilds_every_segment_once(workspace, importer, django_capture_on_commit_callbacks,
                                                           monkeypatch):
    from contacts import tasks

    segment = Segment.objects.create(workspace=workspace, name="VIP", rule={"match": "all", "rules": [
        {"field": "email", "operator": "ends_with", "value": "@vip.example"}]})
    rebuilt = []
    monkeypatch.setattr(tasks.segment_rebuild, "delay", lambda ws, pk: rebuilt.append((ws, pk)))
    monkeypatch.setattr(tasks.import_run, "delay", lambda ws, pk: None)
    contact_import = upload(workspace, importer, "email\na@vip.example\nb@vip.example\nc@example.com\n")
    with django_capture_on_commit_callbacks(execute=True):
        run(contact_import)
    assert rebuilt == [(workspace.pk, segment.pk)]


def test_the_task_runs_the_import(workspace, importer, django_capture_on_commit_callbacks, eager_celery):
    contact_import = upload(workspace, importer, "email\na@example.com\n")
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_start(contact_import=contact_import, mapping=[{"field": "email"}])
    contact_import.refresh_from_db()
    assert contact_import.status == "done"
    assert people(workspace).get().email == "a@example.com"


def test_the_upload_is_deleted_once_imported(workspace, importer, django_capture_on_commit_callbacks):
    contact_import = upload(workspace, importer, "email\na@example.com\n")
    storage, name = contact_import.file.storage, contact_import.file.name
    assert storage.exists(name)
    imports.import_start(contact_import=contact_import, mapping=[{"field": "email"}])
    with django_capture_on_commit_callbacks(execute=True):
        import_runner.import_run(workspace_id=workspace.pk, import_id=contact_import.pk)
    contact_import.refresh_from_db()
    assert contact_import.file.name == "" and not storage.exists(name)


def test_a_missing_file_fails_the_import_visibly(workspace, importer):
    contact_import = upload(workspace, importer, "email\na@example.com\n")
    imports.import_start(contact_import=contact_import, mapping=[{"field": "email"}])
    contact_import.file.delete(save=False)
    import_runner.import_run(workspace_id=workspace.pk, import_id=contact_import.pk)
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.failure) == ("failed", "file_missing")


def test_companies_by_id_are_created_or_renamed(workspace, importer):
    Company.objects.create(workspace=workspace, company_id="c-1", name="Old name")
    run(upload(workspace, importer, (
        "email,company_id,company\n"
        "a@example.com,c-1,New name\n"
        "b@example.com,c-2,Initech\n"
        "c@example.com,c-2,\n"
    )))
    companies = dict(Company.objects.for_workspace(workspace).values_list("company_id", "name"))
    assert companies == {"c-1": "New name", "c-2": "Initech"}
    assert people(workspace).get(email="c@example.com").companies.get().company_id == "c-2"


@pytest.mark.parametrize("rows", [20, 400])
def test_a_batch_costs_the_same_few_queries_whatever_its_size(workspace, importer, rows,
                                                              django_assert_max_num_queries):
    AttributeDefinition.objects.create(workspace=workspace, key="seats", type="number")
    text = "user_id,email,tags,company,seats\n" + "".join(
        f"u-{n},p{n}@example.com,\"vip, beta\",Company {n % 3},{n}\n" for n in range(rows))
    contact_import = upload(workspace, importer, text)
    imports.import_start(contact_import=contact_import, mapping=[
        {"field": "user_id"}, {"field": "email"}, {"field": "tags"}, {"field": "company_name"},
        {"field": "custom", "key": "seats"}])
    # Reading the import and the plan, one batch (lookups, INSERT, links, errors, checkpoint),
    # the two tags and three companies made on first sight, and the end; nothing per row.
    with django_assert_max_num_queries(30):
        done = import_runner.import_run(workspace_id=workspace.pk, import_id=contact_import.pk)
    assert done.created_count == rows
