"""The ground floor every package stands on: settings, messages, errors, clock.

``core`` imports nothing of Mawarid's; every other package may import it.

* :mod:`core.settings` — the one table of settings (``MAWARID_*``), read by everyone;
* :mod:`core.messages` — the gettext message model (French, Arabic, English);
* :mod:`core.errors` — :class:`~core.errors.MawaridError`, the base of every refusal;
* :mod:`core.clock` — injectable time.
"""
