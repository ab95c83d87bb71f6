"""Staff accounts: argon2 hashes, roles, commissions, active flag."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from catalogue.errors import DuplicateIdentifier, InvalidInput, NotFound, UnknownEntity
from catalogue.services.accounts import AccountService
from catalogue.store.models import User

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def accounts(services, clock):
    return AccountService(
        services.db, vocabularies=services.accounts.vocabularies, hasher=FAST, clock=clock
    )


def test_create_and_authenticate(accounts, services):
    view = accounts.create_user(
        "Amina.Validatrice",
        "un mot de passe sûr",
        display_name="Amina",
        roles=["validator"],
        commissions=["Commission de validation"],
    )
    assert view.username == "amina.validatrice"
    assert view.commissions == frozenset({"validation"})
    actor = accounts.authenticate("AMINA.validatrice", "un mot de passe sûr")
    assert actor.username == "amina.validatrice" and actor.roles == frozenset({"validator"})
    assert actor.commissions == frozenset({"validation"})
    with services.db.session() as session:
        stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$") and "mot de passe" not in stored
    assert accounts.get("amina.validatrice").last_login_at is not None


def test_wrong_password_unknown_user_and_inactive(accounts):
    accounts.create_user("karim", "correct horse battery", roles=["indexer"])
    assert accounts.authenticate("karim", "wrong password!") is None
    assert accounts.authenticate("nobody", "correct horse battery") is None
    assert accounts.authenticate("", "") is None
    assert accounts.authenticate("karim", None) is None
    accounts.set_active("karim", False)
    assert accounts.authenticate("karim", "correct horse battery") is None
    with pytest.raises(NotFound, match="deactivated"):
        accounts.actor("karim")
    accounts.set_active("karim", True)
    assert accounts.authenticate("karim", "correct horse battery").username == "karim"


def test_bad_accounts_are_refused(accounts):
    accounts.create_user("karim", "correct horse battery", roles=["indexer"])
    with pytest.raises(DuplicateIdentifier):
        accounts.create_user("KARIM", "another good password", roles=["indexer"])
    with pytest.raises(InvalidInput, match="too short"):
        accounts.create_user("sara", "court", roles=["indexer"])
    with pytest.raises(UnknownEntity, match="role"):
        accounts.create_user("sara", "assez long mot de passe", roles=["superuser"])
    with pytest.raises(UnknownEntity, match="commission"):
        accounts.create_user(
            "sara", "assez long mot de passe", roles=["validator"], commissions=["jury"]
        )
    with pytest.raises(InvalidInput, match="username"):
        accounts.create_user("sara salah", "assez long mot de passe", roles=["indexer"])
    assert [u.username for u in accounts.list()] == ["karim"]


def test_roles_and_commissions_can_change(accounts):
    accounts.create_user("sara", "assez long mot de passe", roles=["indexer"])
    view = accounts.set_roles("sara", ["indexer", "validator"], commissions=["validation"])
    assert view.roles == {"indexer", "validator"} and view.commissions == {"validation"}
    actor = accounts.authenticate("sara", "assez long mot de passe")
    assert actor.can("decide") and actor.can("create") and not actor.can("withdraw")
    accounts.set_password("sara", "un autre mot de passe")
    assert accounts.authenticate("sara", "un autre mot de passe") is not None


def test_weak_hashes_are_upgraded_on_login(accounts, services):
    accounts.create_user("old", "ancien mot de passe", roles=["admin"])
    strong = AccountService(
        services.db,
        vocabularies=accounts.vocabularies,
        hasher=PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1),
    )
    assert strong.authenticate("old", "ancien mot de passe") is not None
    with services.db.session() as session:
        assert "t=2" in session.scalars(select(User.password_hash)).one()


@pytest.mark.parametrize(
    "password",
    ["password1234", "Azerty123456!", "motdepasse2024", "Bibliothèque2024", "aaaaaaaaaaaaaa"],
)
def test_known_passwords_are_refused(accounts, password):
    with pytest.raises(InvalidInput, match="known to attackers"):
        accounts.create_user("sara", password, roles=["indexer"])


def test_a_password_must_not_contain_the_name(accounts):
    with pytest.raises(InvalidInput, match="name"):
        accounts.create_user("karima", "karima du LNRN 2026", roles=["indexer"])
    with pytest.raises(InvalidInput, match="at least 12"):
        accounts.create_user("sara", "court et 11", roles=["indexer"])
    assert accounts.create_user("sara", "ifrane cedres neige 41", roles=["indexer"]).active


def test_the_shipped_filter_says_where_it_comes_from():
    from catalogue.services.passwords import is_known, known_passwords

    known = known_passwords()
    assert known.info["entries"] > 60_000 and known.info["error_rate"] == 1e-4
    assert any("zxcvbn" in source for source in known.info["sources"])
    assert is_known("qwerty123456") and not is_known("tq8#Lm2!vZr9Kd")


def test_failed_logins_lock_the_name_with_back_off(accounts, clock):
    from catalogue.errors import AccountLocked

    accounts.create_user("karim", "correct horse battery", roles=["indexer"])
    for _ in range(5):
        assert accounts.authenticate("karim", "wrong") is None
    with pytest.raises(AccountLocked) as caught:
        accounts.authenticate("karim", "correct horse battery")
    assert caught.value.message("en").endswith("try again in 1 minute.")
    clock.advance(60)
    assert accounts.authenticate("karim", "wrong") is None  # the 6th: two minutes now
    clock.advance(60)
    with pytest.raises(AccountLocked):
        accounts.authenticate("karim", "correct horse battery")
    clock.advance(60)
    assert accounts.authenticate("karim", "correct horse battery") is not None
    assert accounts.authenticate("karim", "wrong") is None  # counting again from zero
    assert accounts.authenticate("karim", "correct horse battery") is not None


def test_ending_sessions_moves_the_epoch(accounts):
    view = accounts.create_user("karim", "correct horse battery", roles=["indexer", "admin"])
    assert accounts.session_actor("karim", view.session_epoch) is not None
    accounts.end_sessions("karim")
    assert accounts.session_actor("karim", view.session_epoch) is None
    epoch = accounts.get("karim").session_epoch
    accounts.set_roles("karim", ["indexer", "admin", "validator"])  # a right given: kept
    assert accounts.session_actor("karim", epoch) is not None
    accounts.set_roles("karim", ["indexer"])  # a right taken away: ended
    assert accounts.session_actor("karim", epoch) is None
