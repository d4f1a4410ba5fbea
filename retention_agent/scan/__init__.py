"""Copies outside the vault: the leftover scan (``leftovers``), where it looks
(``places``), removing what it finds (``removal``), folders synced to a cloud
(``cloud``) and recognising a match paper among new PDFs (``matchpaper``).

Core code: plain Python over the vault, called by the CLI and the agent alike. Pillow,
imagehash and pypdf are imported only inside the functions that read images or PDFs.
"""
