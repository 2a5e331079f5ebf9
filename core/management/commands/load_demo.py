from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import demo
from core.models import Organisation


class Command(BaseCommand):
    help = "Load deterministic Vietnamese demo data (does nothing if it is already there)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Organisation.objects.filter(code="SGDDT").exists():
            self.stdout.write("Demo data already present.")
            logins = None
        else:
            try:
                logins = demo.load(seed=options["seed"])
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
        if options["quiet_logins"]:
            return
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password: {demo.DEMO_PASSWORD}):"))
        for login in logins or demo.known_logins():
            self.stdout.write(
                f"  {login.role:<22} {login.username:<16} {login.full_name} ({login.note})"
            )
