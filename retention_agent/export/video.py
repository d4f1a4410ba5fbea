"""Videos without location or device data: the audio and video streams are copied into a
new MP4 or QuickTime container (PyAV, i.e. FFmpeg's own libraries), packet for packet,
so the pictures and sound are untouched while every metadata atom stays behind: ``©xyz``
and the other ``udta`` entries, ``meta``/``keys`` (``com.apple.quicktime.location…``,
make, model, software), and timed-metadata tracks (iPhone ``mebx``). The rotation lives
in the stream parameters, not in metadata, and is kept.

Only ISO base media files (MP4, MOV, M4V, 3GP) are handled; other containers are left
out of an export, with a message, rather than exported with their metadata.
"""

from __future__ import annotations

import io
from typing import Final

# Top-level atoms an ISO base media file starts with.
_FIRST_ATOMS: Final = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
# Tags a copy made by FFmpeg carries: none of them is about the recording.
NEUTRAL_TAGS: Final = frozenset({"major_brand", "minor_version", "compatible_brands", "encoder"})
NEUTRAL_STREAM_TAGS: Final = frozenset({"handler_name", "vendor_id", "language"})


class VideoError(Exception):
    """FFmpeg could not read or rewrite the video."""


def is_video(data: bytes) -> bool:
    return data[4:8] in _FIRST_ATOMS


def extension(data: bytes) -> str:
    """``.mov`` for QuickTime files (brand ``qt``), ``.mp4`` for the rest."""
    return ".mov" if data[4:8] != b"ftyp" or data[8:12] == b"qt  " else ".mp4"


def strip(data: bytes) -> bytes:
    """A copy of the video's audio and video streams with no metadata."""
    import av

    output = io.BytesIO()
    container = "mov" if extension(data) == ".mov" else "mp4"
    try:
        with (
            av.open(io.BytesIO(data), "r") as source,
            av.open(output, "w", format=container) as out,
        ):
            streams = [s for s in source.streams if s.type in ("video", "audio")]
            if not any(s.type == "video" for s in streams):
                raise VideoError("no video stream")
            copies = {s.index: out.add_stream_from_template(s) for s in streams}
            for copy in copies.values():
                copy.metadata.clear()
            for packet in source.demux(streams):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = copies[packet.stream.index]
                out.mux(packet)
    except av.FFmpegError as error:
        raise VideoError(str(error)) from None
    return output.getvalue()


def metadata(data: bytes) -> tuple[dict[str, str], list[str]]:
    """(tags other than the neutral ones, kinds of streams) of a video."""
    import av

    try:
        with av.open(io.BytesIO(data), "r") as container:
            tags = {k: v for k, v in container.metadata.items() if k not in NEUTRAL_TAGS}
            for stream in container.streams:
                tags.update(
                    {
                        f"{stream.index}:{key}": value
                        for key, value in stream.metadata.items()
                        if key not in NEUTRAL_STREAM_TAGS
                    }
                )
            return tags, [stream.type for stream in container.streams]
    except av.FFmpegError as error:
        raise VideoError(str(error)) from None
