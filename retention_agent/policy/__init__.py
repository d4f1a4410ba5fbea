"""Red Barnet's retention rules as data (``policies/hjem-til-os.toml``), their checking
loader, and the pure engine that turns a case's facts into a timeline of decisions.

Typical use::

    policy = load_policy_text(case.policy_text, f"case {case.id}")
    assessment = evaluate(case_facts, item_facts, policy, now.date())
    for decision in due_now(assessment, now.date()): ...

Modules: ``duration`` (ISO 8601 periods), ``model`` (the policy), ``locate`` and
``schema`` (checking a file), ``loader`` (reading one), ``errors``, ``facts`` (engine
input), ``assessment`` (engine output), ``engine``.
"""

from retention_agent.policy.assessment import (
    CaseAssessment,
    Decision,
    Phase,
    due_now,
    upcoming,
)
from retention_agent.policy.duration import Duration, InvalidDuration, parse_duration
from retention_agent.policy.engine import evaluate
from retention_agent.policy.errors import PolicyError
from retention_agent.policy.facts import CaseFacts, Hold, ItemFacts
from retention_agent.policy.loader import (
    default_policy,
    default_policy_text,
    load_policy_file,
    load_policy_text,
)
from retention_agent.policy.model import KINDS, Bilingual, Kind, Policy, Rule, Timing

__all__ = [
    "KINDS",
    "Bilingual",
    "CaseAssessment",
    "CaseFacts",
    "Decision",
    "Duration",
    "Hold",
    "InvalidDuration",
    "ItemFacts",
    "Kind",
    "Phase",
    "Policy",
    "PolicyError",
    "Rule",
    "Timing",
    "default_policy",
    "default_policy_text",
    "due_now",
    "evaluate",
    "load_policy_file",
    "load_policy_text",
    "parse_duration",
    "upcoming",
]
