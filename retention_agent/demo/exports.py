"""Synthetic exports as phones and mail programs write them, for the tests and the
benchmark: WhatsApp "Export chat" (Android and iOS), SMS Backup & Restore, .eml and mbox.

Everything is invented (see ``synthetic``): example.org addresses, Danish numbers starting
with 0. The text mixes Danish with æøå, emoji and right-to-left script, and each
generator is deterministic given its arguments.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Final, Literal
from xml.sax.saxutils import quoteattr

from PIL import Image, ImageDraw

from retention_agent.demo.synthetic import DEMO_START, _seeded

Variant = Literal["android", "ios"]

TEXTS: Final = (
    "Hej! Vi glæder os til at se dig på lørdag 😊",
    "Skal jeg have badetøj med? Og min blå håndklæde?",
    "Ja, vi tager i svømmehallen om eftermiddagen 🏊",
    "Tak for i dag ❤️ Ærlig talt den bedste dag",
    "مرحبا، نراكم يوم السبت",  # right-to-left: "hello, see you on Saturday"
    "שלום! תודה על היום",  # right-to-left: "hello! thanks for today"
    "Øv, det regner. Vi bager boller i stedet 🥐",
    "Husk madpakke og regntøj 🌧️ vi ses kl. 10",
)
SENDERS: Final = ("Forælder Ærø", "Søs Åberg", "Barn Ø")


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


def chat_text(
    variant: Variant,
    messages: int,
    *,
    attachments: Sequence[str] = (),
    start: dt.datetime = DEMO_START,
    seed: int = 0,
) -> bytes:
    """A chat in WhatsApp's text format: ``messages`` messages (some spanning several
    lines, some very long), with each of ``attachments`` named where it was sent."""
    rng = _seeded(seed)
    rows = []
    every = max(1, messages // (len(attachments) + 1))
    pending = list(attachments)
    for index in range(messages):
        sent = start + dt.timedelta(minutes=3 * index)
        sender = SENDERS[index % len(SENDERS)]
        if pending and index % every == every - 1:
            body = _attachment_line(variant, pending.pop(0))
        else:
            body = TEXTS[rng.randrange(len(TEXTS))]
            if rng.random() < 0.05:
                body += "\n" + TEXTS[rng.randrange(len(TEXTS))]  # a second line
            if rng.random() < 0.01:
                body = " ".join([body] * 40)  # a very long message
        rows.append(_stamp(variant, sent) + f"{sender}: {body}")
    for name in pending:
        rows.append(_stamp(variant, start) + f"{SENDERS[0]}: {_attachment_line(variant, name)}")
    newline = "\r\n" if variant == "ios" else "\n"
    return (newline.join(rows) + newline).encode("utf-8")


def _stamp(variant: Variant, moment: dt.datetime) -> str:
    if variant == "ios":
        return f"[{moment:%d.%m.%Y %H.%M.%S}] "
    return f"{moment:%d.%m.%Y %H.%M} - "


def _attachment_line(variant: Variant, name: str) -> str:
    if variant == "ios":
        return f"\u200e<vedhæftet: {name}>"
    return f"\u200e{name} (fil vedhæftet)"


def media(
    count: int,
    *,
    variant: Variant,
    seed: int = 0,
    size: tuple[int, int] = (64, 48),
    grain: float = 0.0,
) -> list[Attachment]:
    """``count`` attachments the way WhatsApp names them: mostly photos, every tenth a
    voice note, every twentieth a sticker, every 25th a video."""
    found = []
    rng = _seeded(seed)
    for number in range(1, count + 1):
        if number % 25 == 0:
            kind, suffix, data = "VID", ".mp4", b"\x00\x00\x00\x18ftypmp42" + rng.randbytes(2000)
        elif number % 20 == 0:
            kind, suffix, data = "STK", ".webp", b"RIFF\x00\x00\x00\x00WEBP" + rng.randbytes(300)
        elif number % 10 == 0:
            kind, suffix, data = "PTT", ".opus", b"OggS" + rng.randbytes(1500)
        else:
            kind, suffix, data = "IMG", ".jpg", jpeg(seed + number, size, grain=grain)
        day = DEMO_START + dt.timedelta(days=number // 10)
        if variant == "ios":
            label = {"IMG": "PHOTO", "VID": "VIDEO", "PTT": "AUDIO", "STK": "STICKER"}[kind]
            name = f"{number:08d}-{label}-{day:%Y-%m-%d-%H-%M-%S}{suffix}"
        else:
            name = f"{kind}-{day:%Y%m%d}-WA{number:04d}{suffix}"
        found.append(Attachment(name, data))
    return found


def jpeg(seed: int, size: tuple[int, int] = (64, 48), *, grain: float = 0.0) -> bytes:
    """A JPEG of coloured blocks, different for each seed; ``grain`` (0 to 1) adds
    sensor-like noise, which gives the file the size of a phone photo."""
    rng = _seeded(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + width // 3, y + height // 3), fill=colour)
    if grain:
        noise = Image.frombytes("L", size, rng.randbytes(width * height)).convert("RGB")
        image = Image.blend(image, noise, grain)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def chat_file_name(variant: Variant) -> str:
    return "_chat.txt" if variant == "ios" else "WhatsApp-chat med Forælder Ærø.txt"


def whatsapp_zip(
    path: Path, variant: Variant, messages: int, attachments: Sequence[Attachment] = ()
) -> Path:
    """A zipped export, as the phone shares it."""
    text = chat_text(variant, messages, attachments=[a.name for a in attachments])
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(chat_file_name(variant), text)
        for attachment in attachments:
            archive.writestr(attachment.name, attachment.data)
    return path


def whatsapp_folder(
    folder: Path, variant: Variant, messages: int, attachments: Sequence[Attachment] = ()
) -> Path:
    """An export unzipped into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = chat_text(variant, messages, attachments=[a.name for a in attachments])
    (folder / chat_file_name(variant)).write_bytes(text)
    for attachment in attachments:
        (folder / attachment.name).write_bytes(attachment.data)
    return folder


# --- SMS Backup & Restore ---------------------------------------------------------------


@dataclass(frozen=True)
class Thread:
    """A conversation in an SMS backup: its number(s) as the phone wrote them."""

    address: str
    messages: int
    photos: int = 0


def sms_backup(path: Path, threads: Sequence[Thread], *, seed: int = 0) -> Path:
    """An SMS Backup & Restore file: ``sms`` elements, and one ``mms`` per photo."""
    rng = _seeded(seed)
    elements = []
    moment = int(DEMO_START.timestamp() * 1000)
    for thread in threads:
        for index in range(thread.messages):
            moment += 60_000
            body = TEXTS[rng.randrange(len(TEXTS))]
            elements.append(
                f'  <sms protocol="0" address={quoteattr(thread.address)} date="{moment}" '
                f'type="{1 + index % 2}" subject="null" body={quoteattr(body)} toa="null" '
                f'sc_toa="null" service_center="null" read="1" status="-1" locked="0" '
                f'date_sent="0" readable_date="" contact_name="(Unknown)" />'
            )
        for number in range(thread.photos):
            moment += 60_000
            data = base64.b64encode(jpeg(seed + number, (32, 24))).decode()
            elements.append(
                f'  <mms date="{moment}" ct_t="application/vnd.wap.multipart.related" '
                f'msg_box="1" address={quoteattr(thread.address)} m_type="132">\n'
                "    <parts>\n"
                '      <part seq="-1" ct="application/smil" name="null" text="&lt;smil/&gt;" />\n'
                f'      <part seq="0" ct="image/jpeg" name="IMG_{number:04d}.jpg" '
                f'cl="IMG_{number:04d}.jpg" data="{data}" />\n'
                f'      <part seq="0" ct="text/plain" text={quoteattr(TEXTS[0])} />\n'
                "    </parts>\n"
                f'    <addrs><addr address={quoteattr(thread.address)} type="137" '
                'charset="106" /></addrs>\n'
                "  </mms>"
            )
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
        "<!--File Created By SMS Backup & Restore v10.20.002 on 01/03/2026 09:30:00-->\n"
        f'<smses count="{len(elements)}" backup_set="00000000-0000-4000-8000-000000000000">\n'
        + "\n".join(elements)
        + "\n</smses>\n",
        encoding="utf-8",
    )
    return path


# --- Mail -------------------------------------------------------------------------------


def mail(sender: str, to: str, *, number: int = 1, photos: int = 0, cc: str | None = None) -> bytes:
    """One mail (CRLF, MIME), with ``photos`` JPEG attachments."""
    message = EmailMessage(policy=policy.default)
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = f"Weekend nr. {number}: æbler, øl-fri og åer 🍎"
    message["Date"] = format_datetime(DEMO_START + dt.timedelta(days=number))
    message["Message-ID"] = f"<demo-{number}@example.org>"
    message.set_content(f"Hej,\n\n{TEXTS[number % len(TEXTS)]}\n\nHilsen\n{SENDERS[0]}\n")
    for index in range(photos):
        data = jpeg(number * 100 + index, (32, 24))
        message.add_attachment(
            data, maintype="image", subtype="jpeg", filename=f"billede-{index}.jpg"
        )
    return message.as_bytes(policy=policy.SMTP)


def mbox(path: Path, mails: Sequence[bytes]) -> Path:
    """An mbox (mboxrd): each mail behind a ``From`` line, body lines starting with
    "From " quoted with ">"."""
    with path.open("wb") as out:
        for data in mails:
            out.write(b"From demo@example.org Sun Mar  1 09:30:00 2026\n")
            for line in data.replace(b"\r\n", b"\n").splitlines(keepends=True):
                out.write(b">" + line if line.lstrip(b">").startswith(b"From ") else line)
            out.write(b"\n")
    return path
