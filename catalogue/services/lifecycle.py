"""The lifecycle of a resource, as a table: action → {from status: to status}.

    draft → submitted → validated | rejected → published → withdrawn

* ``decide`` goes to ``validated`` on a "conforme" decision, ``rejected`` otherwise;
* editing a ``rejected`` resource puts it back to ``draft`` (to be corrected and
  submitted again); editing a ``draft`` keeps it a draft; editing a ``published``
  resource keeps it published (metadata corrections) and moves its OAI datestamp;
* ``submitted`` and ``validated`` resources cannot be edited: the commission
  decides on what it was shown, and what is published is what it validated;
* ``withdrawn`` is final: the row stays and becomes an OAI-PMH deleted record;
* ``retract`` withdraws a resource that was never published (the partner it was
  harvested from deleted it): it leaves the review queue and never reaches OAI-PMH.
"""

from __future__ import annotations

from core.messages import N_, Message

from ..errors import IllegalTransition

STATUSES = ("draft", "submitted", "validated", "rejected", "published", "withdrawn")

TRANSITIONS: dict[str, dict[str, str]] = {
    "submit": {"draft": "submitted"},
    "decide:conforme": {"submitted": "validated"},
    "decide:non_conforme": {"submitted": "rejected"},
    "publish": {"validated": "published"},
    "withdraw": {"published": "withdrawn"},
    "retract": dict.fromkeys(("draft", "submitted", "validated", "rejected"), "withdrawn"),
    "update": {"draft": "draft", "rejected": "draft", "published": "published"},
}

DECISIONS = ("conforme", "non_conforme")

#: The commission whose "conforme" lets a resource be published.
VALIDATION_COMMISSION = "validation"

#: How each status reads (English message ids, translated where shown).
STATUS_LABELS: dict[str, str] = {
    "draft": N_("draft"),
    "submitted": N_("submitted for validation"),
    "validated": N_("validated (conforme)"),
    "rejected": N_("rejected (non conforme)"),
    "published": N_("published"),
    "withdrawn": N_("withdrawn"),
}

#: How each action reads in a refusal ("cannot submit a resource that is …").
ACTION_VERBS: dict[str, str] = {
    "submit": N_("submit"),
    "decide": N_("decide on"),
    "publish": N_("publish"),
    "withdraw": N_("withdraw"),
    "retract": N_("withdraw"),
    "update": N_("edit"),
}


def next_status(action: str, status: str, *, resource_id: str) -> str:
    allowed = TRANSITIONS[action]
    try:
        return allowed[status]
    except KeyError:
        verb = action.split(":")[0]
        raise IllegalTransition(
            N_(
                "%(resource)s: cannot %(action)s a resource that is %(status)s; "
                "allowed from: %(allowed)s"
            ),
            resource=resource_id,
            action=Message(ACTION_VERBS.get(verb, verb)),
            status=Message(STATUS_LABELS.get(status, status)),
            allowed=", ".join(allowed),
        ) from None
