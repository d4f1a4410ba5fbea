"""Fuzzing every parser of outside input that this project owns (the vCard and import
readers have their own): the policy loader, the blob header and body, the key file,
sealed records, the cloud clients' config readers, and the image and PDF
readers the scan hands other people's files to. The only exceptions allowed are the
project's own typed errors and the documented ``TamperedError``.

Each test runs ``FUZZ_EXAMPLES`` examples (default 150, a few seconds); a longer run
by hand: ``FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz_parsers.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from retention_agent.errors import RetentionError
from retention_agent.policy.errors import PolicyError
from retention_agent.policy.loader import default_policy_text, load_policy_text
from retention_agent.scan import cloud_clients, matchpaper
from retention_agent.vault import crypto, keyfile, perceptual
from retention_agent.vault.keyfile import KeyFileForeign
from retention_agent.vault.keystore import KeyFileCorrupt, PassphraseSource, WrongPassphrase

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
POLICY = default_policy_text()
KEY = bytes(range(32))
VAULT_ID = "0" * 32


@st.composite
def mutations(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few bytes flipped, cut, inserted or spliced."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            del data[at:]
    return bytes(data)


def policy_texts() -> st.SearchStrategy[str]:
    lines = POLICY.splitlines(keepends=True)

    @st.composite
    def edited(draw: st.DrawFn) -> str:
        picked = list(lines)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(picked) - 1))
            action = draw(st.sampled_from(["drop", "duplicate", "replace", "garble"]))
            if action == "drop":
                del picked[at]
            elif action == "duplicate":
                picked.insert(at, picked[at])
            elif action == "replace":
                picked[at] = draw(st.sampled_from(lines))
            else:
                line = picked[at]
                cut = draw(st.integers(0, len(line)))
                picked[at] = line[:cut] + draw(st.text(max_size=12)) + line[cut:]
        return "".join(picked)

    return st.one_of(edited(), st.text(max_size=400))


@FUZZ
@given(policy_texts())
def test_policy_loader(text: str) -> None:
    with contextlib.suppress(PolicyError):
        load_policy_text(text, "fuzz.toml")


def _blob(plaintext: bytes) -> bytes:
    out = io.BytesIO()
    with crypto.Hasher() as hasher:
        crypto.encrypt_stream(
            io.BytesIO(plaintext), out, KEY, VAULT_ID, "abcd1234", crypto.fingerprinter(KEY), hasher
        )
    return out.getvalue()


BLOB = _blob(b"synthetic blob content " * 2000)


@FUZZ
@given(st.one_of(mutations(BLOB), st.binary(max_size=2048)))
def test_blob_header_and_body(data: bytes) -> None:
    try:
        for _chunk in crypto.decrypt_stream(io.BytesIO(data), KEY, VAULT_ID, "abcd1234"):
            pass
    except crypto.TamperedError:
        pass


SEALED = crypto.seal(KEY, VAULT_ID, "sealed:1", {"path": "/home/x", "size": 3})
WRAPPED = crypto.wrap_key(KEY, KEY, VAULT_ID, "item:1", 1)


@FUZZ
@given(
    st.one_of(mutations(SEALED), st.binary(max_size=200)),
    st.one_of(mutations(WRAPPED), st.binary(max_size=80)),
)
def test_sealed_records_and_wrapped_keys(sealed: bytes, wrapped: bytes) -> None:
    # Two flips of one byte can give the original back, which must still open.
    if sealed != SEALED:
        with pytest.raises(crypto.TamperedError):
            crypto.unseal(KEY, VAULT_ID, "sealed:1", sealed)
    if wrapped != WRAPPED:
        with pytest.raises(crypto.TamperedError):
            crypto.unwrap_key(KEY, wrapped, VAULT_ID, "item:1", 1)


def _key_file() -> bytes:
    """A real key file with two KEKs, under scrypt parameters cheap enough to fuzz."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kek.key"
        store = keyfile.KeyFileStore.create(
            path, VAULT_ID, PASSPHRASE, scrypt=keyfile.ScryptParams(1, 1, 1)
        )
        store.store(1, KEY)
        store.store(2, KEY[::-1])
        return path.read_bytes()


PASSPHRASE = PassphraseSource(lambda _text: "fuzz fuzz fuzz fuzz")
KEY_FILE = _key_file()


@FUZZ
@given(data=st.one_of(mutations(KEY_FILE), st.binary(max_size=400)))
def test_key_file(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("kf")
    (folder / "kek.key").write_bytes(data)
    store = keyfile.KeyFileStore(folder / "kek.key", VAULT_ID, PASSPHRASE)
    with contextlib.suppress(KeyFileCorrupt, KeyFileForeign, WrongPassphrase):
        store.epochs_present(range(5))


@FUZZ
@given(st.binary(max_size=600))
def test_key_file_structure(data: bytes) -> None:
    with contextlib.suppress(KeyFileCorrupt):
        keyfile._parse(data)


def json_like() -> st.SearchStrategy[bytes]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=12,
    )
    return st.one_of(
        values.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.sampled_from(["personal", "business", "x"]), values, max_size=3).map(
            lambda v: json.dumps(v).encode()
        ),
        st.binary(max_size=300),
    )


@FUZZ
@given(json_like(), st.binary(max_size=400), st.text(max_size=400))
def test_cloud_config_readers(info: bytes, raw: bytes, text: str) -> None:
    home = Path("/home/fuzz")
    cloud_clients.dropbox_info_paths(info)
    for data in (raw, text.encode("utf-8", "surrogatepass")):
        cloud_clients.qt_sync_folders(data)
        cloud_clients.syncthing_folders(data, home)
        cloud_clients.onedrive_linux_sync_dir(data, home)


@FUZZ
# Found by a long run: a ``\\x`` escape with no hex digits after it.
@example(pieces=["[Accounts]\n", "0\\Folders\\1\\localPath=", "\\x"])
@given(
    st.lists(
        st.sampled_from(
            [
                "[Accounts]\n",
                "0\\Folders\\1\\localPath=",
                '"quoted\\\\x00e6\\"',
                "\\x",
                "\n",
                "<configuration>",
                '<folder path="~/a">',
                "</folder>",
                "</configuration>",
                "sync_dir = ",
                "&amp;",
                "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
                "&a;",
            ]
        ),
        max_size=30,
    )
)
def test_cloud_config_readers_near_valid(pieces: list[str]) -> None:
    data = "".join(pieces).encode()
    cloud_clients.qt_sync_folders(data)
    cloud_clients.syncthing_folders(data, Path("/home/fuzz"))


@FUZZ
@given(data=st.binary(max_size=3000))
def test_google_drive_database(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("drivefs") / "root_preference_sqlite.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE roots (last_seen_absolute_path)")
        db.execute("INSERT INTO roots VALUES (?)", (data,))
    db.close()
    raw = path.read_bytes()
    cut = len(raw) // 2 + (data[0] if data else 0)
    path.write_bytes(raw[:cut] + data + raw[cut + len(data) :])
    cloud_clients.drivefs_roots(path)


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 10)).save(out, format="PNG")
    return out.getvalue()


@FUZZ
@given(st.one_of(mutations(_jpeg()), mutations(_png()), st.binary(max_size=600)))
def test_images_handed_to_pillow(data: bytes) -> None:
    result = perceptual.of_image(io.BytesIO(data))
    assert result is None or isinstance(result, perceptual.PerceptualHash)


def _pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Matchpapir Alder Skole")
    return bytes(pdf.output())


@FUZZ
@given(st.one_of(mutations(_pdf()), st.binary(max_size=600).map(lambda b: b"%PDF-1.4\n" + b)))
def test_pdfs_handed_to_pypdf(data: bytes) -> None:
    assert isinstance(matchpaper.pdf_text(data), str)
    matchpaper.guess_text(data.decode("latin-1"))


def test_only_typed_errors_are_expected() -> None:
    """The project's errors the tests above allow are its own typed ones."""
    assert issubclass(PolicyError, RetentionError)
    assert issubclass(KeyFileCorrupt, RetentionError)
    assert issubclass(WrongPassphrase, RetentionError)
