"""A tiny document model so that one report renders to both HTML and Markdown.

The agreement and evidence builders produce a list of blocks (headings, paragraphs, bullet
lists, tables of pre-formatted strings, figures as PNG bytes, callouts); :func:`to_html` and
:func:`to_markdown` render the same list, so the two versions cannot drift apart.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from slasim.render.page import png_figure_html, table_html

__all__ = [
    "Block",
    "Bullets",
    "Callout",
    "Figure",
    "Heading",
    "Paragraph",
    "Table",
    "md_escape",
    "to_html",
    "to_markdown",
]


@dataclass(frozen=True)
class Heading:
    """A section heading; ``level`` 2 is a top section (level 1 is the page title)."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """Plain text (escaped in HTML)."""

    text: str
    note: bool = False


@dataclass(frozen=True)
class Callout:
    """A highlighted paragraph: the headline of a section."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list; each item may start with a bold ``lead`` (item = (lead, text))."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A table of already formatted cells (strings), index shown when named."""

    frame: pd.DataFrame
    caption: str | None = None


@dataclass(frozen=True)
class Figure:
    """A rendered figure (PNG bytes) with alt text and caption."""

    png: bytes
    alt: str
    caption: str
    name: str  # file stem used when the Markdown version writes figures next to it


Block = Heading | Paragraph | Callout | Bullets | Table | Figure


def to_html(blocks: Sequence[Block], lang: str) -> str:
    """The HTML body of ``blocks`` (to be wrapped by :func:`slasim.render.page.render_page`)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            cls = ' class="note"' if block.note else ""
            out.append(f"<p{cls}>{html.escape(block.text)}</p>")
        elif isinstance(block, Callout):
            out.append(f'<p class="callout">{html.escape(block.text)}</p>')
        elif isinstance(block, Bullets):
            items = "".join(
                f"<li><strong>{html.escape(lead)}</strong> {html.escape(text)}</li>"
                if lead
                else f"<li>{html.escape(text)}</li>"
                for lead, text in block.items
            )
            out.append(f"<ul>{items}</ul>")
        elif isinstance(block, Table):
            out.append(table_html(block.frame, caption=block.caption, lang=lang))
        else:
            out.append(png_figure_html(block.png, block.alt, block.caption))
    return "\n".join(out)


def md_escape(text: object) -> str:
    """Text for Markdown, where raw HTML is live: ``&`` and ``<`` as entities.

    A scenario, tier or seller name such as ``<img src=x onerror=...>`` then shows as text in
    every Markdown viewer. Only these two characters can open a tag or an entity, so ``>``
    (``hot > warm``) stays readable in the plain text.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;")


def _md_cell(value: object) -> str:
    return md_escape(value).replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> str:
    frame = table.frame
    show_index = any(name is not None for name in frame.index.names)
    head = [str(n) for n in frame.index.names] if show_index else []
    head += [str(c) for c in frame.columns]
    rows = []
    for key, row in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        keys = (key if isinstance(key, tuple) else (key,)) if show_index else ()
        rows.append([*map(_md_cell, keys), *map(_md_cell, row)])
    lines = [f"*{md_escape(table.caption)}*", ""] if table.caption else []
    lines.append("| " + " | ".join(map(_md_cell, head)) + " |")
    lines.append("|" + "|".join("---" for _ in head) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def to_markdown(
    blocks: Sequence[Block], *, title: str, subtitle: str | None, figure_dir: str | None
) -> str:
    """Markdown of ``blocks``, readable as plain text.

    Figures link to ``{figure_dir}/{name}.png`` when ``figure_dir`` is given (the files are
    written by :meth:`slasim.render.report.build.Report.write`); otherwise their caption stands in.
    Text is escaped as HTML would need it (:func:`md_escape`): names in it cannot inject markup.
    """
    out = [f"# {md_escape(title)}"]
    if subtitle:
        out.append(f"*{md_escape(subtitle)}*")
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {md_escape(block.text)}")
        elif isinstance(block, Paragraph):
            out.append(f"*{md_escape(block.text)}*" if block.note else md_escape(block.text))
        elif isinstance(block, Callout):
            out.append(f"> {md_escape(block.text)}")
        elif isinstance(block, Bullets):
            out.append(
                "\n".join(
                    f"- **{md_escape(lead)}** {md_escape(text)}" if lead else f"- {md_escape(text)}"
                    for lead, text in block.items
                )
            )
        elif isinstance(block, Table):
            out.append(_md_table(block))
        elif figure_dir is not None:
            link = f"![{md_escape(block.alt)}]({figure_dir}/{block.name}.png)"
            out.append(f"{link}\n\n*{md_escape(block.caption)}*")
        else:
            out.append(f"*[{md_escape(block.caption)}]*")
    return "\n\n".join(out) + "\n"
