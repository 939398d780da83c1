"""`manage.py ensure_admin`: make sure a staff login exists for `make run`, and print it.

Creates user `admin` with a random password the first time (when no superuser exists) and
keeps the password in var/admin-login.txt so later runs can print it again.
"""

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create an admin login if none exists and print it."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        note = settings.VAR_DIR / "admin-login.txt"
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "admin@example.com", password)
            note.write_text(f"admin {password}\n")
            note.chmod(0o600)
        if note.exists():
            username, password = note.read_text().split()
            self.stdout.write(f"Admin login: {username} / {password}")
        else:
            self.stdout.write("Admin login: an administrator already exists (created elsewhere).")
