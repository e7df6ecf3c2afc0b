"""`mbcost report SPEC... -o report.html` and the html format: one self-contained page (nothing fetched:
no script, no stylesheet link, no external reference), holding every total of the JSON report of the
same spec, the budget verdicts and one inline SVG chart per spec (and one comparing them); opened in a
real headless Chromium, it draws something and its text holds the totals."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from .conftest import run

pytest.importorskip("matplotlib")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)")


class _Text(HTMLParser):
    """The text a reader sees (not the stylesheet), and each <section id=...>'s own text."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.sections: dict[str, list[str]] = {}
        self.open: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self.skip += 1
        if tag == "section":
            self.open.append(dict(attrs).get("id", ""))

    def handle_endtag(self, tag):
        if tag == "style":
            self.skip -= 1
        if tag == "section" and self.open:
            self.open.pop()

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)
            for name in self.open:
                self.sections.setdefault(name, []).append(data)


def _text(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def _totals(*args) -> dict:
    result = run("analyze", *args, "--format", "json")
    assert result.exit_code == 0
    return json.loads(result.stdout)["total"]


def _assert_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<link" not in html and "<iframe" not in html and "@import" not in html
    assert not re.search(r"\ssrc=", html)
    assert all(ref.startswith("#") for ref in re.findall(r'href="([^"]*)"', html))  # also xlink:href in the SVGs
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", html))


def test_report_of_two_specs_holds_their_totals_verdicts_and_charts(tmp_path):
    out = tmp_path / "report.html"
    result = run("report", "mobilenet_v2", "mobilenet_v3_large", "--max-macs", "250M", "-o", out)
    assert result.exit_code == 0, result.output  # a report is not a gate: check is
    html = out.read_text()
    _assert_self_contained(html)
    assert html.count("<svg") == 3  # a layers chart per spec, and the stage-by-stage comparison
    text = _text(html)
    for n, name in enumerate(("mobilenet_v2", "mobilenet_v3_large"), start=1):
        section = "".join(text.sections[f"spec-{n}"])
        for key, value in _totals(name).items():
            assert f"{value:,}" in section, (name, key, value)
        assert "MACs" in section
    # MobileNetV2's 300.8M MACs are over 250M (its paper, Table 4: 300M); MobileNetV3-Large's 217M are not
    # (its paper, Table 3: 219M)
    assert "✗ over" in "".join(text.sections["spec-1"]) and "✓ ok" in "".join(text.sections["spec-2"])
    assert "over budget: mobilenet_v2 (width 1.0, 224 px)" in "".join(text.parts)
    assert "Compared" in "".join(text.sections["compare"])


def test_a_spec_without_a_budget_says_so(tmp_path):
    out = tmp_path / "r.html"
    assert run("report", "mobilenet_v1@0.5,160", "-o", out).exit_code == 0
    section = "".join(_text(out.read_text()).sections["spec-1"])
    assert "No budget" in section
    for key, value in _totals("mobilenet_v1", "--alpha", "0.5", "--resolution", "160").items():
        assert f"{value:,}" in section, key


@pytest.mark.parametrize(
    "args, words",
    [
        (["mobilenet_v2", "-o", "{tmp}/r.pdf"], "the report is one HTML file: name it .html"),
        (["no_such_spec", "-o", "{tmp}/r.html"], "no_such_spec"),
        (["mobilenet_v2", "--max-macs", "-3", "-o", "{tmp}/r.html"], "--max-macs"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(tmp_path, args, words):
    result = run("report", *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_analyze_writes_a_page_when_the_name_says_html(tmp_path):
    out = tmp_path / "v1.html"
    assert run("analyze", "mobilenet_v1", "-o", out).exit_code == 0
    html = out.read_text()
    _assert_self_contained(html)
    assert "blocks.12.pointwise" in "".join(_text(html).parts)
    result = run("check", "mobilenet_v1", "--max-macs", "500M", "--format", "html")
    assert result.exit_code == 1 and "✗ over" in result.stdout  # 568.7M MACs (v1 paper, Table 1: 569M)


def _chromium(tmp_path, *args):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(command, capture_output=True, timeout=180, check=False)


@needs_chromium
def test_chromium_draws_the_report_and_its_text_holds_the_totals(tmp_path):
    import numpy as np
    from matplotlib.image import imread

    out = tmp_path / "report.html"
    assert run("report", "mobilenet_v3_small", "mobilenet_v2@0.5", "--max-params", "3M", "-o", out).exit_code == 0
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", out.as_uri())
    pixels = imread(shot)
    assert pixels.shape[:2] == (2000, 1280)
    grey = pixels[..., :3].mean(axis=2)
    assert grey.std() > 0.05  # not a blank page
    assert (grey < 0.3).mean() > 0.005  # text and bars: dark pixels
    colours = {tuple(np.round(p, 1)) for p in pixels[::7, ::7, :3].reshape(-1, 3)}
    assert len(colours) > 10  # the charts' colours, not only black on white
    dom = _chromium(tmp_path, "--dump-dom", out.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = _text(dom.stdout.decode("utf-8"))
    for n, args in enumerate((["mobilenet_v3_small"], ["mobilenet_v2", "--alpha", "0.5"]), start=1):
        section = "".join(text.sections[f"spec-{n}"])
        for key, value in _totals(*args).items():
            assert f"{value:,}" in section, (args, key)
