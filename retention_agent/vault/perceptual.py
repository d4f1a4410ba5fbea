"""Perceptual hashes of photos: what stays the same when a phone or a chat app resizes
and re-encodes a photo, so that such copies can be found after the original went into
the vault (``retention scan``'s "likely copies").

Two 64-bit hashes from ``imagehash`` over Pillow, on the photo turned upright by its EXIF
orientation and reduced to grey: ``phash`` (low frequencies of the DCT) and ``dhash``
(brightness gradients). A copy must be close in both, which keeps unrelated photos with
a similar layout apart. They are stored sealed with the item, and in its tombstone once
it is deleted; like the keyed fingerprint they say nothing about the photo to anyone
without the vault's keys, but unlike it they are not keyed, so they never leave the
sealed records.

Pillow and imagehash (with numpy) are imported only when a photo is hashed: they stay
off the ``retention status`` path.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from PIL.Image import Image

HASH_BITS = 64
# Measured on synthetic photos (benchmarks/scan_leftovers.py): copies resized to 25 %,
# re-encoded (JPEG quality 35-70, PNG, WebP) or cropped by 3 % per side stay within
# 10 bits (phash) and 15 bits (dhash); 20,000 pairs of unrelated photos came no closer
# than 14 bits on either, and none within both limits.
MAX_PHASH_DISTANCE = 12
MAX_DHASH_DISTANCE = 16
# JPEGs are decoded at a reduced scale: the hashes look at 32x32 pixels at most.
DRAFT_SIZE = (256, 256)
# What Pillow reads as an image when asked by extension (the scan's likely-copy pass).
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
)


@dataclass(frozen=True)
class PerceptualHash:
    phash: int
    dhash: int

    def to_json(self) -> dict[str, str]:
        return {"phash": f"{self.phash:016x}", "dhash": f"{self.dhash:016x}"}

    @classmethod
    def from_json(cls, value: object) -> PerceptualHash | None:
        """The stored form back; None for anything else (older items have none)."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(int(value["phash"], 16), int(value["dhash"], 16))
        except (KeyError, TypeError, ValueError):
            return None

    def similarity(self, other: PerceptualHash) -> float | None:
        """1.0 for identical hashes; None when ``other`` is not a likely copy."""
        phash = (self.phash ^ other.phash).bit_count()
        dhash = (self.dhash ^ other.dhash).bit_count()
        if phash > MAX_PHASH_DISTANCE or dhash > MAX_DHASH_DISTANCE:
            return None
        return 1.0 - (phash + dhash) / (2 * HASH_BITS)


def stored(source: BinaryIO) -> dict[str, str] | None:
    """The hashes as sealed with an item (None for what is not a readable image)."""
    found = of_image(source)
    return None if found is None else found.to_json()


def of_image(source: BinaryIO) -> PerceptualHash | None:
    """The hashes of the image in ``source``; None if it is not an image Pillow reads.

    ``source`` comes from outside (a user's file, anything in Downloads): Pillow's
    decoders raise many kinds of exceptions on damaged files, and a file that cannot
    be decoded is simply not a photo we can compare, so every exception is caught here.
    """
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            # Very large photos (100 MP phones) warn about decompression bombs; the draft
            # decode below keeps memory small, and twice the limit is still refused.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                image.draft("L", DRAFT_SIZE)
                upright = ImageOps.exif_transpose(image)
                grey = upright.convert("L")
                grey.thumbnail(DRAFT_SIZE)
        return _hash(grey)
    except Exception:  # see the docstring: any decoder failure means "no hash"
        return None


def _hash(grey: Image) -> PerceptualHash:
    import imagehash

    phash = imagehash.phash(grey)
    dhash = imagehash.dhash(grey)
    return PerceptualHash(int(str(phash), 16), int(str(dhash), 16))
