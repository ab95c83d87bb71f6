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

#: How the actions read in French / Arabic, for error messages.
ACTION_LABELS = {
    "create": ("créer une ressource", "إنشاء مورد"),
    "update": ("modifier une ressource", "تعديل مورد"),
    "set_acquisition": ("enregistrer l'acquisition", "تسجيل الاقتناء"),
    "attach_document": ("joindre un document", "إرفاق وثيقة"),
    "submit": ("soumettre à validation", "الإحالة على المصادقة"),
    "decide": ("statuer sur la conformité", "البت في المطابقة"),
    "publish": ("publier", "النشر"),
    "withdraw": ("retirer une ressource", "سحب مورد"),
    "retract": ("retirer une ressource non publiée", "سحب مورد غير منشور"),
    "accounts": ("gérer les comptes", "تدبير الحسابات"),
    "campaign": ("préparer une campagne de diffusion", "إعداد حملة نشر"),
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
        raise PermissionDenied("no authenticated actor")
    if not actor.can(action):
        fr, ar = ACTION_LABELS[action]
        allowed = " or ".join(sorted(PERMISSIONS[action]))
        raise PermissionDenied(
            f"{actor.username} may not {action.replace('_', ' ')} "
            f"(needs role {allowed}) — {fr} / {ar}"
        )
