"""Fuzzing the readers of outside input: any exception other than the project's own
``RetentionError`` is a bug.

The test suite runs each target for a bounded number of examples
(``tests/test_formats_fuzz.py``). A longer run by hand::

    python -m tools.fuzz                       # every target, 20,000 examples each
    python -m tools.fuzz zip sms --runs 200000
    python -m tools.fuzz vcard --atheris -max_total_time=600   # coverage-guided

Hypothesis mutates valid synthetic exports (flipped, cut, inserted and spliced bytes)
and tries raw bytes; with ``--atheris`` (``pip install atheris``) libFuzzer drives the
target instead, starting from the same seeds. Both print the counts they ran.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import io
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from retention_agent.demo import exports
from retention_agent.errors import RetentionError
from retention_agent.formats import mail, sms, whatsapp
from retention_agent.formats.addresses import Addresses, phone_key
from retention_agent.formats.archive import SafeZip
from retention_agent.formats.detect import read_export
from retention_agent.formats.parts import Export
from retention_agent.formats.vcard import read_vcards

CASE = Addresses.of(phones=["+4512345678"], emails=["foraelder@example.org"])


def _drain(export: Export) -> None:
    """Read every part; a part must hold exactly the size it announced."""
    with export:
        for part in export.parts:
            total = 0
            with part.open() as stream:
                while chunk := stream.read(1 << 16):
                    total += len(chunk)
            assert total == part.size, (part.name, total, part.size)


def vcard(data: bytes) -> None:
    read_vcards(data)


def chat(data: bytes) -> None:
    whatsapp.variant_of(data)
    whatsapp.find_chat(["_chat.txt"], lambda _name: data)


def zip_export(data: bytes) -> None:
    archive = SafeZip(io.BytesIO(data), "chat.zip")
    found = whatsapp.from_zip(archive, Path("chat.zip"))
    if found is not None:
        _drain(found)


def sms_backup(data: bytes) -> None:
    _drain(sms.read_backup(io.BytesIO(data), Path("sms.xml"), CASE, "sms.xml"))


def eml(data: bytes) -> None:
    mail.is_eml(data)
    mail.participants(data)
    mail.media(data)


def mbox(data: bytes) -> None:
    handle = io.BytesIO(data)
    for start, end in list(mail._mbox_spans(handle)):
        mail.participants(data[start:end])


def phone(data: bytes) -> None:
    phone_key(data.decode("utf-8", "replace"))


def any_file(data: bytes) -> None:
    """The whole path of ``retention import``: detection, the reader, every part."""
    path = _scratch() / "export"
    path.write_bytes(data)
    _drain(read_export(path, addresses=CASE))


@cache
def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="retention-fuzz-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


TARGETS: dict[str, Callable[[bytes], None]] = {
    "vcard": vcard,
    "chat": chat,
    "zip": zip_export,
    "sms": sms_backup,
    "eml": eml,
    "mbox": mbox,
    "phone": phone,
    "file": any_file,
}


def seeds(target: str) -> list[bytes]:
    """Valid inputs for ``target`` to mutate."""
    folder = _scratch()
    mails = [
        exports.mail("Forælder <foraelder@example.org>", "os@example.org", photos=1),
        exports.mail("os@example.org", "nabo@example.org", number=2),
    ]
    chat_zip = exports.whatsapp_zip(folder / "seed.zip", "ios", 20, exports.media(3, variant="ios"))
    backup = exports.sms_backup(folder / "seed.xml", [exports.Thread("+4512345678", 3, 1)])
    found = {
        "vcard": [
            b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=86;B\r\n"
            b"TEL;CELL:+45 12 34 56 78\r\nADR;ENCODING=QUOTED-PRINTABLE:;;Vej=0D=0A=\r\n1;;\r\n"
            b"PHOTO;ENCODING=BASE64;JPEG:AAAA\r\n AAAA\r\n\r\nEND:VCARD\r\n",
            b"BEGIN:VCARD\r\r\nVERSION:3.0\r\r\nitem1.EMAIL;type=pref:a@example.org\r\r\nEND:VCARD",
        ],
        "chat": [exports.chat_text("android", 5), exports.chat_text("ios", 5)],
        "zip": [chat_zip.read_bytes()],
        "sms": [backup.read_bytes()],
        "eml": mails,
        "mbox": [exports.mbox(folder / "seed.mbox", mails).read_bytes()],
        "phone": [b"+45 12 34 56 78", b"0045 12345678", b"tel:+45-12"],
    }
    found["file"] = [found[name][0] for name in ("chat", "zip", "sms", "eml", "mbox")]
    return found[target]


def run(target: str, data: bytes) -> None:
    """One example: only the project's own errors may come out."""
    with contextlib.suppress(RetentionError):
        TARGETS[target](data)


def main() -> None:
    parser = argparse.ArgumentParser(description="Fuzz the readers of outside input.")
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=", ".join(TARGETS))
    parser.add_argument("--runs", type=int, default=20_000, help="examples per target")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided (libFuzzer)")
    args, libfuzzer_options = parser.parse_known_args()
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {sorted(unknown)}; known: {list(TARGETS)}")
    chosen = args.targets or list(TARGETS)
    if args.atheris:
        for target in chosen:
            _atheris(target, args.runs, libfuzzer_options)
        return
    from tests.support.fuzzing import fuzz_with_hypothesis

    for target in chosen:
        count = fuzz_with_hypothesis(target, args.runs)
        print(f"{target}: {count} examples, no unexpected exception")


def _atheris(target: str, runs: int, options: list[str]) -> None:
    """libFuzzer in a child process per target (it exits when done)."""
    import subprocess

    corpus = _scratch() / f"corpus-{target}"
    corpus.mkdir(exist_ok=True)
    for number, seed in enumerate(seeds(target)):
        (corpus / f"seed-{number}").write_bytes(seed)
    command = [sys.executable, "-m", "tools.fuzz_atheris", target, str(corpus), f"-runs={runs}"]
    command.append(f"-artifact_prefix={_scratch()}/")
    subprocess.run([*command, *options], check=True)


if __name__ == "__main__":
    main()
