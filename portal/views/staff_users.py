"""Staff accounts in the console (``/staff/users``, administrators): create, roles,
activation, and where each account's e-mail notifications go, in which language.

Routes of the ``staff`` blueprint (registered by :func:`register` from
:mod:`portal.views.staff`), so their endpoints stay ``staff.users`` and so on.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.messages import LANGUAGES

from ..auth import current_actor, roles_required
from ..context import current_runtime
from ..forms import UserActiveForm, UserContactForm, UserCreateForm, UserRolesForm
from ..i18n import AUTONYMS
from . import staff_support as support


def _languages(form: UserCreateForm | UserContactForm) -> None:
    form.language.choices = [(code, AUTONYMS[code]) for code in LANGUAGES]


@roles_required("admin")
def users() -> tuple[str, int] | Response:
    runtime = current_runtime()
    form = UserCreateForm()
    support.fill_user_choices(form)
    _languages(form)
    refused = False
    if request.method == "POST":
        if form.validate():
            refused = True
            name = form.username.data.strip()
            with support.refusal_as_message(None, endpoint="staff.users"):
                runtime.accounts.create_user(
                    name,
                    form.password.data,
                    display_name=form.display_name.data.strip(),
                    roles=list(form.roles.data),
                    commissions=list(form.commissions.data),
                )
                runtime.catalogue.contacts.set(
                    name, email=form.email.data, language=form.language.data
                )
                flash(_("Account %(name)s created.", name=name), "success")
                return redirect(url_for("staff.users"))
        form.password.data = form.confirm.data = ""
    contacts = runtime.catalogue.contacts.all()
    rows: list[dict[str, Any]] = []
    for account in runtime.accounts.list():
        name = account.username
        roles_form = UserRolesForm(
            prefix=f"u-{name}",
            data={"roles": sorted(account.roles), "commissions": sorted(account.commissions)},
        )
        support.fill_user_choices(roles_form)
        contact = contacts[name]
        contact_form = UserContactForm(
            prefix=f"c-{name}", data={"email": contact.email or "", "language": contact.language}
        )
        _languages(contact_form)
        rows.append(
            {
                "account": account,
                "roles_form": roles_form,
                "contact_form": contact_form,
                "active_form": UserActiveForm(prefix=f"a-{name}"),
            }
        )
    status = 422 if form.errors or refused else 200
    return render_template("staff/users.html", form=form, rows=rows), status


@roles_required("admin")
def user_roles(username: str) -> Response:
    form = UserRolesForm(prefix=f"u-{username}")
    support.fill_user_choices(form)
    if not form.validate():
        support.flash_form_errors(form)
        return redirect(url_for("staff.users"))
    with support.refusal_as_message(None, endpoint="staff.users"):
        current_runtime().accounts.set_roles(
            username, roles=list(form.roles.data), commissions=list(form.commissions.data)
        )
        flash(_("Roles of %(name)s saved.", name=username), "success")
    return redirect(url_for("staff.users"))


@roles_required("admin")
def user_contact(username: str) -> Response:
    form = UserContactForm(prefix=f"c-{username}")
    _languages(form)
    if not form.validate():
        support.flash_form_errors(form)
        return redirect(url_for("staff.users") + f"#user-{username}")
    with support.refusal_as_message(None, endpoint="staff.users"):
        current_runtime().catalogue.contacts.set(
            username, email=form.email.data, language=form.language.data
        )
        flash(_("E-mail notifications of %(name)s saved.", name=username), "success")
    return redirect(url_for("staff.users") + f"#user-{username}")


@roles_required("admin")
def user_active(username: str) -> Response:
    form = UserActiveForm(prefix=f"a-{username}")
    if not form.validate():
        abort(400)
    active = form.active.data == "1"
    actor = current_actor()  # roles_required: never None here
    if not active and actor is not None and username == actor.username:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("staff.users"))
    with support.refusal_as_message(None, endpoint="staff.users"):
        current_runtime().accounts.set_active(username, active)
        flash(
            _("Account %(name)s activated.", name=username)
            if active
            else _("Account %(name)s deactivated.", name=username),
            "success",
        )
    return redirect(url_for("staff.users"))


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/users", view_func=users, methods=["GET", "POST"])
    bp.add_url_rule("/users/<username>/roles", view_func=user_roles, methods=["POST"])
    bp.add_url_rule("/users/<username>/contact", view_func=user_contact, methods=["POST"])
    bp.add_url_rule("/users/<username>/active", view_func=user_active, methods=["POST"])
