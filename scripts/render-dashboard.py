"""Renders a dashboard snapshot (JSON from libs/testing's snapshotDashboard) to one PNG per panel
and an overview PNG of them all, as the Grafana dashboard would draw them (no Grafana needed).

    .local/plot-venv/bin/python scripts/render-dashboard.py <snapshot.json> <out-dir>
(scripts/render-dashboard.sh makes the venv with matplotlib from PyPI first)."""
import json
import math
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

UNITS = {
    "reqps": ("req/s", 1), "ops": ("/s", 1), "s": ("s", 1), "bytes": ("MB", 1e-6),
    "percentunit": ("%", 100), "short": ("", 1),
}


def slug(title):
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def draw(ax, panel, start):
    label, scale = UNITS.get(panel["unit"], ("", 1))
    drawn = 0
    for s in panel["series"]:
        points = [(t - start, v * scale) for t, v in s["points"] if v is not None and not math.isnan(v)]
        if not points:
            continue
        xs, ys = zip(*points)
        # a run's unique topic prefix says nothing on a picture
        legend = re.sub(r"t-[a-z0-9-]+-[0-9a-f]{8}\.", "", s["legend"]).strip() or "value"
        ax.plot(xs, ys, label=legend[:48], linewidth=1.4)
        drawn += 1
    ax.set_title(panel["title"], fontsize=11, loc="left")
    ax.set_xlabel("seconds into the run", fontsize=8)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} {label}".strip()))
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=8)
    if drawn:
        ax.legend(fontsize=7, loc="upper left", ncol=1 if drawn < 6 else 2)
    else:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)


def main():
    snapshot = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    start = snapshot["startS"]
    panels = snapshot["panels"]
    for panel in panels:
        fig, ax = plt.subplots(figsize=(8, 3.4), dpi=100)
        draw(ax, panel, start)
        fig.tight_layout()
        fig.savefig(out / f"{slug(panel['title'])}.png")
        plt.close(fig)
    cols = 2
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(14, 3.2 * rows), dpi=90, squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        draw(ax, panel, start)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out / "overview.png")
    print(f"rendered {len(panels)} panels into {out}")


if __name__ == "__main__":
    main()
