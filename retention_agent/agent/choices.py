"""What the family chooses, in the tray's menu or on a notification's button, and what
the agent's helpers report back (the tray process, the photo-export wizard, the
lookout's sweeps). Every message arrives through ``Agent.deliver`` and is handled here,
on the agent's own thread.

Messages (all plain dicts; none carries a name or a path)::

    {"source": "tray", "type": "ready" | "unavailable" | "exited", ...}
    {"source": "tray" | "notification", "type": "action", "action": ACTION, ...}
    {"source": "wizard", "case": "4f2a9b", "code": 5}
    {"source": "lookout", "found": [Finding, ...], "complete": true}

ACTION is ``open_inbox``, ``delete_due``, ``quit``, ``export_photos`` (with ``case``),
``remove_copies``, ``remove_paper`` (with ``finding``, a token the lookout made up) or
``take_in`` (with ``finding`` and ``case``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from retention_agent.agent import lookout_texts, texts
from retention_agent.errors import RetentionError

if TYPE_CHECKING:
    from retention_agent.agent.runner import Agent

CASE_ID = re.compile(r"^[0-9a-f]{6}$")
TOKEN = re.compile(r"^[0-9a-f]{8}$")


def handle(agent: Agent, message: Mapping[str, Any]) -> None:
    source = message.get("source")
    if source == "watch":
        agent.look_at(message["path"])
    elif source == "downloads":
        agent.lookout.changed_in_downloads()
    elif source == "tray" and message.get("type") != "action":
        agent.tray_said(str(message.get("type")))
    elif source in ("tray", "notification") and message.get("type") == "action":
        choose(agent, message)
    elif source == "wizard" and CASE_ID.match(str(message["case"])):
        agent.log.info("the photo export ended with code %s", message["code"])
        agent.notify(*texts.wizard_failed_text(str(message["case"])))
    elif source == "lookout":
        agent.swept(message)


def choose(agent: Agent, message: Mapping[str, Any]) -> None:
    action = str(message.get("action"))
    case_id = str(message.get("case", ""))
    token = str(message.get("finding", ""))
    agent.log.info("%s: %s", message.get("source"), action)
    if action == "quit":
        agent.stop()
    elif action == "open_inbox":
        agent.open_inbox()
    elif action == "delete_due":
        agent.delete_due_now()
    elif action == "export_photos" and CASE_ID.match(case_id):
        agent.export_photos(case_id)
    elif action in ("remove_copies", "remove_paper", "take_in"):
        _leftover(agent, action, case_id, token)


def _leftover(agent: Agent, action: str, case_id: str, token: str) -> None:
    lookout = agent.lookout
    try:
        if action == "remove_copies":
            outcome = lookout.remove_copies()
        elif action == "remove_paper" and TOKEN.match(token):
            outcome = lookout.remove_paper(token)
        elif action == "take_in" and TOKEN.match(token) and CASE_ID.match(case_id):
            outcome = lookout.take_in(token, case_id, agent.timelines, agent.now())
            if outcome.taken_in:
                agent.acted("ingested")
                agent.changed()
        else:
            return
    except RetentionError as error:
        agent.problem_from(error)
        return
    text = lookout_texts.outcome_text(action, outcome)
    if text is not None:
        agent.notify(*text)
    agent.show_tray()
