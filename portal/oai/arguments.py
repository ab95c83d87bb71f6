"""The arguments of an OAI-PMH request, checked against the verb table (spec 3.1, 4).

``parse_request`` turns the raw multi-valued arguments of a GET or POST into an
:class:`OAIRequest`, or raises :class:`~oaipmh.errors.BadVerb` /
:class:`~oaipmh.errors.BadArgument` naming what was wrong. Every value that
may later be echoed as an attribute of ``<request>`` is checked here against the
syntax the OAI-PMH schema gives that attribute, so that an echo can never make
the response invalid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from core.messages import N_, plural_message
from oaipmh.dates import NOT_XML as _NOT_XML
from oaipmh.dates import date_range, parse_date
from oaipmh.dates import shown as _shown
from oaipmh.errors import BadArgument, BadVerb
from oaipmh.syntax import METADATA_PREFIX as _PREFIX
from oaipmh.syntax import SET_SPEC as _SET_SPEC
from oaipmh.syntax import URI as _URI


@dataclass(frozen=True)
class VerbArguments:
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    exclusive: str | None = None

    @property
    def allowed(self) -> frozenset[str]:
        extra = (self.exclusive,) if self.exclusive else ()
        return frozenset(self.required + self.optional + extra)


_LIST = VerbArguments(
    required=("metadataPrefix",), optional=("from", "until", "set"), exclusive="resumptionToken"
)

#: The six verbs and their arguments (spec section 4).
VERBS: dict[str, VerbArguments] = {
    "Identify": VerbArguments(),
    "ListMetadataFormats": VerbArguments(optional=("identifier",)),
    "ListSets": VerbArguments(exclusive="resumptionToken"),
    "GetRecord": VerbArguments(required=("identifier", "metadataPrefix")),
    "ListIdentifiers": _LIST,
    "ListRecords": _LIST,
}

#: Longest argument value accepted; far above any real identifier or token.
MAX_VALUE = 2048


@dataclass(frozen=True)
class OAIRequest:
    verb: str
    args: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.args.get(name)


def parse_request(items: Iterable[tuple[str, str]]) -> OAIRequest:
    """Check the (key, value) pairs of one request; raise BadVerb or BadArgument."""
    values: dict[str, list[str]] = {}
    for key, value in items:
        values.setdefault(key, []).append(value)

    verbs = values.pop("verb", [])
    if not verbs:
        raise BadVerb(N_("the verb argument is missing"))
    if len(verbs) > 1:
        raise BadVerb(N_("the verb argument is repeated"))
    verb = verbs[0]
    if verb not in VERBS:
        raise BadVerb(
            N_("%(value)s is not an OAI-PMH verb; the verbs are %(verbs)s"),
            value=_shown(verb),
            verbs=", ".join(VERBS),
        )
    spec = VERBS[verb]

    illegal = sorted(k for k in values if k not in spec.allowed)
    if illegal:
        names = ", ".join(_shown(k) for k in illegal)
        if spec.allowed:
            raise BadArgument(
                N_("%(names)s: not an argument of %(verb)s (its arguments: %(allowed)s)"),
                names=names,
                verb=verb,
                allowed=", ".join(sorted(spec.allowed)),
            )
        raise BadArgument(
            N_("%(names)s: not an argument of %(verb)s (it takes none)"), names=names, verb=verb
        )
    repeated = sorted(k for k, v in values.items() if len(v) > 1)
    if repeated:
        raise BadArgument(N_("repeated argument: %(names)s"), names=", ".join(repeated))
    args = {k: v[0] for k, v in values.items()}
    for key, value in args.items():
        _check_value(key, value)

    if spec.exclusive and spec.exclusive in args:
        others = sorted(k for k in args if k != spec.exclusive)
        if others:
            raise BadArgument(
                N_("%(name)s is an exclusive argument: it cannot come with %(others)s"),
                name=spec.exclusive,
                others=", ".join(others),
            )
        return OAIRequest(verb, args)
    missing = [k for k in spec.required if k not in args]
    if missing:
        raise BadArgument(
            plural_message(
                "%(verb)s needs the argument %(names)s",
                "%(verb)s needs the arguments %(names)s",
                len(missing),
                verb=verb,
                names=", ".join(missing),
            )
        )
    if "from" in args or "until" in args:
        date_range(args.get("from"), args.get("until"))
    return OAIRequest(verb, args)


def _check_value(key: str, value: str) -> None:
    if not value:
        raise BadArgument(N_("the argument %(name)s is empty"), name=key)
    if len(value) > MAX_VALUE:
        raise BadArgument(
            N_("the argument %(name)s is too long (%(length)d characters, at most %(max)d)"),
            name=key,
            length=len(value),
            max=MAX_VALUE,
        )
    if _NOT_XML.search(value):
        raise BadArgument(N_("the argument %(name)s holds a control character"), name=key)
    if key == "metadataPrefix" and not _PREFIX.fullmatch(value):
        raise BadArgument(N_("metadataPrefix %(value)s has an illegal syntax"), value=_shown(value))
    if key == "set" and not _SET_SPEC.fullmatch(value):
        raise BadArgument(
            N_("set %(value)s has an illegal syntax (a setSpec such as level:primaire:1ap)"),
            value=_shown(value),
        )
    if key == "identifier" and not _URI.fullmatch(value):
        raise BadArgument(
            N_(
                "identifier %(value)s is not a URI "
                "(identifiers look like oai:<repository>:<resource id>)"
            ),
            value=_shown(value),
        )
    if key in ("from", "until"):
        parse_date(key, value)


def request_attributes(request: OAIRequest | None) -> Mapping[str, str]:
    """The attributes echoed on ``<request>``: the verb and its arguments, or nothing."""
    if request is None:
        return {}
    return {"verb": request.verb, **request.args}
