"""Small previews of photos, made in memory from the decrypted bytes and never written to
disk (the wizard keeps them in memory only and serves them with ``no-store``)."""

from __future__ import annotations

import io
from typing import Final

from retention_agent.export import clean

SIZE: Final = 320  # pixels, the long edge: sharp at the grid's size on high-density screens
QUALITY: Final = 80


def thumbnail(data: bytes, size: int = SIZE) -> bytes | None:
    """A small upright JPEG of a photo, or None for a video or a file Pillow cannot read."""
    from PIL import Image, ImageOps

    try:
        image = clean.open_image(data)
    except clean.LeftOut:
        return None
    try:
        image.draft("RGB", (size, size))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
        small = ImageOps.exif_transpose(image)
        small.thumbnail((size, size), Image.Resampling.BICUBIC)
        small = small.convert("RGB")
        out = io.BytesIO()
        small.save(out, "JPEG", quality=QUALITY)
        return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    finally:
        image.close()
