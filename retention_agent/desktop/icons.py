"""The tray icon, drawn at run time (no image files to ship): a calm teal disc with a
white tick when nothing needs the family, an orange one with an exclamation mark when
something does (a decision, an offer, a deletion awaiting a yes, a problem)."""

from __future__ import annotations

from PIL import Image, ImageDraw

SIZE = 64
CALM = (0, 121, 107, 255)
ATTENTION = (230, 81, 0, 255)
WHITE = (255, 255, 255, 255)


def icon(attention: bool) -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((2, 2, SIZE - 3, SIZE - 3), fill=ATTENTION if attention else CALM)
    if attention:
        draw.rounded_rectangle((27, 12, 37, 40), radius=4, fill=WHITE)
        draw.ellipse((27, 45, 37, 55), fill=WHITE)
    else:
        draw.line((17, 33, 28, 44, 47, 21), fill=WHITE, width=8, joint="curve")
    return image
