"""`deskhand eval` keeps its per-category table, and the admin policy view shows it."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli.main import main
from app.store.db import connect
from app.web import admin_views as admin_data

COMPANY = Path(__file__).resolve().parents[2] / "sandbox" / "company"


def test_eval_saves_its_per_category_figures_where_the_admin_views_read_them(tmp_path):
    history = tmp_path / "history.jsonl"
    history.write_text("\n".join((COMPANY / "history.jsonl").read_text().splitlines()[:300]) + "\n")
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(main, ["eval", "--history", str(history), "--tickets", str(COMPANY / "stream.jsonl"),
                                       "--json"], env={"DESKHAND_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])  # the printed report is unchanged
    db = connect(str(data_dir / "deskhand.db"))
    [run] = list(db["eval_runs"].rows)
    assert json.loads(run["per_category"]) == report["per_category"] and run["n"] == report["n"] == 40
    table = admin_data.policy_table(db)
    assert table["eval_at"] == run["at"] and table["eval_model"] == report["model"]
    [billing] = [r for r in table["categories"] if r["category"] == "billing"]
    assert billing["precision"] == report["per_category"]["billing"]["precision"]
    assert billing["proposed_send_at"] == report["per_category"]["billing"]["proposed_send_at"]
    assert billing["own_entry"] is False and billing["mode"] == "draft"  # the embedded default applies
