"""The report's pages: ``index.html``, and the whole report as one file.

Both are HTML with inline PNG figures; the single file holds the index and every notebook
page as sections, with a table of contents of plain anchors and a print style sheet, so that
it prints to PDF from the browser. The index's charts are interactive
(:mod:`forecast.report.vega`): the page loads the chart library from the report
folder (``vendor/``, a relative ``<script src>``), the single file holds it inline, once;
nothing comes from the network, and the PNGs stay for print and for a browser without
JavaScript.
"""

from __future__ import annotations

import html
import re

from forecast.report.context import ReportContext
from forecast.report.sections import index_body
from forecast.report.vega import CHART_CSS, has_charts, page_scripts

#: The index page's style (also the single file's, with :data:`SINGLE_CSS`).
INDEX_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222;
  padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
td, th { border: 1px solid #ccc; padding: 4px 10px; }
th { background: #f2f2f2; } td { text-align: right; } td:last-child { text-align: left; }
.headline td:first-child, #past-scores td:first-child { text-align: left; }
.headline td:last-child, #past-scores td:last-child { text-align: right; }
#from-today-table td:first-child, #expectations-table td:first-child { text-align: left; }
#from-today-table td:last-child, #expectations-table td:last-child { text-align: right; }
#questions td { text-align: left; }
h1 { font-size: 1.7em; margin: 0.4em 0 0.3em; }
img { max-width: 100%; } .meta { color: #555; }
pre { background: #f6f6f6; padding: 0.6em 0.8em; overflow-x: auto; white-space: pre-wrap; }
.warning { background: #fff3cd; border: 2px solid #d39e00; padding: 0.8em 1em; margin: 1em 0; }
.past { background: #eef4fb; border-left: 4px solid #0072B2; padding: 0.6em 1em; }
.fail { color: #b00020; font-weight: bold; } .pass { color: #1b7a1b; font-weight: bold; }
.caution { color: #8a5300; font-size: small; }
td.resolution { text-align: left; font-size: small; color: #444; max-width: 30em; }
"""

#: Style of the single-file report: a table of contents, sections, and print rules.
SINGLE_CSS = """
nav#contents { border: 1px solid #ccc; background: #fafafa; padding: 0.5em 1.5em;
  margin: 1em 0 2em; }
nav#contents a { color: #0b5394; text-decoration: underline; }
section.page { border-top: 3px solid #444; margin-top: 3em; padding-top: 1em; }
section.page:first-of-type { border-top: none; margin-top: 0; }
section.jp-Notebook { overflow: visible; background: none; padding: 0; font-size: 14px; }
a.back { font-size: small; color: #0b5394; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { max-width: none; margin: 0; padding: 0; }
  a.back { display: none; }
  section.page { break-before: page; border-top: none; margin-top: 0; }
  section.page:first-of-type { break-before: auto; }
  img { max-width: 100% !important; height: auto; break-inside: avoid; }
  table, pre, .warning, .past { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  .jp-Cell { break-inside: avoid-page; }
}
"""


def _document(title: str, styles: list[str], body: str) -> str:
    style = "\n".join(f"<style>{s}</style>" for s in styles)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{style}\n</head><body>\n{body}\n</body></html>\n"
    )


TITLE = "forecast: North Korean weapons tests and negotiations"


def index_page(ctx: ReportContext, sections=None) -> str:
    """The report's ``index.html`` (its charts load the library from ``vendor/``: the build
    writes it there when the page has a chart)."""
    body = index_body(ctx, sections)
    scripts = page_scripts(inline=False) if has_charts(body) else ""
    return _document(TITLE, [INDEX_CSS, SINGLE_CSS, CHART_CSS], f"{body}\n{scripts}")


#: Said once at the top of the single file: the tables it names are files of the report folder.
SINGLE_FILE_NOTE = (
    "This single file holds the pages and figures of the report. The tables it names "
    "(<code>headline.csv</code> and the other <code>.csv</code> files) are files of the report's "
    "folder, written beside its <code>index.html</code>, not part of this file."
)


def scoped_anchors(cells: str, prefix: str) -> str:
    """A notebook page's ids and in-page links prefixed with ``prefix`` (``Setup`` ->
    ``02_priors--Setup``), so that pages sharing a heading ("Setup", "Parameters") keep
    distinct anchors in the single file, each link leading within its own page."""
    cells = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}--{m[1]}"', cells)
    return re.sub(r'\bhref="#([^"]+)"', lambda m: f'href="#{prefix}--{m[1]}"', cells)


def single_file_page(ctx: ReportContext, sections=None) -> str:
    """The whole report as one page: the index, then every notebook page as a section.

    A table of contents of plain anchors leads to the sections, each notebook section links
    back to it, figures are the pages' inline PNGs, the index's charts draw with the library
    inlined once at the end, and JupyterLab's style is included once. The print style sheet
    starts each section on a new page and prints the charts' PNGs.
    """
    from dataclasses import replace

    ctx = replace(ctx, single=True)
    toc = "\n".join(
        ['<li><a href="#overview">Overview: outlook, diagnostics, data</a></li>']
        + [f'<li><a href="#{p.name}">{html.escape(p.title)}</a></li>' for p in ctx.pages]
    )
    parts = [
        f'<nav id="contents"><b>Contents</b><ol>\n{toc}\n</ol>\n<p class="files">{SINGLE_FILE_NOTE}'
        "</p></nav>",
        f'<section id="overview" class="page">\n{index_body(ctx, sections)}\n</section>',
    ]
    for page in ctx.pages:
        parts.append(
            f'<section id="{page.name}" class="page jp-Notebook" data-jp-theme-light="true">\n'
            f'<a class="back" href="#contents">&uarr; contents</a>\n'
            f"{scoped_anchors(page.cells, page.name)}\n</section>"
        )
    notebook_css = ctx.pages[0].css if ctx.pages else ""
    body = "\n".join(parts)
    scripts = page_scripts(inline=True) if has_charts(parts[1]) else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(TITLE)}</title>\n{notebook_css}\n"
        f"<style>{INDEX_CSS}</style>\n<style>{SINGLE_CSS}</style>\n<style>{CHART_CSS}</style>\n"
        f'</head><body data-jp-theme-light="true">\n{body}\n{scripts}\n</body></html>\n'
    )


# --- building ----------------------------------------------------------------------------------
