"""The market benchmark's figures as one small SVG (no plotting library is installed): each
target figure as a bar against its target line, the L1/L2/L3 split beside the seeds' 80/15/5,
the clique's flip share at 10–40 % of the stake (the court study), and the jurors' net earnings
per population."""

from __future__ import annotations

from html import escape
from typing import Any

from bench.market_sim.figures import TARGETS
from bench.market_sim.populations import SEED_TIERS

W, ROW = 640, 26


def _bar(y: int, label: str, value: float, scale: float, color: str, note: str = "") -> str:
    width = max(1.0, min(1.0, value / scale if scale else 0) * 300)
    return (
        f'<text x="10" y="{y + 16}" font-size="12">{escape(label)}</text>'
        f'<rect x="230" y="{y + 4}" width="{width:.1f}" height="16" fill="{color}"/>'
        f'<text x="{236 + width:.1f}" y="{y + 16}" font-size="11">{escape(note)}</text>'
    )


def render(figures: dict[str, Any], title: str) -> str:
    parts, y = [], 40
    parts.append(f'<text x="10" y="24" font-size="15" font-weight="bold">{escape(title)}</text>')
    for name, (op, bound) in TARGETS.items():
        value = figures[name]
        ok = value <= bound if op == "<=" else value >= bound
        scale = max(bound * 2, value) if op == "<=" else 1.0
        x = 230 + bound / scale * 300
        parts.append(
            _bar(
                y,
                name,
                value,
                scale,
                "#2a7" if ok else "#c33",
                f"{value:.4f} (target {op} {bound})",
            )
        )
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 2}" y2="{y + 22}" '
            'stroke="#000" stroke-dasharray="3,2"/>'
        )
        y += ROW
    y += 10
    split = figures["tiers"]["split"]
    for tier in ("L1", "L2", "L3"):
        parts.append(_bar(y, f"{tier} share (run)", split[tier], 1.0, "#47a", f"{split[tier]:.3f}"))
        y += ROW
        parts.append(
            _bar(
                y, f"{tier} share (seeds)", SEED_TIERS[tier], 1.0, "#aab", f"{SEED_TIERS[tier]:.2f}"
            )
        )
        y += ROW
    y += 10
    for point in figures.get("clique_curve") or []:  # the court study: final flips per share
        share, flips = point["clique_share"], point["flip_share"]
        note = f"{flips:.3f} of {point['cases']} rulings (95 % bound {point['flip_share_upper95']})"
        parts.append(_bar(y, f"clique at {share:.0%}: flips", flips, 0.02, "#a5a", note))
        y += ROW
    y += 10
    net = figures.get("juror_net_wei") or {}
    top = max([abs(v) for v in net.values()] or [1])
    for population, wei in sorted(net.items()):
        parts.append(
            _bar(
                y,
                f"jurors {population} net",
                abs(wei),
                top,
                "#2a7" if wei > 0 else "#c33",
                f"{wei / 1e18:+.4f} ETH",
            )
        )
        y += ROW
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{y + 10}" '
        f'font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>'
        + "".join(parts)
        + "</svg>\n"
    )
