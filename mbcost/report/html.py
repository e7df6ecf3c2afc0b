"""A self-contained HTML page: inline CSS, charts as inline SVG, no script and nothing fetched from the
network, so the one file opens the same attached to a pull request, as a CI artifact or offline."""

from __future__ import annotations

from html import escape

CSS = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #5c5c5c; --rule: #d7d7d7; --band: #f4f4f4;
        --ok: #006b4f; --over: #b23b00; --bar: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 78rem; padding: 1.5rem; color: var(--ink); background: #fff;
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .5rem; padding-top: .6rem; border-top: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.lead, p.generator { color: var(--muted); margin: .2rem 0; }
nav ul { padding-left: 1.2rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.best td { font-weight: 700; }
tr.muted td { color: var(--muted); }
tfoot td { font-weight: 700; border-top: 2px solid var(--ink); }
.scroll { overflow-x: auto; max-height: 38rem; overflow-y: auto; }
.ok { color: var(--ok); font-weight: 600; }
.over { color: var(--over); font-weight: 700; }
.verdict { font-size: 1.05rem; padding: .5rem .8rem; border-left: 5px solid var(--ok); background: var(--band); }
.verdict.failed { border-left-color: var(--over); }
.bar { display: inline-block; height: .7rem; background: var(--bar); vertical-align: middle; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .92em; }
ul.notes { padding-left: 1.2rem; color: var(--ink); }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .9rem; }
"""


def svg_inline(svg: bytes | str) -> str:
    """An SVG file's text ready to sit inside HTML: from the <svg> element on (no XML prolog or doctype)."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    return text[text.index("<svg"):]


def figure(svg: bytes | str, caption: str) -> str:
    return f"<figure>{svg_inline(svg)}<figcaption>{escape(caption)}</figcaption></figure>"


def page(title: str, body: list[str], lead: str = "", generator: str = "") -> str:
    """The whole page: `body` is HTML already escaped (sections, tables, figures)."""
    head = f'<h1>{escape(title)}</h1>'
    if lead:
        head += f'<p class="lead">{escape(lead)}</p>'
    if generator:
        head += f'<p class="generator">{escape(generator)}</p>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header>{head}</header>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )
