"""``slasim schema`` (registered by :mod:`slasim.cli.main`)."""

from __future__ import annotations

import argparse
import json

__all__ = ["register"]

EXIT_OK = 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``schema`` to the ``slasim`` subcommands."""
    p = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    p.set_defaults(func=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    from slasim.scenario.schema import Scenario

    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "slasim scenario"
    print(json.dumps(schema, indent=2))
    return EXIT_OK
