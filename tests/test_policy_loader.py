"""The shipped policy file, and how the loader reports every kind of mistake in one."""

from __future__ import annotations

from pathlib import Path

import pytest

from retention_agent.errors import ExitCode
from retention_agent.policy import errors
from retention_agent.policy.duration import Duration
from retention_agent.policy.loader import (
    default_policy,
    default_policy_text,
    load_policy_file,
    load_policy_text,
)
from retention_agent.policy.model import KINDS, RULE_IDS

SHIPPED = Path(__file__).parent.parent / "policies" / "hjem-til-os.toml"
TEXT = default_policy_text()


def changed(old: str, new: str) -> str:
    """The shipped text with one unique piece replaced."""
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


def line_of(text: str, fragment: str) -> int:
    """1-based line of the only line holding ``fragment``."""
    matches = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(matches) == 1, (fragment, matches)
    return matches[0]


def load_error(text: str) -> errors.PolicyError:
    with pytest.raises(errors.PolicyError) as caught:
        load_policy_text(text, "test.toml")
    error = caught.value
    assert error.exit_code == ExitCode.POLICY
    assert "test.toml" in error.user_text()
    return error


# -- the shipped policy -----------------------------------------------------------------


def test_the_shipped_policy_encodes_the_programme_rules() -> None:
    policy = default_policy()
    assert (policy.id, policy.version) == ("hjem-til-os", "2024-05")
    assert policy.label.text("da") == "1. version, maj 2024"
    assert policy.label.text("en") == "1st version, May 2024"
    assert policy.source == "samvaerspolitik-hjem-til-os-v1-2024-05.txt"
    timing = policy.timing
    assert timing.year == Duration(years=1)
    assert timing.reminders_before_year_end == (Duration(days=30), Duration(days=7), Duration())
    assert timing.decision_window == Duration(days=30)
    assert timing.overdue_reminder_interval == Duration(days=7)
    assert timing.photo_export_window == Duration(days=30)
    assert timing.max_hold == Duration(years=1)
    assert set(policy.rule_ids) == set(RULE_IDS)
    assert policy.rule("R3").deletes == ("match_paper",)
    assert policy.rule("R1").deletes == ("match_paper",)
    assert policy.rule("R2").deletes == ("contact",)
    assert set(policy.rule("R2a").deletes) == {"message", "photo", "match_paper"}
    assert policy.offer_rule == policy.rule("R2b")
    assert policy.rule("R2b").keeps_while_offered == ("photo", "contact")
    assert policy.rule("R2c").when == "ended-by-volunteers"
    assert policy.rule("C2").section == "Underretningspligt"
    assert {rule.section for rule in policy.rules} == {"Personoplysninger", "Underretningspligt"}
    assert all(rule.summary.da and rule.summary.en for rule in policy.rules)


def test_the_package_reads_the_shipped_file_through_the_symlink() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == TEXT
    assert load_policy_file(SHIPPED) == default_policy()


def test_a_policy_loads_again_from_its_own_stored_text() -> None:
    policy = default_policy()
    assert policy.text == TEXT
    assert load_policy_text(policy.text, "case 1") == policy


def test_unknown_rule_id_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        default_policy().rule("R9")


# -- reading files ----------------------------------------------------------------------


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(errors.PolicyFileMissing) as caught:
        load_policy_file(tmp_path / "nope.toml")
    assert "nope.toml" in caught.value.user_text()
    assert caught.value.exit_code == ExitCode.POLICY


def test_a_folder_is_not_a_policy_file(tmp_path: Path) -> None:
    with pytest.raises(errors.PolicyFileUnreadable) as caught:
        load_policy_file(tmp_path)
    assert caught.value.fields == {"file": str(tmp_path)}


def test_bytes_that_are_not_utf8_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    # A blank first line too: lines are counted from the file's very first byte.
    path.write_bytes(b"\n" + TEXT.encode("utf-8").replace(b"label_da", b"label_d\xe6"))
    with pytest.raises(errors.PolicyNotText) as caught:
        load_policy_file(path)
    assert caught.value.fields == {"file": str(path), "line": line_of(TEXT, "label_da") + 1}


def test_a_mistake_in_a_policy_file_names_that_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(changed('year = "P1Y"', 'year = "one year"'), encoding="utf-8")
    with pytest.raises(errors.BadDuration) as caught:
        load_policy_file(path)
    assert caught.value.fields["file"] == str(path)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    assert load_policy_file(path).rules == default_policy().rules


# -- TOML syntax ------------------------------------------------------------------------


def test_a_syntax_error_names_line_and_column() -> None:
    text = changed('decision_window = "P30D"', 'decision_window "P30D"')
    error = load_error(text)
    assert isinstance(error, errors.PolicySyntaxError)
    assert error.fields["line"] == line_of(text, 'decision_window "P30D"')
    assert error.fields["column"] == 17
    assert "(at line" not in error.user_text()
    assert error.fields["detail"] == "Expected '=' after a key in a key/value pair"


def test_a_syntax_error_at_the_end_points_at_the_last_line() -> None:
    error = load_error(TEXT + 'extra = "unterminated\n')
    assert isinstance(error, errors.PolicySyntaxError)
    assert error.fields["line"] == len((TEXT + "extra").splitlines())


def test_a_rule_table_written_twice_in_toml_is_a_syntax_error() -> None:
    error = load_error(TEXT + "\n[policy]\n")
    assert isinstance(error, errors.PolicySyntaxError)


# -- structure and values -----------------------------------------------------------------


def test_unknown_key_names_its_line_and_the_allowed_keys() -> None:
    text = changed('year = "P1Y"', 'year = "P1Y"\nyaer = "P1Y"')
    error = load_error(text)
    assert isinstance(error, errors.UnknownKey)
    assert error.fields["line"] == line_of(text, "yaer")
    assert error.fields["key"] == "timing.yaer"
    assert "decision_window" in error.user_text()


def test_unknown_table_names_its_header_line() -> None:
    text = TEXT + "\n[extra]\nx = 1\n"
    error = load_error(text)
    assert isinstance(error, errors.UnknownKey)
    assert error.fields["line"] == line_of(text, "[extra]")


def test_unknown_key_in_a_rule() -> None:
    text = changed('id = "R2c"', 'id = "R2c"\ndelets = ["photo"]')
    error = load_error(text)
    assert isinstance(error, errors.UnknownKey)
    assert error.fields["line"] == line_of(text, "delets")


def test_missing_key_points_at_the_start_of_its_part() -> None:
    text = changed('decision_window = "P30D"\n', "")
    error = load_error(text)
    assert isinstance(error, errors.MissingKey)
    assert error.fields["key"] == "timing.decision_window"
    assert error.fields["line"] == line_of(text, "[timing]")


def test_missing_table() -> None:
    start = TEXT.index("[timing]")
    error = load_error(TEXT[:start] + TEXT[TEXT.index("# Reglerne") :])
    assert isinstance(error, errors.MissingKey)
    assert error.fields["key"] == "timing"


def test_missing_rule_setting_points_at_that_rule() -> None:
    text = changed('section = "Underretningspligt"\n', "")
    error = load_error(text)
    assert isinstance(error, errors.MissingKey)
    assert error.fields["key"] == "rule.section"
    assert error.fields["line"] == len(text.split('id = "C2"')[0].splitlines())


@pytest.mark.parametrize(
    ("old", "new", "fragment", "expected"),
    [
        ('version = "2024-05"', "version = 1", "version = 1", errors.EXPECT_TEXT),
        ('label_en = "1st version, May 2024"', 'label_en = " "', "label_en", errors.EXPECT_TEXT),
        ('deletes = ["contact"]', 'deletes = "contact"', 'deletes = "contact"', errors.EXPECT_LIST),
        ('deletes = ["contact"]', "deletes = [1]", "deletes = [1]", errors.EXPECT_LIST),
    ],
)
def test_wrong_types_say_what_was_expected(
    old: str, new: str, fragment: str, expected: str
) -> None:
    text = changed(old, new)
    error = load_error(text)
    assert isinstance(error, errors.WrongType)
    assert error.fields["line"] == line_of(text, fragment)
    assert expected in error.user_text()


@pytest.mark.parametrize("rules", ['rule = ["R1"]', "rule = [1, 2]", 'rule = "R1"'])
def test_rules_written_as_values(rules: str) -> None:
    error = load_error(rules + "\n" + TEXT[: TEXT.index("[[rule]]")])
    assert isinstance(error, errors.WrongType)
    assert error.fields["line"] == 1
    assert errors.EXPECT_RULES in error.user_text()


def test_timing_written_as_a_value() -> None:
    start, end = TEXT.index("[timing]"), TEXT.index("# Reglerne")
    error = load_error("timing = 3\n" + TEXT[:start] + TEXT[end:])
    assert isinstance(error, errors.WrongType)
    assert error.fields["line"] == 1
    assert errors.EXPECT_TABLE in error.user_text()


def test_rules_written_as_a_single_table() -> None:
    text = 'rule = "R1"\n' + TEXT[: TEXT.index("# Reglerne")]
    error = load_error(text)
    assert isinstance(error, errors.WrongType)
    assert error.fields["line"] == 1
    assert errors.EXPECT_RULES in error.user_text()


def test_the_expected_part_is_translated_too(monkeypatch: pytest.MonkeyPatch) -> None:
    translated = {errors.EXPECT_TEXT: "en tekst"}
    monkeypatch.setattr(errors, "_", lambda message: translated.get(message, message))
    error = load_error(changed('version = "2024-05"', "version = 1"))
    assert error.user_text().endswith("'policy.version' must be en tekst.")


@pytest.mark.parametrize(
    "value",
    ['"P30"', '"-P30D"', '"PT1H"', '"30 dage"', '""', "30", '"P200Y"', '"P1.5M"'],
)
def test_bad_durations(value: str) -> None:
    text = changed('photo_export_window = "P30D"', f"photo_export_window = {value}")
    error = load_error(text)
    assert isinstance(error, errors.BadDuration)
    assert error.fields["line"] == line_of(text, "photo_export_window =")
    assert "P30D (30 days)" in error.user_text()


def test_bad_duration_inside_a_list() -> None:
    text = changed('["P30D", "P7D", "P0D"]', '["P30D", "7 dage"]')
    error = load_error(text)
    assert isinstance(error, errors.BadDuration)
    assert error.fields["value"] == "7 dage"
    assert error.fields["line"] == line_of(text, "reminders_before_year_end =")


@pytest.mark.parametrize(
    ("old", "new"),
    [('year = "P1Y"', 'year = "P0D"'), ('interval = "P7D"', 'interval = "P0W"')],
)
def test_periods_that_must_not_be_zero(old: str, new: str) -> None:
    error = load_error(changed(old, new))
    assert isinstance(error, errors.ZeroDuration)


def test_a_zero_decision_window_is_allowed() -> None:
    policy = load_policy_text(changed('decision_window = "P30D"', 'decision_window = "P0D"'), "x")
    assert policy.timing.decision_window.is_zero


def test_unknown_kind() -> None:
    text = changed('deletes = ["contact"]', 'deletes = ["contacts"]')
    error = load_error(text)
    assert isinstance(error, errors.UnknownKind)
    assert error.fields["line"] == line_of(text, '"contacts"')
    assert error.fields["allowed"] == ", ".join(KINDS)
    assert error.fields["value"] == "contacts"


def test_unknown_rule_id() -> None:
    text = changed('id = "R2c"', 'id = "R4"')
    error = load_error(text)
    assert isinstance(error, errors.UnknownRule)
    assert error.fields["line"] == line_of(text, '"R4"')
    assert "R2c" in error.user_text()


def test_duplicate_rule_id_names_both_lines() -> None:
    text = changed('id = "R2a"', 'id = "R2"')
    error = load_error(text)
    assert isinstance(error, errors.DuplicateRule)
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line == 'id = "R2"']
    assert (error.fields["first_line"], error.fields["line"]) == tuple(lines)
    assert error.fields["rule"] == "R2"


def test_unknown_when() -> None:
    text = changed('when = "hold"', 'when = "held"')
    error = load_error(text)
    assert isinstance(error, errors.UnknownValue)
    assert error.fields["value"] == "held"
    assert error.fields["line"] == line_of(text, '"held"')


def test_a_setting_that_does_not_fit_the_when() -> None:
    text = changed('when = "hold"', 'when = "hold"\ndeletes = ["photo"]')
    error = load_error(text)
    assert isinstance(error, errors.NotAllowedHere)
    assert error.fields["line"] == len(text.rstrip("\n").splitlines())
    assert 'when = "hold"' in error.user_text()


def test_an_offer_needs_what_waits_for_it() -> None:
    text = changed('keeps_while_offered = ["photo", "contact"]\n', "")
    error = load_error(text)
    assert isinstance(error, errors.MissingKey)
    assert error.fields["key"] == "rule.keeps_while_offered"


def test_only_one_rule_may_offer() -> None:
    offer = 'offers_to_family = ["photo"]\nkeeps_while_offered = ["photo"]'
    text = changed('deletes = ["contact"]', f'deletes = ["contact"]\n{offer}')
    error = load_error(text)
    assert isinstance(error, errors.SecondOffer)
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("offers_to")]
    assert error.fields["rule"] == "R2"
    assert (error.fields["first_line"], error.fields["line"]) == tuple(lines)


def test_a_policy_needs_a_year_end_rule() -> None:
    error = load_error(changed('when = "year-end"', 'when = "continued"'))
    assert isinstance(error, errors.NoYearEndRule)


def test_an_ended_relationship_must_lose_every_kind() -> None:
    error = load_error(changed('["message", "photo", "match_paper"]', '["message"]'))
    assert isinstance(error, errors.EndKeepsKinds)
    assert error.fields["kinds"] == "photo"
