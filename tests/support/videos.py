"""Short videos carrying what a phone writes into them: the place (``©xyz`` /
``location``), make, model and a rotation, made with PyAV (FFmpeg's own libraries)."""

from __future__ import annotations

import io
from typing import Final

import av
from PIL import Image

LOCATION: Final = "+55.6761+012.5683/"
MODEL: Final = "Phone 15 SERIAL-VID-777"


def phone_video(container: str = "mov", *, rotation: int = 90, frames: int = 6) -> bytes:
    """A tiny MPEG-4 video with silent AAC sound (``mov`` or ``mp4``), carrying a
    location, make, model and rotation."""
    out = io.BytesIO()
    with av.open(out, "w", format=container) as video:
        video.metadata["location"] = LOCATION
        video.metadata["make"] = "SecretCam"
        video.metadata["model"] = MODEL
        stream = video.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        stream.set_display_rotation(rotation)
        sound = video.add_stream("aac", rate=16000)
        sound.layout = "mono"
        for index in range(frames):
            frame = av.VideoFrame.from_image(Image.new("RGB", (160, 96), (index * 40, 80, 120)))
            for packet in stream.encode(frame):
                video.mux(packet)
        for index in range(frames):
            samples = av.AudioFrame(format="fltp", layout="mono", samples=1024)
            samples.planes[0].update(bytes(4096))
            samples.sample_rate, samples.pts = 16000, index * 1024
            for packet in sound.encode(samples):
                video.mux(packet)
        for encoder in (stream, sound):
            for packet in encoder.encode():
                video.mux(packet)
    return out.getvalue()


def frame_count_and_rotation(data: bytes) -> tuple[int, int]:
    with av.open(io.BytesIO(data), "r") as video:
        frames = list(video.decode(video=0))
        return len(frames), int(frames[0].rotation)
