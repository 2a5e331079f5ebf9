"""A real simulator process per test (free loopback port, its own SQLite file)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sector.adapter import OneRosterAdapter
from sector.simulator.process import SimulatorProcess

CLIENT = ("hoclieu", "hoclieu-dev-secret")


@pytest.fixture
def simulator(tmp_path) -> Iterator[SimulatorProcess]:
    sim = SimulatorProcess(tmp_path / "sim.sqlite3", None, "--vn-schools", "1").start()
    yield sim
    sim.stop()


@pytest.fixture
def adapter(simulator: SimulatorProcess) -> OneRosterAdapter:
    return OneRosterAdapter(simulator.url, *CLIENT, timeout=2.0)


@pytest.fixture
def sector_settings(settings, simulator: SimulatorProcess):
    settings.SECTOR_API_URL = simulator.url
    settings.SECTOR_CLIENT_ID, settings.SECTOR_CLIENT_SECRET = CLIENT
    settings.SECTOR_TIMEOUT = 2.0
    return settings
