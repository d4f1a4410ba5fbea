"""Errors in a policy file. Each names the file, the line and what was expected, in the
reader's language; all exit with ``ExitCode.POLICY``. A policy file holds no private
data, so quoting its values is safe."""

from __future__ import annotations

from typing import ClassVar

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_, _

# What a setting should have been, for WrongType (translated when shown).
EXPECT_TEXT = N_("a text in quotes, not empty")
EXPECT_LIST = N_('a list of texts in square brackets, e.g. ["photo"]')
EXPECT_TABLE = N_("a section, e.g. [timing]")
EXPECT_RULES = N_("one or more [[rule]] sections")


class PolicyError(RetentionError):
    message: ClassVar[str] = N_("The policy file {file} is not valid.")
    exit_code = ExitCode.POLICY


class PolicyFileMissing(PolicyError):
    message = N_("The policy file {file} does not exist.")


class PolicyFileUnreadable(PolicyError):
    message = N_("The policy file {file} cannot be read: permission denied, or it is not a file.")


class PolicyNotText(PolicyError):
    message = N_("The policy file {file} is not plain UTF-8 text (line {line}).")


class PolicySyntaxError(PolicyError):
    message = N_(
        "Policy file {file}, line {line}, column {column}: this is not valid TOML ({detail})."
    )


class UnknownKey(PolicyError):
    message = N_(
        "Policy file {file}, line {line}: '{key}' is not a known setting here. "
        "Expected one of: {allowed}."
    )


class MissingKey(PolicyError):
    message = N_(
        "Policy file {file}, line {line}: the setting '{key}' is missing from the part "
        "that starts here."
    )


class WrongType(PolicyError):
    message = N_("Policy file {file}, line {line}: '{key}' must be {expected}.")

    def user_text(self) -> str:
        return _(self.message).format(**{**self.fields, "expected": _(self.fields["expected"])})


class BadDuration(PolicyError):
    message = N_(
        "Policy file {file}, line {line}: '{value}' in '{key}' is not a period of time. "
        "Write e.g. P1Y (1 year), P6M (6 months), P2W (2 weeks) or P30D (30 days): "
        "whole numbers, no hours or minutes, at most 100 years."
    )


class ZeroDuration(PolicyError):
    message = N_("Policy file {file}, line {line}: '{key}' must be longer than zero days.")


class UnknownKind(PolicyError):
    message = N_(
        "Policy file {file}, line {line}: '{value}' in '{key}' is not a kind of item "
        "the program knows. Expected one of: {allowed}."
    )


class UnknownRule(PolicyError):
    message = N_(
        "Policy file {file}, line {line}: '{value}' is not a rule the program knows. "
        "Expected one of: {allowed}."
    )


class DuplicateRule(PolicyError):
    message = N_(
        "Policy file {file}, line {line}: rule {rule} is already described on line {first_line}."
    )


class UnknownValue(PolicyError):
    message = N_(
        "Policy file {file}, line {line}: '{value}' is not a valid value for '{key}'. "
        "Expected one of: {allowed}."
    )


class NotAllowedHere(PolicyError):
    message = N_(
        "Policy file {file}, line {line}: '{key}' cannot be used in a rule with when = \"{when}\"."
    )


class SecondOffer(PolicyError):
    message = N_(
        "Policy file {file}, line {line}: only one rule may offer items to the family, "
        "and rule {rule} on line {first_line} already does."
    )


class NoYearEndRule(PolicyError):
    message = N_(
        "Policy file {file}: no rule says what happens when the Hjem til Os year ends "
        '(a [[rule]] with when = "year-end").'
    )


class EndKeepsKinds(PolicyError):
    message = N_(
        "Policy file {file}: when a relationship ends, no rule deletes {kinds}. Every kind "
        'of item must be deleted by a rule with when = "ended" or "year-end".'
    )
