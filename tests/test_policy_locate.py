"""Finding the line of a table, a key or a TOML syntax error."""

from __future__ import annotations

import tomllib

import pytest

from retention_agent.policy.loader import default_policy_text
from retention_agent.policy.locate import find_line, syntax_position

TEXT = """\
top = 1
[policy]  # the header may carry a comment
id = "x"
"quoted" = 2

[[rule]]
id = "R1"
deletes = [
  "photo",
]

[[rule]]
when = "ended"
[ timing ]
year = "P1Y"
"""


@pytest.mark.parametrize(
    ("table", "key", "index", "line"),
    [
        (None, "top", 0, 1),
        ("policy", None, 0, 2),
        ("policy", "id", 0, 3),
        ("policy", "quoted", 0, 4),
        ("rule", None, 0, 6),
        ("rule", "id", 0, 7),
        ("rule", "deletes", 0, 8),
        ("rule", None, 1, 12),
        ("rule", "when", 1, 13),
        ("rule", "id", 1, 12),  # not written in that block: its header
        ("timing", "year", 0, 15),
        ("rule", None, 2, 1),  # no third block
        ("missing", "year", 0, 1),
        (None, "timing", 0, 14),  # a top-level key written as a table
        (None, "absent", 0, 1),
        (None, None, 0, 1),
        (None, "id", 0, 1),  # only set inside [policy], not at the top
        (None, "year", 0, 1),  # only set in the last block
        ("policy", "deletes", 0, 2),  # set in the next block, not in this one
        ("rule", "year", 1, 12),  # set in the block after the last rule
    ],
)
def test_find_line(table: str | None, key: str | None, index: int, line: int) -> None:
    assert find_line(TEXT, table, key, index) == line


def test_every_setting_of_the_shipped_policy_is_found_on_its_own_line() -> None:
    text = default_policy_text()
    lines = text.splitlines()
    data = tomllib.loads(text)
    blocks = [("policy", 0, data["policy"]), ("timing", 0, data["timing"])]
    blocks += [("rule", index, rule) for index, rule in enumerate(data["rule"])]
    for table, index, values in blocks:
        for key in values:
            assert lines[find_line(text, table, key, index) - 1].startswith(f"{key} = ")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a = 1\nb = \n", (2, 5, "Invalid value")),
        ("a = 1\na = 2\n", (2, 6, "Cannot overwrite a value")),
        ('a = "open', (1, 10, "Unterminated string")),
        ("a = 1\nb = [", (2, 6, "Invalid value")),  # "at end of document"
        ("a = 100\nbb = [", (2, 7, "Invalid value")),  # the column of the last line
    ],
)
def test_syntax_position_reads_tomllib_messages(
    source: str, expected: tuple[int, int, str]
) -> None:
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(source)
    assert syntax_position(str(caught.value), source) == expected


def test_syntax_position_keeps_a_message_without_a_position() -> None:
    assert syntax_position("something odd", "a = 1") == (1, 1, "something odd")
