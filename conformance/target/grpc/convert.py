"""REST JSON to `VectorService` messages and back.

Requests: a JSON body (or query parameters) is checked against the message's fields before
protobuf's JSON parser sees it, because that parser is lenient where the REST question is not
(it takes `"3"` for a number): a field no message has, or a value of a JSON type its field cannot
hold, raises NotExpressible. The message is then built field by field (vector values in one
`extend`, far faster than the JSON parser). Non-finite floats, which plain JSON cannot carry but a
`float` field can, are sent as they are so the target judges them.

Replies: what the REST transcoding of the same message gives, so tests read them unchanged:
lowerCamelCase names (proto names for the namespace API), repeated fields and scalars without
presence always present (`"values": []`, `"namespace": ""`), optional and message fields only
when set, 64-bit integers as decimal strings, integral `Struct` numbers as JSON integers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from conformance.target.grpc.bindings import Rpc
from conformance.target.grpc.errors import NotExpressible

STRUCT = "google.protobuf.Struct"
VALUE = "google.protobuf.Value"
LIST_VALUE = "google.protobuf.ListValue"
_JSON_TYPES = {STRUCT: dict, LIST_VALUE: list}
_INTS = frozenset(
    {
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_FIXED32,
        FieldDescriptor.TYPE_FIXED64,
        FieldDescriptor.TYPE_SFIXED32,
        FieldDescriptor.TYPE_SFIXED64,
    }
)
_FLOATS = frozenset({FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE})


# -- requests ------------------------------------------------------------------------------------
def request_message(
    rpc: Rpc,
    message_type: type[Message],
    body: Any,
    params: Sequence[tuple[str, Any]],
    path_fields: Mapping[str, str],
) -> Message:
    """The request message of `rpc`: from the JSON `body` (a `body: "*"` binding) or from query
    parameters and path fields; NotExpressible when the REST request has no gRPC form."""
    descriptor: Descriptor = message_type.DESCRIPTOR  # type: ignore[assignment]
    if rpc.body:
        if params:
            names = ", ".join(sorted({str(k) for k, _ in params}))
            raise NotExpressible(
                f"query parameters ({names}) on {rpc.name}, whose body is the request"
            )
        data = {} if body is None else body
    else:
        if body is not None:
            raise NotExpressible(f"a JSON body on {rpc.name}, which takes query parameters")
        data = params_to_json(descriptor, params)
        data.update(path_fields)
    checked = _object(data, descriptor, descriptor.name)
    message = message_type()
    try:
        _fill(message, checked)
    except (json_format.ParseError, ValueError, TypeError) as error:  # e.g. -1 in a uint32
        raise NotExpressible(f"{descriptor.name}: {error}") from None
    return message


def _fill(message: Message, data: Mapping[str, Any]) -> None:
    """Set the fields of `message` from checked JSON (`_object`); values a field cannot hold
    (out of range, not UTF-8) raise ValueError or TypeError."""
    fields = {f.json_name: f for f in message.DESCRIPTOR.fields}
    for key, value in data.items():
        field = fields[key]
        kind = field.message_type
        if kind is not None and kind.GetOptions().map_entry:
            entries = getattr(message, field.name)
            entry = kind.fields_by_name["value"]
            for k, v in value.items():
                if entry.message_type is None:
                    entries[k] = v
                else:
                    _fill_message(entries[k], entry.message_type.full_name, v)
        elif field.is_repeated:
            items = getattr(message, field.name)
            if kind is None:
                items.extend(value)
            else:
                for v in value:
                    _fill_message(items.add(), kind.full_name, v)
        elif kind is not None:
            _fill_message(getattr(message, field.name), kind.full_name, value)
        else:
            setattr(message, field.name, value)


def _fill_message(message: Message, full_name: str, value: Any) -> None:
    message.SetInParent()  # present even when empty: `{}` is not an absent field
    if full_name == STRUCT:
        message.update(value)  # type: ignore[attr-defined]
    elif full_name in (LIST_VALUE, VALUE):
        json_format.ParseDict(value, message)
    else:
        _fill(message, value)


def params_to_json(descriptor: Descriptor, params: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """Query parameters as the JSON object of the message's fields: repeated fields collect
    every value, numbers and booleans are parsed from their text."""
    out: dict[str, Any] = {}
    for name, raw in params:
        field = _field(descriptor, str(name))
        if field is None:
            raise NotExpressible(f"query parameter {name!r}: {descriptor.name} has no such field")
        value = _param_value(field, raw, str(name))
        if field.is_repeated:
            out.setdefault(field.json_name, []).append(value)
        elif field.json_name in out:
            raise NotExpressible(f"query parameter {name!r} given twice")
        else:
            out[field.json_name] = value
    return out


def _param_value(field: FieldDescriptor, raw: Any, name: str) -> Any:
    text = raw if isinstance(raw, str) else str(raw)
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    if field.type in _INTS:
        if not text.isdigit():
            raise NotExpressible(f"query parameter {name}={text!r} is not an unsigned integer")
        return int(text)
    if field.type == FieldDescriptor.TYPE_BOOL:
        if text not in ("true", "false"):
            raise NotExpressible(f"query parameter {name}={text!r} is not true or false")
        return text == "true"
    if field.type == FieldDescriptor.TYPE_STRING:
        return text
    raise NotExpressible(f"query parameter {name}: field {field.name} cannot be a parameter")


def _field(descriptor: Descriptor, key: str) -> FieldDescriptor | None:
    found: FieldDescriptor | None = descriptor.fields_by_name.get(key)
    if found is None:
        found = next((f for f in descriptor.fields if f.json_name == key), None)
    return found


def _object(data: Any, descriptor: Descriptor, where: str) -> dict[str, Any]:
    """A JSON object checked against a message: known fields, JSON types the fields can hold."""
    if not isinstance(data, dict):
        raise NotExpressible(f"{where} is {_kind(data)}, not a JSON object")
    out: dict[str, Any] = {}
    for key, value in data.items():
        field = _field(descriptor, key)
        if field is None:
            raise NotExpressible(f"field {key!r}: {descriptor.name} has no such field")
        if value is None:  # JSON null is the default value: the field is left unset
            continue
        out[field.json_name] = _field_value(field, value, f"{where}.{key}")
    return out


def _field_value(field: FieldDescriptor, value: Any, where: str) -> Any:
    message = field.message_type
    if message is not None and message.GetOptions().map_entry:
        if not isinstance(value, dict):
            raise NotExpressible(f"{where} is {_kind(value)}, not a JSON object")
        entry = message.fields_by_name["value"]
        return {k: _single(entry, v, f"{where}.{k}") for k, v in value.items()}
    if field.is_repeated:
        if not isinstance(value, list):
            raise NotExpressible(f"{where} is {_kind(value)}, not a list")
        if not value:  # proto3 repeated fields have no presence: `[]` is the field left out
            raise NotExpressible(f"{where} is an empty list, which gRPC cannot tell from absent")
        if field.type in _FLOATS and all(type(v) is float or type(v) is int for v in value):
            return value  # the common case (vector values), checked at once
        return [_single(field, v, f"{where}[{n}]") for n, v in enumerate(value)]
    return _single(field, value, where)


def _single(field: FieldDescriptor, value: Any, where: str) -> Any:
    message = field.message_type
    if message is not None:
        if message.full_name in (STRUCT, LIST_VALUE, VALUE):
            wanted = _JSON_TYPES.get(message.full_name)
            if wanted is not None and not isinstance(value, wanted):
                raise NotExpressible(f"{where} is {_kind(value)}, not {_kind(wanted())}")
            _finite_json(value, where)
            return value
        return _object(value, message, where)
    if field.type == FieldDescriptor.TYPE_BOOL:
        if not isinstance(value, bool):
            raise NotExpressible(f"{where} is {_kind(value)}, not a boolean")
        return value
    if field.type == FieldDescriptor.TYPE_STRING:
        if not isinstance(value, str):
            raise NotExpressible(f"{where} is {_kind(value)}, not a string")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NotExpressible(f"{where} is {_kind(value)}, not a number")
    if field.type in _INTS:
        if isinstance(value, float) and not value.is_integer():
            raise NotExpressible(f"{where} is {value!r}, not an integer")
        return int(value)
    if field.type in _FLOATS:
        return value  # NaN and infinities too: a float field carries them
    raise NotExpressible(f"{where}: field {field.name} has an unsupported type")


def _finite_json(value: Any, where: str) -> None:
    """`Struct` numbers are doubles that JSON cannot make non-finite: reject NaN and infinity."""
    if isinstance(value, float) and not math.isfinite(value):
        raise NotExpressible(f"{where} holds {value!r}, which a Struct value cannot carry")
    if isinstance(value, dict):
        for key, item in value.items():
            _finite_json(item, f"{where}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _finite_json(item, f"{where}[{n}]")


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__


# -- replies -------------------------------------------------------------------------------------
def reply_json(message: Message, rpc: Rpc) -> dict[str, Any]:
    """The REST JSON of a reply message (see the module docstring)."""
    out = json_format.MessageToDict(
        message,
        always_print_fields_with_no_presence=True,
        preserving_proto_field_name=rpc.snake_case,
    )
    _integral_structs(message, out, rpc.snake_case)
    return out


def _integral_structs(message: Message, out: dict[str, Any], snake_case: bool) -> None:
    """Turn the doubles of every `Struct` in `out` that are whole numbers into JSON integers,
    as the REST transcoding prints them (`1`, not `1.0`)."""
    for field in message.DESCRIPTOR.fields:
        key = field.name if snake_case else field.json_name
        if key not in out or field.message_type is None:
            continue
        value = getattr(message, field.name)
        if field.message_type.GetOptions().map_entry:
            entry = field.message_type.fields_by_name["value"]
            if entry.message_type is not None:
                for k, item in value.items():
                    _nested(entry.message_type.full_name, item, out[key], k, snake_case)
        elif field.is_repeated:
            for n, item in enumerate(value):
                _nested(field.message_type.full_name, item, out[key], n, snake_case)
        else:
            _nested(field.message_type.full_name, value, out, key, snake_case)


def _nested(full_name: str, message: Message, holder: Any, key: Any, snake_case: bool) -> None:
    if full_name in (STRUCT, LIST_VALUE, VALUE):
        holder[key] = _integral(holder[key])
    else:
        _integral_structs(message, holder[key], snake_case)


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value
