"""``catalogue.accounts.AccountService`` as named in docs/contracts.md (lives in services)."""

from .services.accounts import AccountService, UserView

__all__ = ["AccountService", "UserView"]
