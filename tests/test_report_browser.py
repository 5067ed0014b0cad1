"""The HTML report opens in headless Chromium: no console messages, every figure decoded.

Skips (with the reason) only when Chromium is not installed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from slasim.loader import load_scenario
from slasim.report.build import build_report

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (apt-get install chromium)"
)
# Marks the images that decoded; the report itself has no script (the probe is added here).
PROBE = (
    '<script>window.addEventListener("load",function(){var i=Array.from(document.images);'
    'document.body.setAttribute("data-images",i.filter(function(x){return x.complete&&'
    'x.naturalWidth>0}).length+"/"+i.length);console.log("probe-done");});</script>'
)


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
    run = _chromium(html_path, tmp_path, f"--screenshot={shot}", "--window-size=1240,3000")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert _console(run.stderr) == []
    import matplotlib.image

    pixels = np.asarray(matplotlib.image.imread(shot))[..., :3]
    # Not blank: a white page has zero variance; text, tables and figures give plenty.
    assert pixels.std() > 0.05
    # Figures start below the first screenful of text: the lower half must hold colour too
    # (tier colours are saturated; text and tables are grey).
    lower = pixels[pixels.shape[0] // 2 :]
    saturation = lower.max(axis=-1) - lower.min(axis=-1)
    assert (saturation > 0.3).mean() > 0.001
