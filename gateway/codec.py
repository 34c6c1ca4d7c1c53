"""Commands and events <-> JSON-ready dicts, for the journal and the audit trail.

Field by field from the dataclass definitions, enums by name, so a journal stays readable in
SQL and survives reordering of fields. Decoding knows only the registered types.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import sys
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from matching import commands, events, model
from risk import commands as risk_commands
from risk import events as risk_events

_TYPES: dict[str, type] = {}


def _register(module: types.ModuleType) -> None:
    for name in dir(module):
        obj = getattr(module, name)
        if isinstance(obj, type) and dataclasses.is_dataclass(obj) and \
                obj.__module__ == module.__name__:
            _TYPES[name] = obj


for _module in (commands, events, model, risk_commands, risk_events):
    _register(_module)

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """Field name -> type of a registered class, as its source annotates it.

    Read from the module's source text rather than `typing.get_type_hints`: the core's
    classes are compiled extension types (see setup.py), which keep no annotations."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = {}
        for klass in reversed(cls.__mro__[:-1]):  # base classes first, `object` left out
            module = sys.modules[klass.__module__]
            for name, text in _annotations(module).get(klass.__name__, {}).items():
                hints[name] = eval(text, vars(module))  # our own source file
        _HINTS[cls] = hints
    return hints


@functools.cache
def _annotations(module: types.ModuleType) -> dict[str, dict[str, str]]:
    """Class name -> {field: annotation text} for the classes of `module`'s source file,
    which sits beside the module also when the module is compiled."""
    source = Path(module.__file__).with_name(module.__name__.rpartition(".")[2] + ".py")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    return {
        node.name: {
            stmt.target.id: ast.unparse(stmt.annotation)
            for stmt in node.body
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
        }
        for node in tree.body if isinstance(node, ast.ClassDef)
    }


def _enum_of(hint: Any) -> type[Enum] | None:
    """The Enum class a field holds, if any (also inside `X | None`)."""
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    for arg in typing.get_args(hint):
        if isinstance(arg, type) and issubclass(arg, Enum):
            return arg
    return None


def _is_mapping(hint: Any) -> bool:
    return typing.get_origin(hint) in (dict, Mapping)


_NESTED = "__type__"  # key marking a nested dataclass value
_DECIMAL = "__decimal__"  # exact, as its string
_SET = "__set__"


def _value(value: object) -> Any:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, Decimal):
        return {_DECIMAL: str(value)}
    if isinstance(value, frozenset):
        return {_SET: sorted(_value(v) for v in value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name, fields = encode(value)
        return {_NESTED: name, **fields}
    if isinstance(value, (tuple, list)):
        return [_value(v) for v in value]
    if isinstance(value, Mapping):
        return {key: _value(v) for key, v in value.items()}
    return value


_SCALARS = (int, str, bool, type(None))


def _plain_field(hint: Any) -> bool:
    """Does the field only ever hold ints, strings, bools or None (nothing to convert)?"""
    args = typing.get_args(hint) or (hint,)
    return all(isinstance(a, type) and issubclass(a, _SCALARS) and not issubclass(a, Enum)
               for a in args)


# Per class, once: each field's name and how to convert it (None: as it is). The journal
# encodes every command and event, so this is on the path of every answer.
_PLANS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _plan(cls: type) -> tuple[tuple[str, Any], ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        hints = _hints(cls)
        plan = _PLANS[cls] = tuple(
            (f.name, None if _plain_field(hints[f.name]) else _value)
            for f in dataclasses.fields(cls))
    return plan


def encode(obj: object) -> tuple[str, dict[str, Any]]:
    """(type name, fields) of a registered dataclass instance."""
    cls = type(obj)
    return cls.__name__, {name: getattr(obj, name) if convert is None
                          else convert(getattr(obj, name)) for name, convert in _plan(cls)}


def _is_tuple(hint: Any) -> bool:
    return hint is tuple or typing.get_origin(hint) is tuple


def _nested(value: dict[str, Any]) -> object:
    return decode(value[_NESTED], {k: v for k, v in value.items() if k != _NESTED})


def decode(type_name: str, fields: dict[str, Any]) -> object:
    cls = _TYPES[type_name]
    hints = _hints(cls)
    kwargs = {}
    for name, value in fields.items():
        hint = hints[name]
        if _is_mapping(hint):  # str -> enum, e.g. self-trade prevention by account
            enum = _enum_of(hint)
            value = {key: enum[v] if enum is not None else v for key, v in value.items()}
        elif isinstance(value, dict) and _NESTED in value:
            value = _nested(value)
        elif isinstance(value, list) and _is_tuple(hint):  # e.g. a SubmitOrder's trims
            value = tuple(_nested(v) if isinstance(v, dict) and _NESTED in v else v
                          for v in value)
        elif isinstance(value, dict) and _DECIMAL in value:
            value = Decimal(value[_DECIMAL])
        elif isinstance(value, dict) and _SET in value:
            value = frozenset(value[_SET])
        else:
            enum = _enum_of(hint)
            if enum is not None and value is not None:
                value = enum[value]
        kwargs[name] = value
    for f in dataclasses.fields(cls):
        # A field added since the row was written, which may be None: it was not set then
        if (f.name not in kwargs and f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING
                and type(None) in typing.get_args(hints[f.name])):
            kwargs[f.name] = None
    return cls(**kwargs)

