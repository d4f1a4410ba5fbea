"""The desktop around the agent: notifications (plyer, with the agent's log as the
fallback), the tray icon in its own process (pystray), the passphrase dialog, opening
folders, and the login item from the templates in ``packaging/autostart``. Each module
imports its toolkit lazily: nothing here may load on the ``retention status`` path."""
