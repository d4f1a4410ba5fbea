"""The background agent: one long-running process per vault that keeps the schedule,
sends the notifications, takes files from the inbox into the vault and carries out
announced deletions. ``runner`` is its one entry point; the rest are its parts.

Nothing here is imported by ``retention status`` except ``heartbeat`` and ``lock``,
which stay light (no watchdog, plyer, pystray or gi).
"""
