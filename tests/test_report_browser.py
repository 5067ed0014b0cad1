"""The HTML report opens in headless Chromium: no console messages, every figure decoded.

Skips (with the reason) only when Chromium is not installed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slasim.crm import export_leads, read_crm
from slasim.crm.track.tracker import track
from slasim.measure.experiment import simulate
from slasim.render.dashboard import dashboard_html
from slasim.render.report.build import build_report
from slasim.scenario.load import load_scenario

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (apt-get install chromium)"
)
# Marks the images that decoded and the page's width against the window's; the report itself
# has no script (the probe is added here).
PROBE = (
    '<script>window.addEventListener("load",function(){var i=Array.from(document.images);'
    'document.body.setAttribute("data-images",i.filter(function(x){return x.complete&&'
    'x.naturalWidth>0}).length+"/"+i.length);'
    'document.body.setAttribute("data-width",document.documentElement.scrollWidth+"/"+'
    'window.innerWidth);console.log("probe-done");});</script>'
)
#: A phone (390 px) and a laptop (1280 px): the page must fit both without sideways scrolling.
WIDTHS = (390, 1280)


def _chromium(page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _console(log: str) -> list[str]:
    return re.findall(r"CONSOLE[^\]]*\] (.*)", log)


def test_console_detection_catches_an_error(tmp_path: Path) -> None:
    # Guards the check below: a page that logs an error must be seen as logging something.
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><p>x</p><script>console.error("boom")</script>')
    run = _chromium(page, tmp_path, "--dump-dom")
    assert any('"boom"' in line for line in _console(run.stderr))


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "scenarios"
    base, *options = (
        load_scenario(root / f"{n}.toml")
        for n in ("baseline", "option-fast-response", "option-higher-quota")
    )
    report = build_report(base, options=options, reps=6, seed=1, workers=1, lang="sv")
    html_path, _ = report.write(tmp_path / "report.html")
    html = html_path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no network resources
    n_images = html.count("<img ")
    assert n_images == 6  # p_met, options, funnel, response times, decay, staffing

    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    run = _chromium(probe, tmp_path, "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    assert f'data-images="{n_images}/{n_images}"' in run.stdout
    messages = _console(run.stderr)
    assert len(messages) == 1 and messages[0].startswith('"probe-done"'), messages

    shot = tmp_path / "shot.png"
    # Page 1 is the decision and the agreement: the figures come after ~3,000 px of text.
    run = _chromium(html_path, tmp_path, f"--screenshot={shot}", "--window-size=1240,7000")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert _console(run.stderr) == []
    import matplotlib.image

    pixels = np.asarray(matplotlib.image.imread(shot))[..., :3]
    # Not blank: a white page has zero variance; text, tables and figures give plenty.
    assert pixels.std() > 0.05
    # Figures start below the decision and the agreement: the lower half must hold colour
    # (tier colours are saturated; text and tables are grey).
    lower = pixels[pixels.shape[0] // 2 :]
    saturation = lower.max(axis=-1) - lower.min(axis=-1)
    assert (saturation > 0.3).mean() > 0.001


def _framed(html: str, width: int, height: int) -> str:
    """``html`` in an iframe ``width`` px wide: headless Chromium's window is at least 500 px,
    so the phone width is the frame's. A ``srcdoc`` frame shares the wrapper's origin, so its
    probe can report to the wrapper's body, which ``--dump-dom`` prints."""
    import html as html_module

    probe = PROBE.replace(
        'console.log("probe-done")',
        'parent.document.body.setAttribute("data-images",document.body.getAttribute('
        '"data-images"));parent.document.body.setAttribute("data-width",document.body.'
        'getAttribute("data-width"));console.log("probe-done")',
    )
    inner = html.replace("</body>", probe + "</body>")
    return (
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe style="border:0;width:{width}px;height:{height}px" '
        f'srcdoc="{html_module.escape(inner, quote=True)}"></iframe></body></html>'
    )


def _layout(html: str, tmp: Path, width: int, name: str) -> tuple[int, int]:
    """Open ``html`` at ``width`` px: every image decoded, no console message, no page wider
    than the window. Returns (scrollWidth, innerWidth); leaves a screenshot ``name-width.png``."""
    n_images = html.count("<img ")
    window = f"--window-size={max(width, 500)},2400"
    probe = tmp / f"{name}-{width}-probe.html"
    probe.write_text(_framed(html, width, 2400), encoding="utf-8")
    run = _chromium(probe, tmp, "--dump-dom", window)
    assert run.returncode == 0, run.stderr[-2000:]
    assert f'data-images="{n_images}/{n_images}"' in run.stdout
    messages = _console(run.stderr)
    assert len(messages) == 1 and messages[0].startswith('"probe-done"'), messages
    found = re.search(r'data-width="(\d+)/(\d+)"', run.stdout)
    assert found, run.stdout[:500]
    scroll, inner = int(found.group(1)), int(found.group(2))
    assert inner == width
    shot = tmp / f"{name}-{width}.png"
    run = _chromium(probe, tmp, f"--screenshot={shot}", window)
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    return scroll, inner


@pytest.mark.parametrize("width", WIDTHS)
def test_report_fits_phone_and_laptop(tmp_path: Path, width: int) -> None:
    # Wide tables (options side by side, staffing levels) scroll inside their own container.
    root = Path(__file__).resolve().parent.parent / "scenarios"
    base, *options = (
        load_scenario(root / f"{n}.toml")
        for n in ("baseline", "option-fast-response", "option-higher-quota")
    )
    report = build_report(base, options=options, reps=4, seed=1, workers=1, staffing=False)
    assert report.html.count('<div class="table-wrap">') == report.html.count("<table")
    scroll, inner = _layout(report.html, tmp_path, width, "report")
    assert scroll <= inner, f"the page is {scroll} px wide in a {inner} px window"


@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_fits_phone_and_laptop(tmp_path: Path, width: int) -> None:
    scenario = load_scenario(Path(__file__).resolve().parent.parent / "scenarios/baseline.toml")
    month = simulate(scenario, 1, seed=11, keep_records=True).records[0]  # type: ignore[index]
    csv = tmp_path / "leads.csv"
    export_leads(scenario, month, csv)
    crm = read_crm(csv, timezone=scenario.horizon.timezone, tiers=list(scenario.tiers))
    as_of = pd.Timestamp("2026-05-01", tz=scenario.horizon.timezone)
    result = track(crm, scenario, reps=4, seed=0, as_of=as_of)
    html = dashboard_html(result)
    assert html.count("<img ") >= 1
    scroll, inner = _layout(html, tmp_path, width, "dashboard")
    assert scroll <= inner, f"the page is {scroll} px wide in a {inner} px window"
