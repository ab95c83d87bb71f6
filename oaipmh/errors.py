"""OAI-PMH 2.0 error conditions, one class per error code (spec section 3.6).

Each class is named after its code and carries the specification's definition as
docstring, as Sickle's ``oaiexceptions`` do, but they all share the base
:class:`OAIError` so that the endpoint (and the harvester) can catch them all at
once. The message is what the repository says to the harvester in the
``<error>`` element; it names the argument that was wrong.
"""

from __future__ import annotations

from typing import Any

from core.errors import MawaridError
from core.messages import SOURCE_LANGUAGE, Message


class OAIError(MawaridError):
    """Base of every OAI-PMH error condition.

    The message is a :mod:`core.messages` message id: a repository answers harvesters
    in English (:attr:`text`), the harvester shows a partner's error to staff in
    their language.
    """

    #: The value of the ``code`` attribute of ``<error>``.
    code = "badArgument"

    def __init__(self, msgid: str | Message = "", /, **params: Any) -> None:
        # Without a message, the first line of the class docstring: the spec's definition.
        super().__init__(msgid or (self.__doc__ or self.code).strip().splitlines()[0], **params)

    @property
    def text(self) -> str:
        """The message as a repository sends it in ``<error>`` (English)."""
        return self.message(SOURCE_LANGUAGE)


class BadArgument(OAIError):
    """The request includes illegal arguments, is missing required arguments,
    includes a repeated argument, or values for arguments have an illegal syntax."""

    code = "badArgument"


class BadResumptionToken(OAIError):
    """The value of the resumptionToken argument is invalid or expired."""

    code = "badResumptionToken"


class BadVerb(OAIError):
    """Value of the verb argument is not a legal OAI-PMH verb, the verb argument is
    missing, or the verb argument is repeated."""

    code = "badVerb"


class CannotDisseminateFormat(OAIError):
    """The metadata format identified by the value given for the metadataPrefix
    argument is not supported by the item or by the repository."""

    code = "cannotDisseminateFormat"


class IdDoesNotExist(OAIError):
    """The value of the identifier argument is unknown or illegal in this repository."""

    code = "idDoesNotExist"


class NoRecordsMatch(OAIError):
    """The combination of the values of the from, until, set and metadataPrefix
    arguments results in an empty list."""

    code = "noRecordsMatch"


class NoMetadataFormats(OAIError):
    """There are no metadata formats available for the specified item."""

    code = "noMetadataFormats"


class NoSetHierarchy(OAIError):
    """The repository does not support sets."""

    code = "noSetHierarchy"


#: code → class, for the harvester resolving an ``<error code>`` it received.
BY_CODE: dict[str, type[OAIError]] = {
    cls.code: cls
    for cls in (
        BadArgument,
        BadResumptionToken,
        BadVerb,
        CannotDisseminateFormat,
        IdDoesNotExist,
        NoRecordsMatch,
        NoMetadataFormats,
        NoSetHierarchy,
    )
}

#: Errors after which ``<request>`` echoes the base URL only, without attributes (spec 3.2).
NO_ECHO = frozenset({"badVerb", "badArgument"})
