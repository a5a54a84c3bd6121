"""Vega-Lite's schema (the one Altair ships and validates against), in a writer's words.

Altair validates a spec against the Vega-Lite JSON schema; its raw errors come from every
branch of the schema's alternatives (a mark may be a string or a mapping, a channel a field or a
value). This module keeps the error that names the real problem -- the unknown key, the value
no branch accepts, the missing key -- and says it in a sentence with the key's path, so the
chart room can put it at that key's line.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any

Path_ = tuple[str | int, ...]


class SchemaChecker:
    """Vega-Lite's schema as shipped with Altair, compiled once per build and reused.

    Altair's own validate call copies the whole schema each time; a validator kept for the
    build checks a valid spec many times faster. Errors, the rare case, are then grouped with
    Altair's helpers and worded here.
    """

    def __init__(self) -> None:
        import altair as alt
        from altair.vegalite.v6.schema import core

        self.root: dict[str, Any] = core.Root._schema
        self.version = alt.SCHEMA_VERSION.lstrip("v")
        """The Vega-Lite version of the schema, named in errors a later version may explain."""
        self._validators: dict[str, Any] = {}

    def validator(self, shape: str) -> Any:
        """The validator for one top-level shape (TopLevelUnitSpec, TopLevelLayerSpec, ...)."""
        if shape not in self._validators:
            import jsonschema

            schema = {"$ref": f"#/definitions/{shape}", "definitions": self.root["definitions"]}
            cls = jsonschema.validators.validator_for(self.root)
            self._validators[shape] = cls(schema)
        return self._validators[shape]

    def problem(self, spec: Mapping[str, Any]) -> tuple[str, Path_] | None:
        """What the schema rejects first, in words, and where; None for a valid spec."""
        shape = next((name for key, name in _SHAPES if key in spec), "TopLevelUnitSpec")
        validator = self.validator(shape)
        if validator.is_valid(spec):
            return None
        from altair.utils import schemapi

        errors = list(validator.iter_errors(spec))
        try:  # every leaf error of every branch, grouped by the key it is about
            grouped = schemapi._group_errors_by_json_path(
                schemapi._get_leaves_of_error_tree(errors))
        except AttributeError:  # pragma: no cover - an Altair without these helpers
            grouped = {}
            for error in errors:
                grouped.setdefault(error.json_path, []).append(error)
        rank, message, where = _describe_all(grouped, shape, self.root)
        return self._versioned(message, rank, spec.get("$schema")), where

    def _versioned(self, message: str, rank: int, schema_url: Any) -> str:
        """An unknown key or value may be newer than the schema: say which version is checked,
        and that the spec is written for a later one when its `$schema` says so."""
        theirs = re.search(r"vega-lite/v(\d+(?:\.\d+)*)\.json", str(schema_url or ""))
        ours = tuple(int(part) for part in self.version.split(".") if part.isdigit())
        if theirs:
            wanted = tuple(int(part) for part in theirs.group(1).split("."))
            if wanted > ours[:len(wanted)]:
                return (f"the spec is written for Vega-Lite {theirs.group(1)} (its `$schema`); "
                        f"sitegen checks and draws charts with Vega-Lite {self.version}: "
                        f"{message}")
        if rank in (1, 2) and "did you mean" not in message:
            return (f"{message} (sitegen checks charts against Vega-Lite {self.version}; "
                    "a key or value added in a later version is not supported yet)")
        return message


_SHAPES = (("layer", "TopLevelLayerSpec"), ("hconcat", "TopLevelHConcatSpec"),
           ("vconcat", "TopLevelVConcatSpec"), ("concat", "TopLevelConcatSpec"),
           ("repeat", "TopLevelRepeatSpec"), ("facet", "TopLevelFacetSpec"))


def describe_schema_errors(grouped: Mapping[str, list[Any]], shape: str,
                           root: Mapping[str, Any]) -> tuple[str, Path_]:
    """Vega-Lite schema errors in a writer's words: which key, what is wrong, what fits.

    Errors come from every branch of the schema's alternatives; a key or value that another
    branch accepts is not the problem, so those are dropped before choosing what to say.
    """
    _, message, where = _describe_all(grouped, shape, root)
    return message, where


def _describe_all(grouped: Mapping[str, list[Any]], shape: str,
                  root: Mapping[str, Any]) -> Described:
    schema = _Schema(shape, root)
    described = [_describe_group(errors, schema) for errors in grouped.values() if errors]
    return min(described, key=lambda d: (d[0], -len(d[2])))


class _Schema:
    """The Vega-Lite schema walked along a path, over all its alternatives."""

    def __init__(self, shape: str, root: Mapping[str, Any]) -> None:
        self.root = root
        self.start = {"$ref": f"#/definitions/{shape}"}

    def _flat(self, schema: Any, seen: int = 0) -> list[dict[str, Any]]:
        if not isinstance(schema, dict) or seen > 30:
            return []
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return self._flat(self.root["definitions"].get(name), seen + 1)
        out = [schema]
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                out += self._flat(option, seen + 1)
        return out

    def at(self, path: Path_) -> list[dict[str, Any]]:
        """Every schema alternative that could describe the value at path."""
        current = self._flat(self.start)
        for part in path:
            following: list[dict[str, Any]] = []
            for schema in current:
                if isinstance(part, int):
                    following += self._flat(schema.get("items"))
                else:
                    following += self._flat(schema.get("properties", {}).get(part))
                    extra = schema.get("additionalProperties")
                    if isinstance(extra, dict):
                        following += self._flat(extra)
            current = following
        return current

    def keys(self, path: Path_) -> set[str]:
        return {k for s in self.at(path) for k in s.get("properties", {})}

    def accepts_value(self, path: Path_, value: Any) -> bool:
        for schema in self.at(path):
            if "enum" in schema and value in schema["enum"]:
                return True
            if "const" in schema and value == schema["const"]:
                return True
            if isinstance(value, str) and schema.get("type") == "string" and \
                    "enum" not in schema and "const" not in schema:
                return True
        return False


Described = tuple[int, str, Path_]
"""(rank: lower is the clearer explanation, message, path of the key it is about)."""


def _describe_group(errors: list[Any], schema: _Schema) -> Described:
    path: Path_ = tuple(errors[0].absolute_path)
    key = key_name(path)
    instance = errors[0].instance
    by_kind: dict[str, list[Any]] = {}
    for error in errors:
        by_kind.setdefault(error.validator, []).append(error)
    if isinstance(instance, dict):
        found = (_missing_key(instance, by_kind, key, path)
                 or _unknown_key(by_kind, schema, key, path)
                 or _keys_not_together(instance, by_kind, key, path))
        if found is not None:
            return found
    if isinstance(instance, str | int | float | bool) and \
            by_kind.keys() <= {"enum", "const", "type"} and schema.accepts_value(path, instance):
        return 9, f"`{key}` is fine in another form of this key", path
    return _wrong_value(errors, by_kind, instance, key, path)


def _missing_key(instance: dict[str, Any], by_kind: dict[str, list[Any]], key: str,
                 path: Path_) -> Described | None:
    keys = set(instance)
    for error in by_kind.get("required", []):
        allowed = set((error.schema or {}).get("properties", {}))
        if keys <= allowed:
            missing = [r for r in error.schema.get("required", []) if r not in keys]
            if missing:
                what = f"`{key}`" if key else "the chart"
                kind = next((k for k in instance if k in error.schema.get("required", [])),
                            None)
                needs = _and_list([f"`{r}`" for r in error.schema.get("required", [])])
                about = f": a `{kind}` needs {needs}" if kind else ""
                return 0, f"{what} is missing `{missing[0]}`{about}", path
    return None


def _unknown_key(by_kind: dict[str, list[Any]], schema: _Schema, key: str,
                 path: Path_) -> Described | None:
    known = schema.keys(path)
    extras = [[k for k in _unexpected(e) if k not in known]
              for e in by_kind.get("additionalProperties", [])]
    extras = [e for e in extras if e]
    if not extras:
        return None
    fewest = min(extras, key=len)
    name = sorted(fewest)[0]
    where = f" in `{key}`" if key else ""
    message = f"unknown key `{name}`{where}"
    suggestion = did_you_mean(name, known)
    if suggestion:
        message += f"; {suggestion[0].lower()}{suggestion[1:]}"
    elif known and len(known) <= 16:
        message += f"; use one of: {', '.join(sorted(known))}"
    return 1, message, path + (name,)


def _keys_not_together(instance: dict[str, Any], by_kind: dict[str, list[Any]], key: str,
                       path: Path_) -> Described | None:
    """Every key is known somewhere, but not together: name the form closest to what is
    there (ranked after any deeper problem, which would explain the mismatch better)."""
    mixes = [(_unexpected(e), e) for e in by_kind.get("additionalProperties", [])]
    mixes = [(unexpected, e) for unexpected, e in mixes if unexpected]
    if not mixes:
        return None

    def closeness(mix: tuple[list[str], Any]) -> tuple[int, int]:
        properties = (mix[1].schema or {}).get("properties", {})
        keeps = any(k in instance and k in properties for k in ("field", "value", "datum"))
        return len(mix[0]), 0 if keeps else 1

    unexpected, error = min(mixes, key=closeness)
    takes = ", ".join(sorted((error.schema or {}).get("properties", {})))
    label = f"`{key}`" if key else "the chart"
    return 5, f"{label} takes no `{unexpected[0]}` here (it takes: {takes})", \
        path + (unexpected[0],)


_TYPE_WORDS = {"object": "a mapping", "array": "a list", "number": "a number",
               "string": "text", "boolean": "true or false", "null": "null",
               "integer": "a whole number"}


def _wrong_value(errors: list[Any], by_kind: dict[str, list[Any]], instance: Any, key: str,
                 path: Path_) -> Described:
    valid: list[str] = []
    for error in by_kind.get("enum", []):
        valid += [str(v) for v in error.validator_value if str(v) not in valid]
    for error in by_kind.get("const", []):
        if str(error.validator_value) not in valid:
            valid.append(str(error.validator_value))
    types: list[str] = []
    for error in by_kind.get("type", []):
        wanted = error.validator_value
        for name in wanted if isinstance(wanted, list) else [wanted]:
            word = _TYPE_WORDS.get(name, str(name))
            if word not in types:
                types.append(word)
    shown = json.dumps(instance) if not isinstance(instance, dict | list) else \
        ("a mapping" if isinstance(instance, dict) else "a list")
    label = f"`{key}`" if key else "the chart"
    if valid and isinstance(instance, str) and (len(valid) >= 3 or not types):
        message = f"{label} is {shown}, which Vega-Lite does not know; use one of: " + \
            ", ".join(valid)
        suggestion = did_you_mean(instance, valid)
        if suggestion:
            message += f" ({suggestion[0].lower()}{suggestion[1:]})"
        return 2, message, path
    if types or valid:
        options = types + [json.dumps(v) for v in valid]
        return 3, f"{label} must be {_or_list(options)}, not {shown}", path
    other = "; ".join(sorted({e.message for e in errors}))
    return 6, f"{label}: {other}", path


def _unexpected(error: Any) -> list[str]:
    match = re.search(r"\((.*) (?:was|were) unexpected\)", error.message)
    return re.findall(r"'([^']*)'", match.group(1)) if match else []


def key_name(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _or_list(options: list[str]) -> str:
    return options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]


def _and_list(options: list[str]) -> str:
    return options[0] if len(options) == 1 else ", ".join(options[:-1]) + " and " + options[-1]


def schema_hint(path: Path_) -> str:
    top = next((p for p in path if isinstance(p, str)), "")
    page = {"transform": "transform", "encoding": "encoding", "mark": "mark",
            "params": "parameter"}.get(top, "spec")
    return f"see https://vega.github.io/vega-lite/docs/{page}.html"


def did_you_mean(name: str, options: Any) -> str | None:
    close = difflib.get_close_matches(name, [str(o) for o in options], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def kind_of(value: Any) -> str:
    return {list: "a list", dict: "a mapping", str: "text", type(None): "nothing (None)"}.get(
        type(value), f"a {type(value).__name__}")
