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

STATUS_LABELS = {
    "draft": ("brouillon", "مسودة"),
    "submitted": ("soumise à validation", "محالة على المصادقة"),
    "validated": ("validée (conforme)", "مصادق عليها (مطابقة)"),
    "rejected": ("rejetée (non conforme)", "مرفوضة (غير مطابقة)"),
    "published": ("publiée", "منشورة"),
    "withdrawn": ("retirée", "مسحوبة"),
}


def next_status(action: str, status: str, *, resource_id: str) -> str:
    allowed = TRANSITIONS[action]
    try:
        return allowed[status]
    except KeyError:
        fr, ar = STATUS_LABELS.get(status, (status, status))
        verb = action.split(":")[0]
        raise IllegalTransition(
            f"{resource_id}: cannot {verb} a resource that is {status} ({fr} / {ar}); "
            f"allowed from: {', '.join(allowed)}"
        ) from None
