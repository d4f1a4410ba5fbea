"""``--json`` output is a public interface: every command's output is checked against its
JSON Schema in ``schemas/``, so a renamed, dropped or retyped field fails here, while a
new field does not (readers must ignore fields they do not know)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import sqlite3
import typing
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import click
import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from retention_agent import finish as ending
from retention_agent.agent import heartbeat
from retention_agent.agent.lock import AgentLock
from retention_agent.cli import cli
from retention_agent.demo import exports, synthetic
from retention_agent.export.check import Problem
from retention_agent.export.clean import Reason
from retention_agent.formats.parts import ExportFormat
from retention_agent.lifecycle import ALL_PLACES
from retention_agent.policy.assessment import Action, Phase
from retention_agent.policy.facts import ExportOutcome, FamilyDecision, Initiator
from retention_agent.scan.places import Why
from retention_agent.scan.sync_warnings import Subject
from retention_agent.vault import originals
from retention_agent.vault.copies import Origin
from retention_agent.vault.records import KINDS
from tests.support.cli import run_in_process

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SHARED = "definitions.schema.json"


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return loaded


def registry() -> Registry:
    resources = [(p.name, Resource.from_contents(load(p.name))) for p in SCHEMAS.glob("*.json")]
    return Registry().with_resources(resources)


def validator(command: str) -> Draft202012Validator:
    return Draft202012Validator(
        load(f"{command}.schema.json"),
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def check(command: str, output: str) -> Any:
    """The parsed ``--json`` output of ``command``, valid against its schema."""
    value = json.loads(output)
    errors = sorted(validator(command).iter_errors(value), key=lambda e: list(e.path))
    assert not errors, f"{command}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors
    )
    return value


def json_of(command: str, *args: str, now: str | None = None) -> Any:
    """``retention <command words> args --json``, checked against the command's schema."""
    env = {"RETENTION_NOW": now} if now else None
    done = run_in_process(*command.split(), *args, "--json", env=env)
    assert done.exit_code == 0, done.stderr
    name = command.replace(" ", "-") + ("-dry-run" if "--dry-run" in args else "")
    return check(name, done.stdout)


# --- the schemas themselves ----------------------------------------------------------------


def _json_commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if any(param.name == "as_json" for param in command.params):
        yield path
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None
            yield from _json_commands(sub, (*path, name))


def test_every_command_with_json_has_a_schema() -> None:
    expected = {"-".join(path) for path in _json_commands(cli)} | {"apply-dry-run"}
    published = {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")}
    assert published - {"definitions"} == expected


def test_the_readme_points_to_the_schemas() -> None:
    readme = (SCHEMAS.parent / "README.md").read_text(encoding="utf-8")
    assert "`schemas/status.schema.json`" in readme
    for path in SCHEMAS.glob("*.schema.json"):
        Draft202012Validator.check_schema(load(path.name))


def _objects(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        if "properties" in schema:
            yield where, schema
        for key, value in schema.items():
            yield from _objects(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for position, value in enumerate(schema):
            yield from _objects(value, f"{where}/{position}")


def test_every_field_is_required_and_new_fields_are_allowed() -> None:
    """What makes a rename or a dropped field fail (all listed fields are required) and a
    new field pass (no object closes itself with ``additionalProperties: false``)."""
    for path in SCHEMAS.glob("*.json"):
        for where, schema in _objects(load(path.name), path.name):
            if where.endswith(("/if", "/else", "/allOf/1")):
                continue  # parts that add to an object whose other part requires the rest
            assert set(schema.get("required", ())) == set(schema["properties"]), where
            assert schema.get("additionalProperties", True) is not False, where


@pytest.mark.parametrize(
    ("definition", "values"),
    [
        ("#/$defs/kind", KINDS),
        ("#/$defs/sync_subject", typing.get_args(Subject)),
        ("#/$defs/removal_method", [m.value for m in originals.Method]),
        ("#/$defs/kept", [k.value for k in originals.Kept]),
        ("#/$defs/decision/properties/action", typing.get_args(Action)),
        ("#/$defs/place", list(ALL_PLACES)),
    ],
)
def test_shared_enums_follow_the_code(definition: str, values: typing.Sequence[str]) -> None:
    """Enumerations are part of the contract: a value the code gains must be published."""
    assert registry().resolver().lookup(SHARED + definition).contents["enum"] == list(values)


def test_command_enums_follow_the_code() -> None:
    case = load("status.schema.json")["$defs"]["case"]["properties"]
    assert case["phase"]["enum"] == list(typing.get_args(Phase))
    assert case["decision"]["enum"] == [*typing.get_args(FamilyDecision), None]
    assert case["initiated_by"]["enum"] == [*typing.get_args(Initiator), None]
    assert case["export"]["enum"] == [*typing.get_args(ExportOutcome), None]
    scan = load("scan.schema.json")
    assert scan["properties"]["places"]["items"]["properties"]["why"]["enum"] == list(
        typing.get_args(Why)
    )
    origin = scan["$defs"]["found"]["properties"]["origin"]["enum"]
    assert origin == [*typing.get_args(Origin), None]
    agent = load("agent-status.schema.json")["then"]["properties"]
    assert agent["last_action"]["enum"] == list(typing.get_args(heartbeat.Action))
    assert agent["tray"]["enum"] == list(typing.get_args(heartbeat.Tray))
    reasons = load("finish.schema.json")["properties"]["reason"]["enum"]
    assert reasons == [ending.FINISHED, ending.TRANSFERRED]
    formats = load("import.schema.json")["items"]["properties"]["format"]["enum"]
    assert formats == list(typing.get_args(ExportFormat))
    exported = load("export-photos.schema.json")["$defs"]["exported"]["properties"]
    reasons = exported["left_out"]["items"]["properties"]["reason"]["enum"]
    assert reasons == list(typing.get_args(Reason))
    problems = exported["check"]["properties"]["problems"]["items"]["properties"]["problem"]
    assert problems["enum"] == list(typing.get_args(Problem))


# --- every command's output ------------------------------------------------------------------


def at(day: str, *args: str) -> None:
    done = run_in_process(*args, env={"RETENTION_NOW": day})
    assert done.exit_code == 0, done.stderr


@pytest.fixture
def year(tmp_path: Path) -> dict[str, Any]:
    """A Hjem til Os year through the CLI with three cases (one ended and deleted, one
    ended under a hold, one continued privately), keeping the --json output of every
    command on the way, so that the fields that can be null are seen null and set."""
    outputs: dict[str, Any] = {}
    assert run_in_process("init").exit_code == 0
    cases = {
        name: json_of("case new", "--child", f"Barn {name}", "--start", "2026-03-01")["id"]
        for name in ("ended", "held", "private")
    }
    outputs["case list"] = json_of("case list")
    added_on = "2026-03-02"
    outputs["contact add"] = json_of(
        "contact add", "--case", cases["ended"], "--name", "Far B", now=added_on
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    synthetic.photo_jpeg(inbox / "a.jpg", seed=1, taken=dt.datetime(2026, 3, 1, 15, 0))
    (inbox / "chat.txt").write_bytes(b"hej" * 100)
    photo = ["add", str(inbox / "a.jpg"), "--case", cases["ended"], "--kind", "photo"]
    chat = ["add", str(inbox / "chat.txt"), "--case", cases["ended"], "--kind", "message"]
    outputs["add"] = json_of(*photo, "--keep-original", now=added_on) + json_of(*chat, now=added_on)
    (inbox / "b.txt").write_bytes(b"hej" * 100)
    json_of("add", str(inbox / "b.txt"), "--case", cases["held"], "--kind", "message", now=added_on)
    outputs["list"] = json_of("list")
    whatsapp = exports.whatsapp_zip(
        tmp_path / "WhatsApp Chat.zip", "android", 20, exports.media(2, variant="android")
    )
    outputs["import"] = json_of("import", str(whatsapp), "--case", cases["private"], now=added_on)
    (inbox / "by-mistake.txt").write_bytes(b"not for this case")
    (mistake,) = json_of(
        "add", str(inbox / "by-mistake.txt"), "--case", cases["private"], "--kind", "message",
        now=added_on,
    )  # fmt: skip
    outputs["remove"] = json_of("remove", mistake["id"], "--yes", now=added_on)
    outputs["status active"] = json_of("status", now="2026-06-01")
    at("2026-06-01", "hold", "--case", cases["held"], "--until", "2026-12-01", "--reason", "r")
    at("2026-09-02", "case", "end", "--case", cases["ended"])
    at("2026-09-02", "case", "end", "--case", cases["held"])
    at("2026-09-02", "case", "continue", "--case", cases["private"])
    outputs["plan"] = json_of("plan", now="2026-09-02")
    outputs["apply dry"] = json_of("apply", "--dry-run", now="2026-09-02")
    outputs["apply"] = json_of("apply", now="2026-09-02")
    out = tmp_path / "for the family"
    out.mkdir()
    outputs["export photos"] = json_of(
        "export photos", "--case", cases["ended"], "--to", str(out), "--family-consent", "yes",
        now="2026-09-03",
    )  # fmt: skip
    outputs["export declined"] = json_of(
        "export photos", "--case", cases["held"], "--family-consent", "no", now="2026-09-03"
    )
    at("2026-09-03", "case", "export-done", "--case", cases["ended"])
    outputs["apply 2"] = json_of("apply", now="2026-09-03")
    at("2026-09-04", "checklist", "--case", cases["ended"], "--done", "email")
    outputs["checklist"] = json_of("checklist", "--case", cases["ended"], now="2026-09-04")
    outputs["status"] = json_of("status", now="2026-09-04")
    outputs["receipts"] = json_of("receipts")
    outputs["scan"] = json_of("scan", str(inbox), "--remove", now="2026-09-04")
    outputs["verify"] = json_of("verify")
    outputs["no contact person"] = json_of("contact-person show")
    set_person = ["contact-person", "set", "--name", "Kontakt K", "--phone", "+45 11 22 33 44"]
    assert run_in_process(*set_person).exit_code == 0
    outputs["contact person"] = json_of("contact-person show")
    at("2026-09-05", "release", "--case", cases["held"])  # a hold refuses finish
    outputs["finish"] = json_of("finish", "--yes", now="2026-09-05")
    outputs["cases"] = cases
    return outputs


def test_every_command_output_matches_its_schema(year: dict[str, Any]) -> None:
    """The schemas were checked in the fixture; here, that the output exercised them
    (lists not empty, the fields that may be null seen both ways), and that they would
    notice a change."""
    assert len(year["add"]) == 2
    assert {item["removal"] for item in year["add"]} == {"asked", "overwritten"}
    assert len(year["list"]) == 4
    (imported,) = year["import"]
    assert (imported["format"], imported["added"]) == ("whatsapp", {"message": 1, "photo": 2})
    assert imported["removals"]
    assert year["apply dry"]
    assert year["apply"]
    assert year["apply 2"]
    assert year["export photos"]["case"] == year["cases"]["ended"]
    assert year["export photos"]["check"]["ok"] is True
    assert year["export declined"] == {"case": year["cases"]["held"], "outcome": "declined"}
    by_id = {case["id"]: case for case in year["status"]["cases"]}
    ended, held, private = (by_id[year["cases"][name]] for name in ("ended", "held", "private"))
    assert ended["alias"] is None
    assert ended["checklist"]["email"] == "2026-09-04"
    assert ended["deleted_fingerprints"]["kept_until"] is not None
    assert (ended["decision"], ended["ended_on"], ended["export"]) == ("end", "2026-09-02", "done")
    assert held["holds"] == [{"placed_on": "2026-06-01", "until": "2026-12-01"}]
    assert any(d["held_until"] == "2026-12-01" for d in held["next"])
    assert (private["decision"], private["decided_on"]) == ("continue", "2026-09-02")
    assert private["checklist"] is None
    assert {r["type"] for r in year["receipts"]["receipts"]} == {"deletion", "checklist"}
    assert year["scan"]["tracked"] + year["scan"]["exact"], year["scan"]
    assert year["scan"]["removed"]
    assert year["verify"]["ok"] is True
    assert [r["type"] for r in year["remove"]] == ["deletion"]
    done = {p["place"]: p["done_on"] for p in year["checklist"]["places"]}
    assert done["email"] == "2026-09-04"
    assert year["no contact person"] is None
    assert year["contact person"] == {
        "name": "Kontakt K",
        "phone": "+45 11 22 33 44",
        "email": None,
    }
    assert year["finish"]["chain_intact"] is True
    assert len(year["finish"]["receipts"]) > len(year["receipts"]["receipts"])  # held items too
    assert year["verify"]["checked"]["receipts"] == len(year["receipts"]["receipts"])
    a_renamed_or_retyped_field_fails_and_a_new_one_passes(year)


def a_renamed_or_retyped_field_fails_and_a_new_one_passes(year: dict[str, Any]) -> None:
    status = year["status"]
    validator("status").validate(status)

    renamed = copy.deepcopy(status)
    renamed["cases"][0]["days_remaining"] = renamed["cases"][0].pop("days_left")
    retyped = copy.deepcopy(status)
    retyped["cases"][0]["days_left"] = str(retyped["cases"][0]["days_left"])
    redated = copy.deepcopy(status)
    redated["cases"][0]["start"] = "1 March 2026"
    dropped = copy.deepcopy(year["receipts"])
    del dropped["receipts"][0]["prev_hash"]
    for broken, command in [
        (renamed, "status"),
        (retyped, "status"),
        (redated, "status"),
        (dropped, "receipts"),
    ]:
        with pytest.raises(ValidationError):
            validator(command).validate(broken)

    grown = copy.deepcopy(status)
    grown["cases"][0]["a_field_from_a_later_version"] = {"any": ["thing"]}
    grown["a_top_level_field_too"] = 1
    validator("status").validate(grown)


def test_agent_status_before_and_while_it_runs(vault_home: Path) -> None:
    """Both shapes: never started, and running (its heartbeat written, its lock held,
    as the agent itself does)."""
    assert run_in_process("init").exit_code == 0
    never = json_of("agent status")
    assert (never["running"], never["ever_started"]) == (False, False)
    moment = dt.datetime(2026, 9, 2, 9, 0, tzinfo=dt.UTC)
    beat = heartbeat.Heartbeat(
        pid=os.getpid(),
        started=moment,
        last_action="checked",
        last_action_at=moment,
        last_check=moment,
        next_check=dt.date(2026, 9, 3),
        problems=("inbox-unreadable",),
        tray="running",
        waiting=("4f2a9b",),
    )
    heartbeat.write(vault_home, beat)
    lock = AgentLock(vault_home)
    lock.acquire()
    try:
        running = json_of("agent status")
    finally:
        lock.release()
    assert (running["running"], running["pid"], running["tray"]) == (True, os.getpid(), "running")
    assert running["waiting_for_confirmation"] == ["4f2a9b"]
    stopped = json_of("agent status")
    assert (stopped["running"], stopped["pid"], stopped["tray"]) == (False, None, "off")


def test_status_names_damaged_items(vault_home: Path, tmp_path: Path) -> None:
    """The problems list, with the codes the text output puts in words."""
    assert run_in_process("init").exit_code == 0
    case_id = json_of("case new", "--child", "Barn A", "--start", "2026-03-01")["id"]
    added = {}
    for name in ("gone.txt", "cut.txt", "fine.txt"):
        (tmp_path / name).write_bytes(name.encode() * 1000)
        (item,) = json_of("add", str(tmp_path / name), "--case", case_id, "--kind", "message")
        added[name] = item["id"]
    with closing(sqlite3.connect(f"file:{vault_home / 'index.db'}?mode=ro", uri=True)) as db:
        blob_of = dict(db.execute("SELECT id, blob FROM items").fetchall())
    (vault_home / "blobs" / blob_of[added["gone.txt"]]).unlink()
    cut = vault_home / "blobs" / blob_of[added["cut.txt"]]
    cut.write_bytes(cut.read_bytes()[:100])
    problems = json_of("status")["problems"]
    assert sorted((p["item"], p["problem"]) for p in problems) == sorted(
        [(added["gone.txt"], "blob_missing"), (added["cut.txt"], "blob_truncated")]
    )
