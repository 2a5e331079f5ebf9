"""`python manage.py run_sector_simulator [--port 8765] [--background]`: the sector side.

Seeds a generated Vietnamese roster (idempotent upserts); the data file lives in var/.
With --background it returns once the simulator answers, leaving it running, and writes its
process id to --pidfile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sector.simulator.__main__ import main
from sector.simulator.process import SimulatorProcess


class Command(BaseCommand):
    help = "Chạy trình mô phỏng CSDL ngành (OneRoster 1.2) cho bản demo."

    def add_arguments(self, parser: CommandParser) -> None:
        var = Path(settings.BASE_DIR) / "var"
        parser.add_argument("--port", type=int, default=urlparse(settings.SECTOR_API_URL).port)
        parser.add_argument("--db", default=str(var / "sector-sim.sqlite3"))
        parser.add_argument("--vn-schools", type=int, default=3)
        parser.add_argument("--background", action="store_true")
        parser.add_argument("--pidfile", default=str(var / "sector-sim.pid"))

    def handle(self, *args: Any, **options: Any) -> None:
        flags = [
            "--vn-schools",
            str(options["vn_schools"]),
            "--client-id",
            settings.SECTOR_CLIENT_ID,
            "--client-secret",
            settings.SECTOR_CLIENT_SECRET,
        ]
        port = options["port"] or 8765
        if not options["background"]:
            main(["--port", str(port), "--db", options["db"], *flags])
            return
        sim = SimulatorProcess(
            options["db"], port, *flags, log=Path(options["db"]).with_suffix(".log")
        )
        try:
            sim.stats()
        except httpx.HTTPError:
            sim.start()
        else:
            self.stdout.write(f"Trình mô phỏng CSDL ngành đã chạy sẵn: {sim.url}")
            return
        assert sim.proc is not None
        Path(options["pidfile"]).write_text(str(sim.proc.pid))
        self.stdout.write(f"Trình mô phỏng CSDL ngành: {sim.url} (pid {sim.proc.pid})")
