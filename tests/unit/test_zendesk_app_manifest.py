"""The Zendesk app in manifest/ passes Zendesk's app rules (A4), and the local validator that says
so catches each rule on a deliberately broken copy."""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests import zaf_rules

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "manifest"
SDK = "https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js"


def test_the_shipped_app_has_no_errors_and_no_warnings():
    report = zaf_rules.validate(APP)
    assert report.errors == []
    assert report.warnings == []


def test_the_validator_runs_as_a_command_and_fails_on_an_error(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "tests.zaf_rules", str(APP)], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0 and "0 error(s), 0 warning(s)" in ok.stdout
    broken = tmp_path / "app"
    shutil.copytree(APP, broken)
    (broken / "manifest.json").write_text("{not json")
    bad = subprocess.run([sys.executable, "-m", "tests.zaf_rules", str(broken)], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and "manifest_not_json" in bad.stdout


# ---- each rule, on a broken copy ---------------------------------------------------------------------

def edit_manifest(change):
    def apply(folder: Path) -> None:
        path = folder / "manifest.json"
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
    return apply


def edit_translation(change, name="en.json"):
    def apply(folder: Path) -> None:
        path = folder / "translations" / name
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
    return apply


def param(name):
    return lambda m: next(p for p in m["parameters"] if p["name"] == name)


def sidebar(m):
    return m["location"]["support"]["ticket_sidebar"]


ERRORS = {
    "missing author": (edit_manifest(lambda m: m.pop("author")), "missing_keys"),
    "missing defaultLocale": (edit_manifest(lambda m: m.pop("defaultLocale")), "missing_keys"),
    "missing location": (edit_manifest(lambda m: m.pop("location")), "missing_keys"),
    "missing frameworkVersion": (edit_manifest(lambda m: m.pop("frameworkVersion")), "missing_keys"),
    "frameworkVersion 1.0": (edit_manifest(lambda m: m.update(frameworkVersion="1.0")), "invalid_version"),
    "frameworkVersion as a number": (edit_manifest(lambda m: m.update(frameworkVersion=2.0)), "unacceptable_string"),
    "private as a string": (edit_manifest(lambda m: m.update(private="yes")), "unacceptable_boolean"),
    "author url without a host": (edit_manifest(lambda m: m["author"].update(url="https://")), "invalid_url"),
    "author url not http": (edit_manifest(lambda m: m["author"].update(url="ftp://deskhand.example")), "invalid_url"),
    "author email as a number": (edit_manifest(lambda m: m["author"].update(email=7)), "unacceptable_string"),
    "termsConditionsURL not a URL": (edit_manifest(lambda m: m.update(termsConditionsURL="terms")), "invalid_url"),
    "bad defaultLocale": (edit_manifest(lambda m: m.update(defaultLocale="English")), "invalid_default_locale"),
    "no translation for defaultLocale": (edit_manifest(lambda m: m.update(defaultLocale="fr")), "missing_translation_file"),
    "domainWhitelist not an array": (edit_manifest(lambda m: m.update(domainWhitelist="deskhand.example.com")),
                                     "unacceptable_array_of_strings"),
    "domainWhitelist with a number": (edit_manifest(lambda m: m.update(domainWhitelist=[1])), "unacceptable_array_of_strings"),
    "parameters not an array": (edit_manifest(lambda m: m.update(parameters={"name": "x"})), "unacceptable_array"),
    "location url http://": (edit_manifest(lambda m: sidebar(m).update(url="http://deskhand.example.com/sidebar")),
                             "invalid_location_uri"),
    "location url outside assets/": (edit_manifest(lambda m: sidebar(m).update(url="sidebar.html")), "invalid_location_uri"),
    "location url to a missing asset": (edit_manifest(lambda m: sidebar(m).update(url="assets/missing.html")),
                                        "invalid_location_uri"),
    "missing asset file": (lambda folder: (folder / "assets" / "admin.html").unlink(), "invalid_location_uri"),
    "location with an empty url": (edit_manifest(lambda m: sidebar(m).update(url="")), "blank_location_uri"),
    "legacy string location in a v2 app": (edit_manifest(lambda m: m.update(location="ticket_sidebar")), "blank_location_uri"),
    "flexible not a boolean": (edit_manifest(lambda m: sidebar(m).update(flexible="yes")), "invalid_location_flexible_type"),
    "unknown location": (edit_manifest(lambda m: m["location"]["support"].update(ticket_footer={"url": "assets/sidebar.html"})),
                         "invalid_location"),
    "unknown product": (edit_manifest(lambda m: m["location"].update(helpdesk={"ticket_sidebar": "assets/sidebar.html"})),
                        "invalid_host"),
    "nav_bar without its icon": (lambda folder: (folder / "assets" / "icon_nav_bar.svg").unlink(), "missing_location_icon"),
    "hidden and required parameter": (edit_manifest(lambda m: m["parameters"].append(
        {"name": "region", "type": "hidden", "required": True})), "invalid_hidden_parameter"),
    "duplicate parameter": (edit_manifest(lambda m: m["parameters"].append({"name": "deskhand_url", "type": "url"})),
                            "duplicate_parameters"),
    "parameter called name": (edit_manifest(lambda m: m["parameters"].append({"name": "name"})), "name_as_parameter_name"),
    "unknown parameter type": (edit_manifest(lambda m: param("deskhand_url")(m).update(type="link")), "invalid_type_parameter"),
    "required not a boolean": (edit_manifest(lambda m: param("deskhand_url")(m).update(required="true")), "unacceptable_boolean"),
    "two oauth parameters": (edit_manifest(lambda m: m["parameters"].extend(
        [{"name": "login", "type": "oauth"}, {"name": "login2", "type": "oauth"}])), "too_many_oauth_parameters"),
    "secure oauth parameter": (edit_manifest(lambda m: m["parameters"].append(
        {"name": "login", "type": "oauth", "secure": True, "scopes": ["header"]})), "oauth_parameter_cannot_be_secure"),
    "scopes on a non-secure parameter": (edit_manifest(lambda m: param("deskhand_url")(m).update(scopes=["url"])),
                                         "invalid_scopes"),
    "empty scopes": (edit_manifest(lambda m: param("shared_secret")(m).update(scopes=[])), "invalid_scopes"),
    "unknown scope": (edit_manifest(lambda m: param("shared_secret")(m).update(scopes=["cookie"])), "invalid_scopes"),
    "missing translations/en.json app.name": (edit_translation(lambda t: t["app"].pop("name")),
                                              "translation.missing_required_key"),
    "public app without descriptions": (lambda folder: (
        edit_manifest(lambda m: m.update(private=False))(folder),
        edit_translation(lambda t: t["app"].pop("long_description"))(folder)), "translation.missing_required_key"),
    "parameter translation without label": (edit_translation(lambda t: t["app"]["parameters"]["deskhand_url"].pop("label")),
                                            "translation.missing_parameter_label"),
    "translation not an object": (lambda folder: (folder / "translations" / "de.json").write_text("[]"),
                                  "translation.not_json_object"),
    "translation not JSON": (lambda folder: (folder / "translations" / "de.json").write_text("{"), "translation.not_json"),
    "translation with a bad locale name": (lambda folder: (folder / "translations" / "German.json").write_text("{}"),
                                           "translation.invalid_locale"),
    "manifest not JSON": (lambda folder: (folder / "manifest.json").write_text("{"), "manifest_not_json"),
    "no manifest": (lambda folder: (folder / "manifest.json").unlink(), "missing_manifest"),
    "unknown experiment": (edit_manifest(lambda m: m.update(experiments={"fastLane": True})), "invalid_experiment"),
    "noTemplate in a v2 app": (edit_manifest(lambda m: m.update(noTemplate=True)), "no_template_deprecated_in_v2"),
    "symlink in the package": (lambda folder: os.symlink(folder / "assets" / "app.css", folder / "assets" / "link.css"),
                               "symlink_in_package"),
}

WARNINGS = {
    "secret-looking text parameter not secure": (edit_manifest(lambda m: m["parameters"].append(
        {"name": "api_token", "type": "text"})), "insecure_token_parameter"),
    "secure parameter with a default": (edit_manifest(lambda m: param("shared_secret")(m).update(default="s3cret")),
                                        "default_secure_or_hidden_parameter"),
    "hidden parameter with a default": (edit_manifest(lambda m: m["parameters"].append(
        {"name": "region", "type": "hidden", "default": "eu"})), "default_secure_or_hidden_parameter"),
    "secure parameter without scopes": (edit_manifest(lambda m: param("shared_secret")(m).pop("scopes")),
                                        "secure_parameter_without_scopes"),
    "http:// URL in the JavaScript": (lambda folder: (folder / "assets" / "sidebar.js").write_text(
        (folder / "assets" / "sidebar.js").read_text() + "\n// see http://example.com\n"), "insecure_request"),
    "http:// URL in the HTML": (lambda folder: (folder / "assets" / "admin.html").write_text(
        (folder / "assets" / "admin.html").read_text().replace("app.css", "http://cdn.example/app.css")), "insecure_request"),
    "a zip file in the package": (lambda folder: (folder / "assets" / "old.zip").write_bytes(b"PK\x03\x04"),
                                  "unsupported_mime_type"),
}


@pytest.fixture
def copy(tmp_path):
    folder = tmp_path / "app"
    shutil.copytree(APP, folder)
    return folder


@pytest.mark.parametrize("break_it, code", ERRORS.values(), ids=list(ERRORS))
def test_each_error_rule_fails_a_broken_copy(copy, break_it, code):
    break_it(copy)
    report = zaf_rules.validate(copy)
    assert code in report.error_codes, [str(f) for f in report.errors]


@pytest.mark.parametrize("break_it, code", WARNINGS.values(), ids=list(WARNINGS))
def test_each_warning_rule_warns_on_a_broken_copy_without_an_error(copy, break_it, code):
    break_it(copy)
    report = zaf_rules.validate(copy)
    assert code in report.warning_codes, [str(f) for f in report.warnings]
    assert report.errors == []


# ---- what Deskhand's app itself promises ------------------------------------------------------------

def manifest() -> dict:
    return json.loads((APP / "manifest.json").read_text())


def test_manifest_declares_the_two_locations_and_the_two_settings():
    m = manifest()
    assert m["name"] == "Deskhand" and m["private"] is True and m["frameworkVersion"] == "2.0"
    assert m["author"]["url"].startswith("https://") and "@" in m["author"]["email"]
    assert m["location"] == {"support": {"ticket_sidebar": {"url": "assets/sidebar.html", "flexible": True},
                                         "nav_bar": {"url": "assets/admin.html"}}}
    params = {p["name"]: p for p in m["parameters"]}
    assert params["deskhand_url"] == {"name": "deskhand_url", "type": "url", "required": True}
    assert params["shared_secret"] == {"name": "shared_secret", "type": "text", "secure": True, "required": True,
                                       "scopes": ["jwt_secret_key"]}
    labels = json.loads((APP / "translations" / "en.json").read_text())["app"]["parameters"]
    assert all(labels[name]["label"] and labels[name]["helpText"] for name in params)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_logos_have_the_marketplace_sizes_and_match_their_generator():
    assert png_size(APP / "assets" / "logo.png") == (320, 320)
    assert png_size(APP / "assets" / "logo-small.png") == (128, 128)
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_app_logos.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_pages_load_the_zaf_sdk_and_only_local_scripts():
    for page in ("sidebar.html", "admin.html"):
        html = (APP / "assets" / page).read_text()
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert scripts[0] == SDK
        assert all(not s.startswith(("http:", "https:", "//")) for s in scripts[1:])
        assert all((APP / "assets" / s).is_file() for s in scripts[1:])


def test_app_code_never_writes_html_from_data():
    for script in (APP / "assets").glob("*.js"):
        code = script.read_text()
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", code), script


def test_requests_go_through_the_zendesk_proxy_with_a_signed_jwt():
    code = (APP / "assets" / "deskhand.js").read_text()
    assert "secure: true" in code and "cors: false" in code
    assert "secret_key: '{{setting.shared_secret}}'" in code and "algorithm: 'HS256'" in code


def test_the_readme_zip_command_makes_a_package_with_the_manifest_on_top_that_passes(tmp_path):
    readme = (ROOT / "README.md").read_text()
    members = ["manifest.json", "assets", "translations"]
    assert f"cd manifest && python3 -m zipfile -c ../deskhand-zendesk-app.zip {' '.join(members)}" in readme
    package = tmp_path / "deskhand-zendesk-app.zip"
    subprocess.run([sys.executable, "-m", "zipfile", "-c", str(package), *members], cwd=APP, check=True)
    import zipfile
    with zipfile.ZipFile(package) as zf:
        names = {n for n in zf.namelist() if not n.endswith("/")}
        zf.extractall(tmp_path / "unzipped")
    shipped = {p.relative_to(APP).as_posix() for p in APP.rglob("*") if p.is_file()}
    assert "manifest.json" in names and names == shipped
    report = zaf_rules.validate(tmp_path / "unzipped")
    assert report.errors == [] and report.warnings == []
