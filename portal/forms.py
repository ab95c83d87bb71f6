"""Staff console forms (flask-wtf: every form carries and checks a CSRF token).

The forms only bind and bound-check what the browser sends; what a record may
contain is decided by ``metadata_schemas.record.load_record`` (see
``portal/record_form.py``) and what a user may do by the catalogue services.
Vocabulary choices are filled per request by :func:`fill_choices` in the
user's language, because the same vocabulary serves French and Arabic pages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from catalogue.services.accounts import MAX_PASSWORD, MIN_PASSWORD
from metadata_schemas.record import LANGSTRING_LANGUAGES, MAX_SHORT, MAX_TEXT, MAX_TITLE

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token (submit, publish, logout)."""


class SubmitForm(FlaskForm):
    note = TextAreaField(
        _l("Note for the commission"), validators=[Optional(), Length(max=MAX_SHORT)]
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for withdrawal"), validators=[DataRequired(), Length(max=MAX_SHORT)]
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("conforme", _l("Conforming")),
            SelectChoice("non_conforme", _l("Not conforming")),
        ],
        validators=[InputRequired()],
    )
    reference = StringField(
        _l("Minutes reference"), validators=[DataRequired(), Length(max=MAX_SHORT)]
    )
    note = TextAreaField(_l("Remark"), validators=[Optional(), Length(max=MAX_TEXT)])


class AcquisitionForm(FlaskForm):
    version = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])
    mode = SelectField(_l("Acquisition mode"), validators=[DataRequired()])
    # Required in the console: the catalogue finds a shared acquisition by (mode, reference);
    # without one, each save would start a new acquisition and leave its documents behind.
    reference = StringField(
        _l("Reference (tender, agreement…)"), validators=[DataRequired(), Length(max=200)]
    )
    counterpart = StringField(
        _l("Partner / supplier"), validators=[Optional(), Length(max=MAX_SHORT)]
    )
    started_on = StringField(_l("Start date (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)])
    completed_on = StringField(
        _l("Completion date (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=MAX_TEXT)])


class DocumentForm(FlaskForm):
    step = SelectField(_l("Procedure step"), validators=[DataRequired()])
    document_type = SelectField(_l("Document type"), validators=[DataRequired()])
    file = FileField(_l("File"), validators=[FileRequired()])


class StepForm(FlaskForm):
    """A step of the acquisition procedure marked done, in progress or not applicable."""

    version = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])
    status = SelectField(
        _l("Step status"),
        choices=[
            SelectChoice("done", _l("completed")),
            SelectChoice("in_progress", _l("in progress")),
            SelectChoice("skipped", _l("not applicable")),
        ],
    )
    date = StringField(
        _l("Date (YYYY-MM-DD)"), validators=[Optional(), Regexp(r"^\d{4}-\d{2}-\d{2}$")]
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=MAX_SHORT)])


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Regexp(USERNAME_PATTERN)])
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)]
    )
    confirm = PasswordField(
        _l("Confirm the password"),
        validators=[EqualTo("password", message=_l("The passwords differ."))],
    )
    roles = MultiCheckboxField(_l("Roles"))
    commissions = MultiCheckboxField(_l("Commissions"))
    email = StringField(_l("E-mail (notifications)"), validators=[Optional(), Length(max=254)])
    language = SelectField(_l("Language of the e-mails"), validate_choice=False)


class UserContactForm(FlaskForm):
    """Where an account's notifications go, in which language (checked by the service)."""

    email = StringField(_l("E-mail (notifications)"), validators=[Optional(), Length(max=254)])
    language = SelectField(_l("Language of the e-mails"), validate_choice=False)


class UserRolesForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"))
    commissions = MultiCheckboxField(_l("Commissions"))


class UserActiveForm(FlaskForm):
    active = HiddenField(validators=[DataRequired(), Regexp(r"^[01]$")])


class ContributorForm(Form):
    """One row of lifecycle.contribute: several names may be separated by ';'."""

    role = SelectField(_l("Role"), validate_choice=False)
    entity = StringField(_l("Name"), validators=[Optional(), Length(max=MAX_SHORT)])
    date = StringField(_l("Date"), validators=[Optional(), Length(max=40)])


def _langstring_fields(prefix: str, label, max_length: int, area: bool):
    field = TextAreaField if area else StringField
    return {
        f"{prefix}_{lang}": field(label, validators=[Optional(), Length(max=max_length)])
        for lang in LANGSTRING_LANGUAGES
    }


class RecordForm(FlaskForm):
    """The LOM fields the LNRN describes by hand; the others are kept as they are on edit."""

    version = HiddenField()
    languages = SelectMultipleField(_l("Languages of the resource"), validate_choice=False)
    levels = SelectMultipleField(_l("Levels"), validate_choice=False)
    subjects = SelectMultipleField(_l("Subjects"), validate_choice=False)
    learning_resource_type = SelectMultipleField(_l("Resource type"), validate_choice=False)
    interactivity_type = SelectField(_l("Interactivity type"), validate_choice=False)
    intended_end_user_role = SelectMultipleField(_l("Intended audience"), validate_choice=False)
    context = SelectMultipleField(_l("Context"), validate_choice=False)
    difficulty = SelectField(_l("Difficulty"), validate_choice=False)
    typical_age_range = StringField(
        _l("Age (e.g. 11-12, 15+; separated by commas)"),
        validators=[Optional(), Length(max=MAX_SHORT)],
    )
    typical_learning_time = StringField(
        _l("Learning time (ISO 8601, e.g. PT30M)"), validators=[Optional(), Length(max=50)]
    )
    format = StringField(
        _l("Formats (MIME types, separated by commas)"),
        validators=[Optional(), Length(max=MAX_SHORT)],
    )
    location = TextAreaField(
        _l("Addresses (URLs, one per line)"), validators=[Optional(), Length(max=MAX_TEXT)]
    )
    size = StringField(_l("Size (bytes)"), validators=[Optional(), Length(max=20)])
    #: Read for its type, size and duration (portal/views/staff_probe.py), never kept.
    media_file = FileField(_l("The resource's file"))
    duration = StringField(
        _l("Duration (ISO 8601, e.g. PT12M)"), validators=[Optional(), Length(max=50)]
    )
    licence = SelectField(_l("Licence"), validate_choice=False)
    cost = SelectField(
        _l("Charged for"),
        choices=[
            SelectChoice("", "—"),
            SelectChoice("no", _l("No")),
            SelectChoice("yes", _l("Yes")),
        ],
        validate_choice=False,
    )
    copyright = SelectField(
        _l("Subject to copyright"),
        choices=[
            SelectChoice("", "—"),
            SelectChoice("yes", _l("Yes")),
            SelectChoice("no", _l("No")),
        ],
        validate_choice=False,
    )
    contributors = FieldList(
        FormField(ContributorForm), label=_l("Contributors"), min_entries=1, max_entries=60
    )


# One field per language for each LangString (title_ar, title_fr, …); WTForms' FormMeta
# accepts fields added after the class body.
for _name, _field in {
    **_langstring_fields("title", _l("Title"), MAX_TITLE, False),
    **_langstring_fields("description", _l("Description"), MAX_TEXT, True),
    **_langstring_fields("keywords", _l("Keywords (one per line)"), MAX_TEXT, True),
}.items():
    setattr(RecordForm, _name, _field)


#: Record-form fields filled from one flat vocabulary each (multi: a list of ids).
VOCABULARY_FIELDS = {
    "languages": "language",
    "learning_resource_type": "learning_resource_type",
    "interactivity_type": "interactivity_type",
    "intended_end_user_role": "intended_end_user_role",
    "context": "context",
    "difficulty": "difficulty",
    "licence": "licence",
}
SINGLE_VALUED = {"interactivity_type", "difficulty", "licence"}
