"""OAI-PMH 2.0 data provider at ``/oai`` (GET and POST), for partner platforms.

Modules, one job each:

* :mod:`.views` — the Flask blueprint: gathers the arguments, streams the reply;
* :mod:`.provider` — the six verbs (no Flask);
* :mod:`.arguments` — the verb → arguments table, syntax of every value, ``from``/``until``;
* :mod:`.errors` — one exception per OAI-PMH error code, under :class:`~.errors.OAIError`;
* :mod:`.tokens` — stateless signed resumption tokens (keyset position, cursor, expiry);
* :mod:`.repository` — keyset reads over the catalogue's ``oai_item`` tables;
* :mod:`.render` — the response as streamed text; :mod:`.formats`, :mod:`.sets` (+ ``sets.json``).

Settings (``app.config``): ``MAWARID_BASE_URL`` (+ ``/oai`` = baseURL),
``MAWARID_OAI_REPOSITORY_ID``, ``MAWARID_ADMIN_EMAIL``, ``MAWARID_OAI_PAGE_SIZE``
(ListRecords, default 100), ``MAWARID_OAI_IDENTIFIERS_PAGE_SIZE`` (default 500),
``MAWARID_OAI_TOKEN_TTL`` (seconds a resumption token stays valid, default 86400);
tokens are signed with ``SECRET_KEY``.
"""
