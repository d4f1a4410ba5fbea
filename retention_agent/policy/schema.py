"""Check the structure of a parsed policy file and build the :class:`Policy` from it.

The file has three parts: ``[policy]`` (which policy and version), ``[timing]`` (every
period) and one ``[[rule]]`` per rule of the source. A rule's ``when`` decides which
other settings it may have. Problems raise a :class:`PolicyError` naming the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from retention_agent.policy import errors
from retention_agent.policy.duration import Duration, InvalidDuration, parse_duration
from retention_agent.policy.locate import find_line
from retention_agent.policy.model import (
    KINDS,
    RULE_IDS,
    WHENS,
    Bilingual,
    Kind,
    Policy,
    Rule,
    RuleId,
    Timing,
    When,
)

_TOP_KEYS = ("policy", "timing", "rule")
_POLICY_KEYS = ("id", "version", "label_da", "label_en", "source")
_TIMING_KEYS = (
    "year",
    "reminders_before_year_end",
    "decision_window",
    "overdue_reminder_interval",
    "photo_export_window",
    "max_hold",
)
# A zero year would end every case at its start; a zero interval would remind forever.
_NOT_ZERO = ("year", "overdue_reminder_interval")
_RULE_REQUIRED = ("id", "section", "summary_da", "summary_en", "when")
_RULE_OPTIONAL: dict[When, tuple[str, ...]] = {
    "year-end": ("quote", "deletes"),
    "continued": ("quote", "deletes"),
    "ended": ("quote", "deletes", "offers_to_family", "keeps_while_offered"),
    "ended-by-volunteers": ("quote",),
    "hold": ("quote",),
}
_RULE_KEYS = tuple(
    dict.fromkeys([*_RULE_REQUIRED, *(key for keys in _RULE_OPTIONAL.values() for key in keys)])
)
_OFFER_KEYS = ("offers_to_family", "keeps_while_offered")

_T = TypeVar("_T", bound=str)


def read_policy(data: Mapping[str, Any], text: str, source_name: str) -> Policy:
    """The policy in ``data`` (what tomllib made of ``text``); ``text`` is kept in the
    policy and used to find line numbers, ``source_name`` names it in errors."""
    return _Reader(text, source_name).policy(data)


@dataclass(frozen=True)
class _Block:
    """One part of the file: its table name (None: the top), which [[rule]] it is, and
    its values."""

    table: str | None
    index: int
    values: Mapping[str, Any]


class _Reader:
    def __init__(self, text: str, source_name: str) -> None:
        self.text = text
        self.source = source_name

    def policy(self, data: Mapping[str, Any]) -> Policy:
        top = _Block(None, 0, data)
        self.check_keys(top, _TOP_KEYS)
        head = self.table(top, "policy")
        self.check_keys(head, _POLICY_KEYS)
        timing = self.table(top, "timing")
        self.check_keys(timing, _TIMING_KEYS)
        rules = self.rules(top)
        return Policy(
            id=self.string(head, "id"),
            version=self.string(head, "version"),
            label=Bilingual(da=self.string(head, "label_da"), en=self.string(head, "label_en")),
            source=self.string(head, "source"),
            timing=Timing(
                year=self.duration(timing, "year"),
                reminders_before_year_end=self.durations(timing, "reminders_before_year_end"),
                decision_window=self.duration(timing, "decision_window"),
                overdue_reminder_interval=self.duration(timing, "overdue_reminder_interval"),
                photo_export_window=self.duration(timing, "photo_export_window"),
                max_hold=self.duration(timing, "max_hold"),
            ),
            rules=rules,
            text=self.text,
        )

    def rules(self, top: _Block) -> tuple[Rule, ...]:
        blocks = top.values["rule"]
        if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
            raise self.fail(errors.WrongType, top, "rule", expected=errors.EXPECT_RULES)
        first_lines: dict[str, int] = {}
        offering: tuple[str, int] | None = None
        rules = []
        for index, values in enumerate(blocks):
            block = _Block("rule", index, values)
            rule = self.rule(block)
            if rule.id in first_lines:
                raise self.fail(
                    errors.DuplicateRule, block, "id", rule=rule.id, first_line=first_lines[rule.id]
                )
            first_lines[rule.id] = self.line(block, "id")
            if rule.offers_to_family and offering is not None:
                raise self.fail(
                    errors.SecondOffer,
                    block,
                    "offers_to_family",
                    rule=offering[0],
                    first_line=offering[1],
                )
            if rule.offers_to_family:
                offering = (rule.id, self.line(block, "offers_to_family"))
            rules.append(rule)
        self.check_outcomes(rules)
        return tuple(rules)

    def rule(self, block: _Block) -> Rule:
        self.check_keys(block, _RULE_REQUIRED, _RULE_KEYS)
        rule_id: RuleId = self.choice(block, "id", RULE_IDS, errors.UnknownRule)
        when: When = self.choice(block, "when", WHENS, errors.UnknownValue)
        allowed = _RULE_REQUIRED + _RULE_OPTIONAL[when]
        for key in block.values:
            if key not in allowed:
                raise self.fail(errors.NotAllowedHere, block, key, when=when)
        present = [key for key in _OFFER_KEYS if key in block.values]
        if len(present) == 1:  # an offer needs both: what is offered, and what waits for it
            missing = next(key for key in _OFFER_KEYS if key not in present)
            raise self.fail(errors.MissingKey, block, None, key=self.name(block, missing))
        return Rule(
            id=rule_id,
            section=self.string(block, "section"),
            summary=Bilingual(
                da=self.string(block, "summary_da"), en=self.string(block, "summary_en")
            ),
            when=when,
            quote=self.string(block, "quote") if "quote" in block.values else "",
            deletes=self.kinds(block, "deletes"),
            offers_to_family=self.kinds(block, "offers_to_family"),
            keeps_while_offered=self.kinds(block, "keeps_while_offered"),
        )

    def check_outcomes(self, rules: list[Rule]) -> None:
        """The engine needs a year end to remind about, and an ended case must lose every
        kind of item, or a forgotten rule would keep a child's data forever."""
        if not any(rule.when == "year-end" for rule in rules):
            raise errors.NoYearEndRule(file=self.source)
        ending = [rule for rule in rules if rule.when in ("ended", "year-end")]
        deleted = {kind for rule in ending for kind in rule.deletes}
        kept = [kind for kind in KINDS if kind not in deleted]
        if kept:
            raise errors.EndKeepsKinds(file=self.source, kinds=", ".join(kept))

    # -- values ----------------------------------------------------------------------

    def check_keys(
        self, block: _Block, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> None:
        allowed = tuple(dict.fromkeys(required + optional))
        for key in block.values:
            if key not in allowed:
                raise self.fail(errors.UnknownKey, block, key, allowed=", ".join(allowed))
        for key in required:
            if key not in block.values:
                raise self.fail(errors.MissingKey, block, None, key=self.name(block, key))

    def table(self, top: _Block, key: str) -> _Block:
        values = top.values[key]
        if not isinstance(values, dict):
            raise self.fail(errors.WrongType, top, key, expected=errors.EXPECT_TABLE)
        return _Block(key, 0, values)

    def string(self, block: _Block, key: str) -> str:
        value = block.values[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(errors.WrongType, block, key, expected=errors.EXPECT_TEXT)
        return value

    def choice(
        self, block: _Block, key: str, options: tuple[_T, ...], error: type[errors.PolicyError]
    ) -> _T:
        value = self.string(block, key)
        chosen = next((option for option in options if option == value), None)
        if chosen is None:
            raise self.fail(error, block, key, value=value, allowed=", ".join(options))
        return chosen

    def strings(self, block: _Block, key: str) -> list[str]:
        value = block.values.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(errors.WrongType, block, key, expected=errors.EXPECT_LIST)
        return value

    def kinds(self, block: _Block, key: str) -> tuple[Kind, ...]:
        kinds: list[Kind] = []
        for value in self.strings(block, key):
            kind = next((kind for kind in KINDS if kind == value), None)
            if kind is None:
                raise self.fail(
                    errors.UnknownKind, block, key, value=value, allowed=", ".join(KINDS)
                )
            kinds.append(kind)
        return tuple(dict.fromkeys(kinds))

    def duration(self, block: _Block, key: str) -> Duration:
        return self.parse(block, key, block.values[key])

    def durations(self, block: _Block, key: str) -> tuple[Duration, ...]:
        return tuple(self.parse(block, key, value) for value in self.strings(block, key))

    def parse(self, block: _Block, key: str, value: object) -> Duration:
        duration = None
        if isinstance(value, str):
            with suppress(InvalidDuration):
                duration = parse_duration(value)
        if duration is None:
            raise self.fail(errors.BadDuration, block, key, value=str(value))
        if key in _NOT_ZERO and duration.is_zero:
            raise self.fail(errors.ZeroDuration, block, key)
        return duration

    # -- locating --------------------------------------------------------------------

    def name(self, block: _Block, key: str) -> str:
        return key if block.table is None else f"{block.table}.{key}"

    def line(self, block: _Block, key: str | None = None) -> int:
        return find_line(self.text, block.table, key, block.index)

    def fail(
        self, error: type[errors.PolicyError], block: _Block, at: str | None, **fields: Any
    ) -> errors.PolicyError:
        """``error`` for the line of key ``at`` in ``block`` (the block's header if None)."""
        if at is not None:
            fields.setdefault("key", self.name(block, at))
        return error(file=self.source, line=self.line(block, at), **fields)
