"""OAI-PMH harvesting of partner catalogues into Mawarid."""
