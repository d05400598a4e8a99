"""`deskhand insights`: bad input is one line and a non-zero exit; on the sample company it prints
the planted signals as text, as JSON and as an HTML page."""
import json

import pytest
from click.testing import CliRunner

from app.cli.main import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKHAND_DATA_DIR", str(tmp_path / "data"))

    def invoke(*args):
        result = CliRunner().invoke(main, ["insights", *args])
        assert "Traceback" not in result.output
        return result
    return invoke


@pytest.mark.parametrize("args, says", [
    (["--since", "soon"], "is not a duration like 30d"),
    (["--since", "0d"], "is not a duration like 30d"),
    (["--sample", "--file-bugs"], "use it without --sample"),
    (["--sample", "--html", "/nonexistent/folder/r.html"], "does not exist"),
    (["--crm-level", "sometimes"], "'sometimes' is not one of"),
])
def test_bad_input_is_one_line_and_exit_1_or_2(run, args, says):
    result = run(*args)
    assert result.exit_code in (1, 2) and says in result.output


def test_on_intercom_the_helpdesk_history_is_refused_with_the_way_out(run, monkeypatch):
    monkeypatch.setenv("DESKHAND_HELPDESK", "intercom")
    result = run()
    assert result.exit_code == 1 and "use --sample" in result.output


def test_the_sample_company_as_json_and_html(run, tmp_path):
    page = tmp_path / "insights.html"
    result = run("--sample", "--json", "--since", "2w", "--html", str(page))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["since_days"] == 14 and [r["name"] for r in report["accounts_at_risk"]] == ["Harborview Hotels"]
    assert report["rising_topics"][0]["plans"] == {"growth": 9, "enterprise": 1}
    assert report["recurring_errors"][0]["codes"] == ["ERR_PDF_RENDER_TIMEOUT"]
    html = page.read_text()
    assert "Harborview Hotels" in html and 'href="https://brightline.zendesk.com/agent/tickets/3040"' in html
