from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.oidc_provider.process import Person, Provider

IN_ROSTER = "079208001234"
STRANGER = "001099000777"
INACTIVE = "079208005555"
PEOPLE = [
    Person("hocsinh", "mk-hocsinh-1", IN_ROSTER, "Nguyễn Thị Lan"),
    Person("nguoila", "mk-nguoila-1", STRANGER, "Trần Văn Khách"),
    Person("dakhoa", "mk-dakhoa-1", INACTIVE, "Lê Văn Khoá"),
    Person("khongma", "mk-khongma-1", "", "Không Có Mã"),
]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    provider = Provider(
        tmp_path_factory.mktemp("oidc-provider"), PEOPLE, ["http://testserver/oidc/callback/"]
    ).start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc_on(settings: Any, oidc_provider: Provider) -> Provider:
    for name, value in oidc_provider.platform_env().items():
        setattr(settings, name, value)
    settings.OIDC_ENABLED = True
    return oidc_provider
