"""Photos out of the vault on purpose (R2b): clean copies for the child's family.

Plain Python, no web framework; the CLI (``retention export photos``) and the wizard
(``retention wizard``) are two doors to the same functions:

* ``run.export_photos``: decrypt in memory, clean, write a new folder or zip files,
  record the export sealed (``records``);
* ``offer``: whether the offer is open, until when, and recording "sent" or "declined";
* ``check.check_export``: read an export back and check it;
* ``thumbnails``: small previews made in memory;
* ``clean``, ``jpeg``, ``video``: the clean copies themselves; ``writer``: the files.
"""
