"""Server-rendered SVG charts for the performance page. Pure: (label, rate, sample size) in, SVG
text out; no script, so /admin stays JavaScript-free and the Zendesk app shows the same markup."""
from __future__ import annotations

from html import escape

WIDTH, ROW, LABEL_W, BAR_W = 560, 22, 170, 300


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def bars(title: str, items: list[tuple[str, float | None, int]]) -> str:
    """One horizontal bar per item, its rate as the bar and the sample size beside it
    (an item measured on nothing shows a dash and n = 0, never an empty bar that reads as 0 %)."""
    height = 30 + ROW * max(1, len(items))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}"><title>{escape(title)}</title>',
           f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    if not items:
        out.append('<text x="0" y="42" font-size="12">no tickets measured yet</text>')
    for i, (label, rate, n) in enumerate(items):
        y = 26 + i * ROW
        width = 0 if rate is None else max(1, round(BAR_W * rate))
        out.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(label[:26])}</text>'
                   f'<rect x="{LABEL_W}" y="{y + 3}" width="{BAR_W}" height="14" fill="#eef0f3"/>'
                   f'<rect x="{LABEL_W}" y="{y + 3}" width="{width}" height="14" fill="#3b7dd8">'
                   f'<title>{escape(label)}: {_pct(rate)} of {n}</title></rect>'
                   f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 14}" font-size="12">{_pct(rate)} '
                   f'<tspan fill="#666">n={n}</tspan></text>')
    out.append("</svg>")
    return "".join(out)


def weekly(title: str, points: list[tuple[str, float | None, int]]) -> str:
    """A column per week (oldest first), the rate as its height, the sample size under it."""
    height, base, top = 190, 150, 30
    step = max(1, min(70, (WIDTH - 40) // max(1, len(points))))  # a lone week is a column, not a wall
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}"><title>{escape(title)}</title>',
           f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
           f'<line x1="30" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#999"/>',
           f'<text x="0" y="{top + 4}" font-size="10">100%</text><text x="0" y="{base}" font-size="10">0%</text>']
    if not points:
        out.append(f'<text x="40" y="{base - 40}" font-size="12">no tickets measured yet</text>')
    for i, (week, rate, n) in enumerate(points):
        x = 40 + i * step
        h = 0 if rate is None else round((base - top) * rate)
        out.append(f'<rect x="{x}" y="{base - h}" width="{max(4, step - 8)}" height="{h}" fill="#3b7dd8">'
                   f'<title>{escape(week)}: {_pct(rate)} of {n}</title></rect>'
                   f'<text x="{x}" y="{base - h - 4}" font-size="10">{_pct(rate)}</text>'
                   f'<text x="{x}" y="{base + 14}" font-size="10">{escape(week[-3:])}</text>'
                   f'<text x="{x}" y="{base + 28}" font-size="10" fill="#666">n={n}</text>')
    out.append("</svg>")
    return "".join(out)
