"""OAI-PMH harvesting of partner catalogues into Mawarid.

:mod:`harvesters.oai` — :class:`~harvesters.oai.OAIHarvester` imports a partner's
``oai_lom`` records as drafts through the catalogue services (Sickle for the
protocol, the project's safe XML parser for every response);
:mod:`harvesters.commands` — the ``mawarid harvest-oai URL`` command.
"""
