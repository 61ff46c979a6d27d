"""English and Japanese for everything: the Japanese catalogue must hold every string the
code and templates mark for translation, with placeholders intact."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
SKIP_DIRS = {".venv", ".git", "tests", "var", "staticfiles", "test-artifacts", "node_modules", "vendor"}


def _entries(po_text: str) -> str:
    """A msgattrib listing (unwrapped, so every msgid is one line) without the header entry."""
    blocks = [b for b in po_text.strip().split("\n\n") if b.strip()]
    return "\n\n".join(b for b in blocks if 'msgid ""\nmsgstr ""' not in b)


def test_the_japanese_catalogue_is_complete(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=lambda d, names: [n for n in names if n in SKIP_DIRS or n.endswith(".mo")])
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-obsolete", "--no-location",
         "--ignore=tests", "--ignore=static/vendor"],
        cwd=copy, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "DJANGO_SETTINGS_MODULE": "config.settings.local",
             "PARLEY_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    fresh = copy / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", "--no-wrap", str(fresh)],
                                  capture_output=True, text=True, check=True).stdout
    fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", "--no-obsolete", "--no-wrap", str(fresh)],
                           capture_output=True, text=True, check=True).stdout
    missing = _entries(untranslated) + _entries(fuzzy)
    assert missing == "", (
        "locale/ja/LC_MESSAGES/django.po misses these strings; run `make makemessages` and translate them:\n"
        + missing
    )


def test_the_catalogue_compiles_with_placeholders_intact():
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(CATALOGUE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "english, japanese",
    [("Inbox", "受信トレイ"), ("Contacts", "連絡先"), ("Settings", "設定"), ("Sign in", "ログイン")],
)
def test_the_compiled_catalogue_is_loaded(english, japanese):
    with translation.override("ja"):
        assert translation.gettext(english) == japanese


@pytest.mark.django_db
def test_the_shell_renders_in_japanese_for_a_japanese_teammate(client, workspace):
    from tests.factories import MembershipFactory

    membership = MembershipFactory(workspace=workspace, user__language="ja")
    client.force_login(membership.user)
    page = client.get("/w/acme/contacts/").content.decode()
    for word in ["受信トレイ", "連絡先", "記事", "設定", "ログアウト"]:
        assert word in page
    assert "Sign out" not in page
