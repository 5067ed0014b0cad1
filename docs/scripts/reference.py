"""Reference pages generated from the code: the CLI, the scenario format and the Python API.

Pure functions returning Markdown, so that ``docs/scripts/gen_pages.py`` (run by
mkdocs-gen-files during ``mkdocs build``) writes them and ``tests/test_docs_reference.py``
checks that every subcommand, scenario field and public name appears in them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ApiModule",
    "api_index_markdown",
    "api_module_markdown",
    "api_modules",
    "cli_markdown",
    "cli_subparsers",
    "schema_fields",
    "schema_markdown",
]


# --- CLI -----------------------------------------------------------------------------------


def cli_subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands of ``parser`` by name, in the order ``slasim --help`` lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _subcommand_help(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help or "" for a in action._choices_actions}
    return {}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return (text[:1].upper() + text[1:] + ".") if text else ""


def _option_rows(parser: argparse.ArgumentParser) -> list[str]:
    formatter = parser._get_formatter()
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            name = ", ".join(f"`{o}`" for o in action.option_strings)
            if action.nargs != 0:
                name += f" `{action.metavar or action.dest.upper()}`"
        else:
            name = f"`{action.metavar or action.dest}`"
            if action.nargs in ("+", "*"):
                name += " (one or more)" if action.nargs == "+" else " (any number)"
        help_text = formatter._expand_help(action) if action.help else ""
        if action.choices and not isinstance(action, argparse._SubParsersAction):
            help_text += " (one of: " + ", ".join(f"`{c}`" for c in action.choices) + ")"
        default = action.default
        shown = (
            "" if default is None or default is False or default == [] or action.nargs == 0
            or default == argparse.SUPPRESS
            else f"`{default}`"
        )
        rows.append(f"| {name} | {shown} | {_cell(help_text)} |")
    return rows


def cli_markdown(parser: argparse.ArgumentParser) -> str:
    """The CLI reference page: every subcommand, its usage and every option."""
    helps = _subcommand_help(parser)
    subs = cli_subparsers(parser)
    lines = [
        "# Command line",
        "",
        "Generated from the argument parser of `slasim` (`slasim.cli.main.build_parser`) when the",
        "site is built: it lists every subcommand and every option the installed version has.",
        "`slasim COMMAND --help` prints the same on a terminal. Exit codes are on",
        "[Errors, exit codes and output files](errors.md).",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    lines += [f"| [`{name}`](#{name}) | {_cell(helps.get(name, ''))} |" for name in subs]
    lines += ["", "Global options: `slasim --version`, `slasim --help`; every command takes "
              "`-h`/`--help`.", ""]
    for name, sub in subs.items():
        usage = " ".join(sub.format_usage().split())
        usage = usage.removeprefix("usage: ")
        lines += [
            f"## `{name}` {{#{name}}}",
            "",
            _sentence(helps.get(name, "")),
            "",
            "```text",
            usage,
            "```",
            "",
            "| argument | default | meaning |",
            "|---|---|---|",
            *_option_rows(sub),
            "",
        ]
    return "\n".join(lines)


# --- scenario format ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    path: str
    type: str
    default: str
    bounds: str
    description: str


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        target = root["$defs"][ref.rsplit("/", 1)[1]]
        merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return merged
    return schema


def _type_name(schema: dict[str, Any], root: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "table"
    if "enum" in schema:
        return " \\| ".join(f'`"{v}"`' if isinstance(v, str) else f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "anyOf" in schema or "oneOf" in schema:
        parts = [_type_name(s, root) for s in schema.get("anyOf", schema.get("oneOf", []))]
        return " \\| ".join(dict.fromkeys(p for p in parts))
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        inner = _type_name(items, root) if isinstance(items, dict) else "value"
        return f"list of {inner}"
    if kind == "object":
        return "table"
    names = {"number": "number", "integer": "integer", "string": "string", "boolean": "boolean",
             "null": "none"}
    if isinstance(kind, list):
        return " \\| ".join(names.get(k, k) for k in kind)
    if schema.get("format") == "date":
        return "date"
    return names.get(kind, str(kind or "value"))


def _bounds(schema: dict[str, Any]) -> str:
    parts = []
    for key, word in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                      ("exclusiveMaximum", "<")):
        if key in schema:
            parts.append(f"{word} {schema[key]:g}" if isinstance(schema[key], float)
                         else f"{word} {schema[key]}")
    if "minItems" in schema or "maxItems" in schema:
        lo, hi = schema.get("minItems"), schema.get("maxItems")
        parts.append(f"{lo} items" if lo == hi else
                     f"{lo if lo is not None else 0}..{hi if hi is not None else '∞'} items")
    if "minLength" in schema:
        parts.append(f"length >= {schema['minLength']}")
    if "maxLength" in schema:
        parts.append(f"length <= {schema['maxLength']}")
    if "format" in schema and schema["format"] not in ("date",):
        parts.append(schema["format"])
    for alt in schema.get("anyOf", []):
        inner = _bounds(alt)
        if inner and alt.get("type") != "array":
            parts.append(inner)
        elif inner:
            parts.append(f"each: {inner}")
    items = schema.get("items")
    if isinstance(items, dict) and "$ref" not in items:
        inner = _bounds(items)
        if inner:
            parts.append(f"each: {inner}")
    text = "; ".join(dict.fromkeys(parts))
    while "each: each: " in text:
        text = text.replace("each: each: ", "each: ")
    return text


def _default(schema: dict[str, Any], required: bool) -> str:
    if "default" in schema:
        return f"`{json.dumps(schema['default'], ensure_ascii=False)}`"
    return "required" if required else ""


def _walk(schema: dict[str, Any], root: dict[str, Any], prefix: str, out: list[_Field],
          seen: tuple[str, ...] = ()) -> None:
    required = set(schema.get("required", []))
    for name, raw in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        sub = _resolve(raw, root)
        description = raw.get("description") or sub.get("description", "")
        if "$ref" not in raw and "anyOf" in raw:
            refs = [s for s in raw["anyOf"] if "$ref" in s]
            description = description or (refs and _resolve(refs[0], root).get("description"))
        out.append(_Field(path, _type_name(raw, root), _default(raw, name in required),
                          _bounds(raw), _cell(str(description or "").split("\n\n")[0])))
        for target, suffix in _children(raw, root):
            key = target.get("title", "")
            if key in seen:
                continue
            _walk(target, root, path + suffix, out, (*seen, key))


def _children(schema: dict[str, Any], root: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Nested tables below a field, with the path suffix their keys take."""
    found: list[tuple[dict[str, Any], str]] = []
    candidates = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    for cand in candidates:
        cand_r = _resolve(cand, root)
        if "properties" in cand_r and ("$ref" in cand or cand is not schema):
            found.append((cand_r, "."))
        elif "properties" in cand_r:
            found.append((cand_r, "."))
        extra = cand_r.get("additionalProperties")
        if isinstance(extra, dict):
            extra_r = _resolve(extra, root)
            if "properties" in extra_r:
                found.append((extra_r, ".NAME."))
            for alt in extra.get("anyOf", []):
                alt_r = _resolve(alt, root)
                if "properties" in alt_r:
                    found.append((alt_r, ".NAME."))
        items = cand_r.get("items")
        if cand_r.get("type") == "array" and isinstance(items, dict):
            items_r = _resolve(items, root)
            if "properties" in items_r:
                found.append((items_r, "[i]."))
    unique: dict[str, tuple[dict[str, Any], str]] = {}
    for target, suffix in found:
        unique.setdefault(target.get("title", "") + suffix, (target, suffix))
    return list(unique.values())


def schema_fields(schema: dict[str, Any]) -> list[_Field]:
    """Every field of the scenario JSON Schema, as dotted paths (``NAME`` for a table key)."""
    out: list[_Field] = []
    _walk(schema, schema, "", out)
    return out


def schema_markdown(schema: dict[str, Any]) -> str:
    """The scenario-format reference page, one table per top-level section."""
    fields = schema_fields(schema)
    lines = [
        "# Scenario format",
        "",
        "Generated from `slasim schema` (the JSON Schema of `slasim.scenario.schema.Scenario`) when the",
        "site is built: every field, its type, default, bounds and meaning. `NAME` stands for a",
        "key you choose (a tier or shift name), `[i]` for an entry of a list. A field without a",
        "default and marked *required* must be given; `slasim check` names any mistake with the",
        "file, the field path, the bad value and what was expected. "
        "[Write a scenario](../how-to/scenario.md) shows an annotated file; the bounds are",
        "explained on [Errors, exit codes and output files](errors.md).",
        "",
    ]
    tops = {f.path.split(".")[0].split("[")[0] for f in fields if "." in f.path or "[" in f.path}
    sections: dict[str, list[_Field]] = {}
    for f in fields:
        top = f.path.split(".")[0].split("[")[0]
        sections.setdefault(top if top in tops else "", []).append(f)
    for top, rows in sorted(sections.items(), key=lambda kv: kv[0] != ""):
        title = f"`[{top}]`" if top else "Top level"
        lines += [f"## {title}", "", "| field | type | default | bounds | meaning |",
                  "|---|---|---|---|---|"]
        lines += [f"| `{f.path}` | {f.type} | {f.default} | {f.bounds} | {f.description} |"
                  for f in rows]
        lines.append("")
    return "\n".join(lines)


# --- Python API -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiModule:
    """A public module (no leading underscore) and the names its ``__all__`` exports."""

    name: str
    names: tuple[str, ...]
    summary: str

    @property
    def page(self) -> str:
        return f"{self.name.replace('.', '/')}.md"


#: Modules that only wire argparse subcommands or start the program: in the CLI reference.
_NOT_API = {"slasim.__main__"}


def api_modules() -> list[ApiModule]:
    """Every public module of slasim with an ``__all__``, sorted by name."""
    import slasim

    found = [ApiModule("slasim", tuple(n for n in slasim.__all__ if n != "__version__"),
                       (slasim.__doc__ or "").strip().splitlines()[0])]
    for info in pkgutil.walk_packages(slasim.__path__, "slasim."):
        if any(part.startswith("_") for part in info.name.split(".")) or info.name in _NOT_API:
            continue
        module = importlib.import_module(info.name)
        names = tuple(getattr(module, "__all__", ()))
        if not names:
            continue
        doc = (module.__doc__ or "").strip()
        found.append(ApiModule(info.name, names, doc.splitlines()[0] if doc else ""))
    return sorted(found, key=lambda m: m.name)


def api_module_markdown(module: ApiModule) -> str:
    """One API page: the module docstring and every name of its ``__all__`` (mkdocstrings)."""
    members = "\n".join(f"        - {n}" for n in module.names)
    return (
        f"# `{module.name}`\n\n"
        f"::: {module.name}\n"
        "    options:\n"
        "      show_root_heading: false\n"
        "      members:\n"
        f"{members}\n"
    )


def api_index_markdown(modules: list[ApiModule]) -> str:
    """The API overview page: one row per public module with its first docstring line."""
    lines = [
        "# Python API",
        "",
        "Generated from the docstrings (mkdocstrings) when the site is built: every public module",
        "(no leading underscore) and every name in its `__all__`. The entry points most scripts",
        "need are `slasim.load_scenario`, `slasim.simulate` and `slasim.compare`; the rest is",
        "what the commands are built from.",
        "",
        "| module | what it holds |",
        "|---|---|",
    ]
    for m in modules:
        lines.append(f"| [`{m.name}`]({m.page}) | {_cell(m.summary)} |")
    return "\n".join(lines) + "\n"
