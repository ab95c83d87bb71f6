"""A compiled loader for valid records: the record schema's rules, without marshmallow's
per-field machinery; what it returns is what :func:`prune` of ``schema.load`` returns.

marshmallow spends most of a record's load in its generic machinery (error stores,
getters, hooks looked up field by field); an import of thousands of partner records
pays that on every field. :func:`compile_schema` walks a marshmallow schema *once*
and builds plain functions that apply the same rules (unknown keys, required fields,
``None``, each field's type and validators, the schema's pre-load, schema-validation
and post-load hooks, nested schemas and lists) to a record that satisfies them.

A field class of another schema may bring its own fast path: a ``fast_deserialize(value)``
method that returns what ``deserialize`` would, or raises :class:`Slow`.

It does not report errors: at the first thing it does not accept it raises
:class:`Slow` (or lets a field's ``ValidationError`` through), and the caller loads the record with marshmallow itself, which gives
the full, translated error list. Rules therefore live in one place (the schema);
this module only runs them faster. A field or schema feature it does not know
(a field-level ``@validates``, ``load_default``, a field's own pre/post-load) makes
that schema go through marshmallow, so a change to the schema can only make the
fast path slower, never different. ``tests/metadata/test_fast_load.py`` checks that
both loaders give the same record on every test record, the synthetic data set and
the intake corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

from .record_fields import LangString, List, Term, Text, _TermList
from .vocabularies import get_vocabularies

Loader = Callable[[Any], Any]


class Slow(Exception):
    """The fast path does not accept this value: load it with marshmallow."""


def compile_schema(schema: Schema) -> Loader:
    """A function loading a dict the way ``schema.load`` does, or raising :class:`Slow`."""
    hooks = schema._hooks
    plain = (
        not hooks[VALIDATES]
        and all(not many for _, many, _kw in hooks[VALIDATES_SCHEMA])
        and all(not many for tag in (PRE_LOAD, POST_LOAD) for _, many, _kw in hooks[tag])
        and all(not kw.get("pass_original") for tag in hooks for _, _m, kw in hooks[tag])
    )
    if not plain:
        return _through_marshmallow(schema)
    pre = [getattr(schema, name) for name, _m, _kw in hooks[PRE_LOAD]]
    checks = [getattr(schema, name) for name, _m, _kw in hooks[VALIDATES_SCHEMA]]
    post = [getattr(schema, name) for name, _m, _kw in hooks[POST_LOAD]]
    plan: list[tuple[str, str, bool, Loader, Any]] = []
    for name, field in schema.load_fields.items():
        key = field.data_key if field.data_key is not None else name
        plan.append(
            (
                key,
                field.attribute or name,
                field.required,
                _compile_field(field),
                field.load_default,
            )
        )
    known = frozenset(key for key, _a, _r, _l, _d in plan)

    def load(data: Any) -> dict[str, Any]:
        for hook in pre:
            data = hook(data, many=False, partial=None, unknown=schema.unknown)
        if type(data) is not dict or not known.issuperset(data):
            raise Slow
        out: dict[str, Any] = {}
        for key, attribute, required, loader, default in plan:
            if key in data:
                out[attribute] = loader(data[key])
            elif required:
                raise Slow
            elif default is not missing:  # marshmallow's load_default, called if callable
                out[attribute] = default() if callable(default) else default
        for check in checks:
            check(out, many=False, partial=None, unknown=schema.unknown)
        for hook in post:
            out = hook(out, many=False, partial=None, unknown=schema.unknown)
        return {k: v for k, v in out.items() if v is not None and v != "" and v != [] and v != {}}

    return load


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def prune(value: Any) -> Any:
    """Empty containers and texts dropped, at every depth (equal records compare equal)."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if not _empty(v)}
    if isinstance(value, list):
        return [v for v in (prune(v) for v in value) if not _empty(v)]
    return value


def _through_marshmallow(schema: Schema) -> Loader:
    def load(data: Any) -> Any:
        try:
            return prune(schema.load(data))
        except ValidationError:
            raise Slow from None

    return load


def _compile_field(field: fields.Field[Any]) -> Loader:
    # (A load_default only fills a missing key: compile_schema applies it.)
    if field.pre_load or field.post_load:
        return _generic(field)
    validators = list(field.validators)
    allow_none = field.allow_none
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        if field.unknown is not None and field.unknown != field.schema.unknown:
            return _generic(field)
        inner = compile_schema(field.schema)
        if not field.many:
            return _checked(inner, validators, allow_none)

        def load_many(value: Any) -> Any:
            if type(value) is not list:
                raise Slow
            loaded = (inner(v) for v in value)
            return [v for v in loaded if v]  # as prune() leaves marshmallow's list

        return _checked(load_many, validators, allow_none)
    if type(field) in (fields.List, List, _TermList):
        assert isinstance(field, fields.List)
        item = _compile_field(field.inner)
        unique = isinstance(field, _TermList)

        def load_list(value: Any) -> Any:
            if type(value) is not list:
                raise Slow
            out = [item(v) for v in value]
            if unique:
                out = list(dict.fromkeys(out))
            return out

        def load_list_checked(value: Any) -> Any:
            if value is None:
                if allow_none:
                    return None
                raise Slow
            out = load_list(value)
            for validator in validators:  # on the list as loaded, before empty items go
                if validator(out) is False:
                    raise Slow
            return [v for v in out if v is not None and v != "" and v != [] and v != {}]

        return load_list_checked

    fast = getattr(field, "fast_deserialize", None)
    if fast is not None:  # a field of another schema that knows its own fast path
        return _checked(fast, validators, allow_none)
    if type(field) is Term:
        vocabulary = field.vocabulary

        def load_term(value: Any) -> Any:
            if type(value) is not str:
                raise Slow
            return get_vocabularies()[vocabulary].resolve(value).id

        return _checked(load_term, validators, allow_none)
    if type(field) is Text:

        def load_text(value: Any) -> Any:
            if type(value) is not str:
                raise Slow
            return value

        return _checked(load_text, validators, allow_none)
    if type(field) is LangString:
        deserialize: Callable[..., Any] = field._deserialize

        def load_langstring(value: Any) -> Any:
            if type(value) is not dict:
                raise Slow
            return deserialize(value, None, None)

        return _checked(load_langstring, validators, allow_none)
    return _generic(field)


def _checked(load: Loader, validators: list[Any], allow_none: bool) -> Loader:
    """``load`` then the field's validators, with marshmallow's handling of ``None``.

    Every loader above refuses ``None`` itself (a type check): a field without
    ``allow_none`` needs no wrapper for it."""
    if not allow_none and not validators:
        return load
    if not allow_none and len(validators) == 1:
        validator = validators[0]

        def run_one(value: Any) -> Any:
            out = load(value)
            if validator(out) is False:
                raise Slow
            return out

        return run_one
    if not validators:

        def run_plain(value: Any) -> Any:
            if value is None:
                if allow_none:
                    return None
                raise Slow
            return load(value)

        return run_plain

    def run(value: Any) -> Any:
        if value is None:
            if allow_none:
                return None
            raise Slow
        out = load(value)
        for validator in validators:
            if validator(out) is False:
                raise Slow
        return out

    return run


def _generic(field: fields.Field[Any]) -> Loader:
    def run(value: Any) -> Any:
        try:
            return prune(field.deserialize(value))
        except ValidationError:
            raise Slow from None

    return run
