"""The replay report as one self-contained HTML file: inline CSS and SVG charts, no script, no
external asset (it is mailed around and opened offline), every ticket text escaped."""
from __future__ import annotations

from datetime import datetime, timezone
from html import escape

ACTIONS = (("sent", "#2e7d32"), ("drafted", "#1565c0"), ("escalated", "#ef6c00"), ("skipped", "#9e9e9e"))
RATES = (("precision", "#6a1b9a"), ("coverage", "#2e7d32"), ("send_precision", "#00838f"))
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}.wide{overflow-x:auto}.wide table{font-size:13px}td.text{text-align:left;white-space:pre-wrap;max-width:30rem;font-size:13px}
.figures{display:flex;flex-wrap:wrap;gap:1rem}.figure{background:#f6f7f9;border-radius:6px;padding:.6rem .9rem}
.figure b{display:block;font-size:1.3rem}.legend span{display:inline-block;margin-right:1rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
svg text{font:12px system-ui,sans-serif;fill:#333}.note{color:#666}
.warning{background:#fff4e5;border-left:4px solid #e8a33d;padding:.5rem .8rem}
.wide th,.wide td{white-space:nowrap;padding:.3rem .35rem}.wide th{white-space:normal;vertical-align:bottom}
.wide td.why{white-space:normal;text-align:left;color:#666}
"""


def pct(v) -> str:
    return "–" if v is None else f"{100 * v:.0f} %"


def num(v) -> str:
    return "–" if v is None else f"{v:.2f}"


def render(result: dict, title: str = "Deskhand replay") -> str:
    cats = result["per_category"]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    a = result["actions"]
    figures = [("tickets", result["n"]), ("would send", a.get("send", 0)), ("would draft", a.get("draft", 0)),
               ("would escalate", a.get("escalate", 0)), ("category accuracy", pct(result["accuracy"])),
               ("sent replies right", pct(result["send_precision"])),
               ("team's escalations also escalated", pct(result["escalation_recall"])),
               ("reply similarity (mean)", num(result["similarity"]["mean"]))]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p class='note'>{result['n']} solved tickets replayed in shadow on {now}, under the policy "
        f"{escape(result.get('policy') or 'in force')}. Nothing was written to the helpdesk. Thresholds are "
        f"proposed for {pct(result['target_precision'])} precision (send) and {pct(result['draft_precision'])} (draft).</p>",
        _trained_note(result.get("trained_on") or {}),
        "<div class='figures'>" + "".join(f"<div class='figure'>{escape(k)}<b>{escape(str(v))}</b></div>"
                                          for k, v in figures) + "</div>",
        "<h2>What Deskhand would have done, per category</h2>", _legend(ACTIONS), _stacked(cats),
        "<h2>Precision and coverage per category</h2>", _legend(RATES), _grouped(cats),
        "<h2>How close its replies are to the agents'</h2>",
        f"<p class='note'>Cosine similarity of sentence embeddings, {result['similarity']['n']} tickets where both "
        "Deskhand and an agent wrote a reply.</p>", _histogram(result["similarity"]["histogram"]),
        "<h2>Per category</h2>", _table(cats, result),
        "<h2>What would have been sent</h2>", _sample_note(result), _examples(result["examples"]),
        "</body></html>"]
    return "\n".join(parts)


def _legend(series) -> str:
    return "<p class='legend'>" + "".join(f"<span><i style='background:{c}'></i>{escape(n.replace('_', ' '))}</span>"
                                          for n, c in series) + "</p>"


def _stacked(cats: dict) -> str:
    """One horizontal bar per category, split by action."""
    label_w, bar_w, row_h = 170, 760, 22
    peak = max([sum(row[k] for k, _ in ACTIONS) for row in cats.values()] + [1])
    out = [f"<svg role='img' aria-label='actions per category' width='{label_w + bar_w + 60}' "
           f"height='{row_h * len(cats) + 10}' xmlns='http://www.w3.org/2000/svg'>"]
    for i, (cat, row) in enumerate(cats.items()):
        y, x = i * row_h + 5, label_w
        out.append(f"<text x='0' y='{y + 14}'>{escape(cat)}</text>")
        for key, colour in ACTIONS:
            w = bar_w * row[key] / peak
            if w:
                out.append(f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='{row_h - 6}' fill='{colour}'>"
                           f"<title>{escape(cat)}: {row[key]} {key}</title></rect>")
            x += w
        out.append(f"<text x='{x + 6:.1f}' y='{y + 14}'>{sum(row[k] for k, _ in ACTIONS)}</text>")
    return "".join(out) + "</svg>"


def _grouped(cats: dict) -> str:
    """Three bars per category (0–100 %)."""
    label_w, bar_w, bar_h = 170, 600, 7
    row_h = bar_h * len(RATES) + 8
    out = [f"<svg role='img' aria-label='precision and coverage per category' width='{label_w + bar_w + 60}' "
           f"height='{row_h * len(cats) + 10}' xmlns='http://www.w3.org/2000/svg'>"]
    for i, (cat, row) in enumerate(cats.items()):
        y = i * row_h + 5
        out.append(f"<text x='0' y='{y + 14}'>{escape(cat)}</text>")
        for j, (key, colour) in enumerate(RATES):
            v = row.get(key)
            w = bar_w * (v or 0)
            out.append(f"<rect x='{label_w}' y='{y + j * bar_h}' width='{w:.1f}' height='{bar_h - 1}' fill='{colour}'>"
                       f"<title>{escape(cat)}: {key.replace('_', ' ')} {pct(v)}</title></rect>")
    return "".join(out) + "</svg>"


def _histogram(counts: list[int]) -> str:
    width, height, pad = 600, 160, 24
    peak, n = max(counts + [1]), len(counts)
    bw = width / n
    out = [f"<svg role='img' aria-label='reply similarity histogram' width='{width + 2 * pad}' height='{height + 2 * pad}' "
           "xmlns='http://www.w3.org/2000/svg'>"]
    for i, c in enumerate(counts):
        h = height * c / peak
        x, y = pad + i * bw, pad + height - h
        out.append(f"<rect x='{x + 2:.1f}' y='{y:.1f}' width='{bw - 4:.1f}' height='{h:.1f}' fill='#1565c0'>"
                   f"<title>{i / n:.1f}–{(i + 1) / n:.1f}: {c}</title></rect>")
        out.append(f"<text x='{x + bw / 2:.1f}' y='{height + pad + 16}' text-anchor='middle'>{i / n:.1f}</text>")
        if c:
            out.append(f"<text x='{x + bw / 2:.1f}' y='{y - 3:.1f}' text-anchor='middle'>{c}</text>")
    return "".join(out) + "</svg>"


def _table(cats: dict, result: dict) -> str:
    head = ("category", "tickets", "team's", "precision", "recall", "sent", "drafted", "escalated", "coverage",
            "sent right", "team escalated", "escalated too", "similarity",
            f"send_at @{pct(result['target_precision'])}", f"draft_at @{pct(result['draft_precision'])}")
    rows = ["<div class='wide'><table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for cat, r in cats.items():
        cells = (cat, r["predicted"], r["volume"], pct(r["precision"]), pct(r["recall"]), r["sent"], r["drafted"],
                 r["escalated"], pct(r["coverage"]), pct(r["send_precision"]), r["humans_escalated"],
                 r["escalated_too"], num(r["similarity"]))
        # a withheld proposal says why across both threshold columns, wrapped: the table fits a laptop
        proposal = (f"<td class='why' colspan='2'>withheld: {escape(r['withheld'])}</td>" if r.get("withheld") else
                    f"<td>{num(r['proposed_send_at'])}</td><td>{num(r['proposed_draft_at'])}</td>")
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + proposal + "</tr>")
    unplaced = result["n"] - sum(r["predicted"] for r in cats.values())
    rows.append(f"<tr><td>(no category)</td><td>{unplaced}</td>" + "<td></td>" * (len(head) - 2) + "</tr>")
    return "".join(rows) + (f"</table></div><p class='note'>{result['n']} tickets: {result['n'] - unplaced} in the "
                            f"rows above and {unplaced} Deskhand put in no category (out of scope: escalated).</p>")


def _trained_note(trained: dict) -> str:
    if not trained.get("in_training_history"):
        return ""
    if trained.get("left_out"):
        return (f"<p class='note'>{trained['left_out']} of {trained['tickets']} tickets were left out: the model was "
                "trained on them. Every figure below is on tickets it had not seen.</p>")
    return (f"<p class='warning'>{trained['in_training_history']} of {trained['tickets']} tickets are in the model's "
            "training history: their figures flatter it.</p>")


def _sample_note(result: dict) -> str:
    shown, sent = len(result["examples"]), result.get("sent_n", len(result["examples"]))
    sims = [e["similarity"] for e in result["examples"] if e.get("similarity") is not None]
    mean = f"; their mean similarity to the agent's reply {sum(sims) / len(sims):.2f}" if sims else ""
    return (f"<p class='note'>A random sample of {shown} of the {sent} replies that would have been sent{mean} "
            f"(all sent replies: {num(result['similarity']['mean'])} over every replayed pair).</p>")


def _examples(examples: list[dict]) -> str:
    if not examples:
        return "<p class='note'>Nothing would have been sent under this policy (replay with --auto to see what would).</p>"
    rows = ["<table><tr><th>ticket</th><th>customer</th><th>Deskhand would have sent</th><th>the agent wrote</th>"
            "<th>similarity</th></tr>"]
    for e in examples:
        rows.append(f"<tr><td>#{escape(e['id'])}<br>{escape(e['category'])} {e['confidence']:.2f}</td>"
                    f"<td class='text'><b>{escape(e['subject'])}</b>\n{escape(e['message'])}</td>"
                    f"<td class='text'>{escape(e['reply'])}</td><td class='text'>{escape(e['agent_reply'])}</td>"
                    f"<td>{num(e['similarity'])}</td></tr>")
    return "".join(rows) + "</table>"
