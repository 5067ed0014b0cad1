"""mkdocs-gen-files script: the generated reference pages and the executed tutorial notebooks.

Run by ``mkdocs build`` (plugin ``gen-files`` in mkdocs.yml); nothing it writes is committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import mkdocs_gen_files

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reference  # noqa: E402
import transcripts  # noqa: E402

import notebooks  # noqa: E402
from slasim.cli.main import build_parser  # noqa: E402
from slasim.scenario.schema import Scenario  # noqa: E402

with mkdocs_gen_files.open("reference/cli.md", "w") as fh:
    fh.write(reference.cli_markdown(build_parser()))

schema = Scenario.model_json_schema()
with mkdocs_gen_files.open("reference/scenario-format.md", "w") as fh:
    fh.write(reference.schema_markdown(schema))
with mkdocs_gen_files.open("reference/slasim.schema.json", "w") as fh:
    json.dump(schema, fh, indent=2)

modules = reference.api_modules()
with mkdocs_gen_files.open("reference/api/index.md", "w") as fh:
    fh.write(reference.api_index_markdown(modules))
nav = ["* [Overview](index.md)"]
for module in modules:
    with mkdocs_gen_files.open(f"reference/api/{module.page}", "w") as fh:
        fh.write(reference.api_module_markdown(module))
    nav.append(f"* [{module.name}]({module.page})")
with mkdocs_gen_files.open("reference/api/SUMMARY.md", "w") as fh:
    fh.write("\n".join(nav) + "\n")

for path in notebooks.executed():
    with mkdocs_gen_files.open(f"tutorials/{path.name}", "wb") as fh:
        fh.write(path.read_bytes())

transcripts.check_files_exist()
