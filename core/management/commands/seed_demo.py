"""Seed the demo workspace. Safe to run again: it finds what exists instead of adding more."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from articles.demo import help_center_path, seed_help_center
from contacts.demo import seed_people
from workspaces import services
from workspaces.models import Membership, Team, Workspace
from workspaces.scoping import workspace_scope

OWNER_EMAIL = "admin@example.com"
AGENTS = [("sato@example.com", "佐藤 花子", "ja"), ("alex@example.com", "Alex Morgan", "en")]


class Command(BaseCommand):
    help = ("Create (or find) the demo workspace, its owner, two agents, a team and demo people; "
            "print the owner's password.")

    def handle(self, *args: object, **options: object) -> None:
        password_file = Path(settings.VAR_DIR) / "demo-password.txt"
        with transaction.atomic():
            owner, password = self._owner(password_file)
            workspace = Workspace.objects.filter(slug="demo").first()
            if workspace is None:
                workspace = services.workspace_create(
                    name="Parley Demo", slug="demo", owner=owner, timezone_name="Asia/Tokyo", language="ja"
                )
            members = []
            for email, name, language in AGENTS:
                user = User.objects.filter(email=email).first() or User.objects.create_user(
                    email=email, password=password, name=name, language=language
                )
                membership, _created = Membership.objects.for_workspace(workspace).get_or_create(
                    user=user, defaults={"workspace": workspace, "role": Membership.Role.AGENT}
                )
                members.append(membership)
            team = Team.objects.for_workspace(workspace).filter(name="Support").first()
            if team is None:
                services.team_save(workspace=workspace, team=None, name="Support", members=members)
            with workspace_scope(workspace.pk):
                created = seed_people(workspace=workspace, agent=members[0])
                articles = seed_help_center(workspace=workspace, author=members[0])
                help_path = help_center_path(workspace=workspace)
        self.stdout.write(f"Demo workspace: {workspace.name} (/w/{workspace.slug}/)"
                          + (f", {created} demo people" if created else "")
                          + (f", {articles} help articles" if articles else ""))
        self.stdout.write(f"Help center: {help_path}")
        self.stdout.write(f"Sign in as {OWNER_EMAIL} with password: {password}")
        self.stdout.write(f"Agents {', '.join(e for e, _n, _l in AGENTS)} use the same password.")

    def _owner(self, password_file: Path) -> tuple[User, str]:
        owner = User.objects.filter(email=OWNER_EMAIL).first()
        if owner is not None and password_file.exists():
            return owner, password_file.read_text().strip()
        password = secrets.token_urlsafe(9)
        if owner is None:
            owner = User.objects.create_user(email=OWNER_EMAIL, password=password, name="Demo Admin", language="en")
        else:
            owner.set_password(password)
            owner.save(update_fields=["password"])
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        return owner, password
