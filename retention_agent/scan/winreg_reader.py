"""The current user's registry through ``winreg`` (Windows only), read only, for the
cloud clients' entries (``cloud_clients``). Missing keys and values read as empty."""

from __future__ import annotations

import sys

assert sys.platform == "win32"

import winreg  # noqa: E402 — after the platform check, which mypy also reads


class WinRegistry:
    def subkeys(self, key: str) -> list[str]:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
                count = winreg.QueryInfoKey(handle)[0]
                return [winreg.EnumKey(handle, index) for index in range(count)]
        except OSError:
            return []

    def value(self, key: str, name: str) -> str | None:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:
                value, _kind = winreg.QueryValueEx(handle, name)
        except OSError:
            return None
        return value if isinstance(value, str) else None
