"""Where the vault lives: the platform's user data folder, or ``RETENTION_HOME``."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "RETENTION_HOME"


def vault_home() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("retention-agent", appauthor=False)
