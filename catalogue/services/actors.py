"""Who acts on the catalogue, and what each role may do.

Roles (kept in one table so the portal can show them and the tests can walk them):

* ``indexer`` — LNRN indexing staff: create and edit records, record acquisitions,
  attach documents, submit, and publish what the validation commission found
  conforme (publishing is indexing work once validation is done);
* ``validator`` — a member of a commission: records that commission's decisions
  (the commissions an actor sits on are listed on the actor);
* ``admin`` — everything an indexer does, plus withdrawing and accounts.
  An admin does *not* decide on conformity unless also a validator sitting on the
  commission: decisions belong to the commission, not to the administrators.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.messages import N_, Message

from ..errors import PermissionDenied

ROLES = ("indexer", "validator", "admin")

#: action → roles allowed. ``decide`` is further restricted to commission members.
PERMISSIONS: dict[str, frozenset[str]] = {
    "create": frozenset({"indexer", "admin"}),
    "update": frozenset({"indexer", "admin"}),
    "set_acquisition": frozenset({"indexer", "admin"}),
    "attach_document": frozenset({"indexer", "admin", "validator"}),
    "submit": frozenset({"indexer", "admin"}),
    "decide": frozenset({"validator"}),
    "publish": frozenset({"indexer", "admin"}),
    "withdraw": frozenset({"admin"}),
    "retract": frozenset({"admin"}),
    "accounts": frozenset({"admin"}),
    # Diffusion campaigns (diffusion.campaigns): indexing staff prepare them.
    "campaign": frozenset({"indexer", "admin"}),
}

#: Roles that describe resources (create, edit, submit, publish): the console's editors.
EDITORS: frozenset[str] = PERMISSIONS["update"]

#: How each action reads (English message ids, translated where shown).
ACTION_LABELS: dict[str, str] = {
    "create": N_("create a resource"),
    "update": N_("edit a resource"),
    "set_acquisition": N_("record the acquisition"),
    "attach_document": N_("attach a document"),
    "submit": N_("submit for validation"),
    "decide": N_("decide on conformity"),
    "publish": N_("publish"),
    "withdraw": N_("withdraw a resource"),
    "retract": N_("withdraw an unpublished resource"),
    "accounts": N_("manage accounts"),
    "campaign": N_("prepare a diffusion campaign"),
}


@dataclass(frozen=True)
class Actor:
    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    commissions: frozenset[str] = field(default_factory=frozenset)

    def can(self, action: str) -> bool:
        return bool(self.roles & PERMISSIONS[action])


#: The catalogue itself: migrations of already-validated catalogues and the demo.
SYSTEM = Actor("system", frozenset(ROLES), frozenset({"validation"}))


def require(actor: Actor, action: str) -> None:
    if not isinstance(actor, Actor):
        raise PermissionDenied(N_("no authenticated actor"))
    if not actor.can(action):
        raise PermissionDenied(
            N_("%(user)s may not %(action)s (needs the role %(roles)s)"),
            user=actor.username,
            action=Message(ACTION_LABELS[action]),
            roles=" | ".join(sorted(PERMISSIONS[action])),
        )
