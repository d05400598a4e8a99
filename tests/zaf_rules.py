"""A local stand-in for Zendesk's app validator (`zcli apps:validate`), for an app folder.

Zendesk validates an uploaded app on its servers (the `zendesk_apps_support` gem), which needs an
account and the network, so CI cannot ask it. This module applies the rules of
shared/reference/helpdesk-platforms.md A4 to a folder, with the same split: what Zendesk refuses
is an *error*, what it only warns about is a *warning*. Each finding carries a stable code so a
test can tell which rule fired.

    python -m tests.zaf_rules manifest      # prints the findings; exit 1 on any error
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

FRAMEWORK_VERSIONS = ("2.0",)
LOCALE = re.compile(r"^[a-z]{2,3}(-\w{2,3})?$")
STRING_KEYS = ("defaultLocale", "version", "frameworkVersion", "remoteInstallationURL", "termsConditionsURL", "gaID")
BOOLEAN_KEYS = ("requirementsOnly", "marketingOnly", "singleInstall", "signedUrls", "private")
PRODUCTS = ("support", "chat", "sell")
SUPPORT_LOCATIONS = ("top_bar", "nav_bar", "ticket_sidebar", "new_ticket_sidebar", "user_sidebar",
                     "organization_sidebar", "background", "modal", "ticket_editor", "system_top_bar")
ICON_LOCATIONS = ("top_bar", "nav_bar", "system_top_bar", "ticket_editor")
LOCATION_OPTIONS = ("url", "flexible", "autoLoad", "autoHide", "signed", "size", "objectTypes")
PARAMETER_TYPES = ("text", "checkbox", "url", "number", "multiline", "hidden", "oauth")
SCOPES = ("header", "body", "url", "jwt_secret_key", "jwt_claim", "basic_auth_username", "basic_auth_password")
SECRET_WORDS = re.compile(r"token|key|pwd|password", re.IGNORECASE)
EXPERIMENTS = ("hashParams", "newCssCompiler")
FLAGGED_TYPES = ("zip", "rar", "gz", "gzip", "tgz", "7z", "bz", "bz2", "pdf", "doc", "docx", "odt", "xls", "xlsx",
                 "ppt", "pptx", "jar", "sh", "csh", "bin", "mp3", "mpeg", "avi")
PUBLIC_APP_KEYS = ("short_description", "long_description", "installation_instructions")
INSECURE_URL = re.compile(r"http://", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class Report:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def error(self, code: str, message: str) -> None:
        self.errors.append(Finding(code, message))

    def warn(self, code: str, message: str) -> None:
        self.warnings.append(Finding(code, message))

    @property
    def error_codes(self) -> set[str]:
        return {f.code for f in self.errors}

    @property
    def warning_codes(self) -> set[str]:
        return {f.code for f in self.warnings}


def validate(folder: str | Path) -> Report:
    root = Path(folder)
    report = Report()
    _package(root, report)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        report.error("missing_manifest", "manifest.json is missing from the app's top folder")
        return report
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        report.error("manifest_not_json", f"manifest.json is not valid JSON: {exc}")
        return report
    if not isinstance(manifest, dict):
        report.error("manifest_not_json", "manifest.json must hold a JSON object")
        return report
    _manifest(root, manifest, report)
    _parameters(manifest, report)
    _translations(root, manifest, report)
    return report


# ---- the manifest --------------------------------------------------------------------------------

def _manifest(root: Path, manifest: dict, report: Report) -> None:
    for key in ("author", "defaultLocale"):
        if manifest.get(key) is None:
            report.error("missing_keys", f"manifest.json lacks the required key {key!r}")
    special = manifest.get("requirementsOnly") is True or manifest.get("marketingOnly") is True
    if not special:
        for key in ("location", "frameworkVersion"):
            if manifest.get(key) is None:
                report.error("missing_keys", f"manifest.json lacks the required key {key!r}")
        version = manifest.get("frameworkVersion")
        if version is not None and version not in FRAMEWORK_VERSIONS:
            report.error("invalid_version", f"frameworkVersion {version!r} is not served; use one of "
                                            f"{', '.join(FRAMEWORK_VERSIONS)}")

    for key in STRING_KEYS:
        if key in manifest and manifest[key] is not None and not isinstance(manifest[key], str):
            report.error("unacceptable_string", f"{key} must be a string, got {manifest[key]!r}")
    for key in BOOLEAN_KEYS:
        if key in manifest and not isinstance(manifest[key], bool):
            report.error("unacceptable_boolean", f"{key} must be true or false, got {manifest[key]!r}")

    author = manifest.get("author")
    if author is not None:
        if not isinstance(author, dict):
            report.error("unacceptable_string", "author must be an object with name, email and url")
        else:
            for key in ("name", "email", "url"):
                if author.get(key) is not None and not isinstance(author[key], str):
                    report.error("unacceptable_string", f"author {key} must be a string, got {author[key]!r}")
            if isinstance(author.get("url"), str) or author.get("url") is None:
                _web_url(author.get("url"), "author url", report)
    if manifest.get("termsConditionsURL") is not None and isinstance(manifest["termsConditionsURL"], str):
        _web_url(manifest["termsConditionsURL"], "termsConditionsURL", report)

    whitelist = manifest.get("domainWhitelist")
    if whitelist is not None and not (isinstance(whitelist, list) and all(isinstance(d, str) for d in whitelist)):
        report.error("unacceptable_array_of_strings", "domainWhitelist must be an array of strings")
    if "parameters" in manifest and manifest["parameters"] is not None and not isinstance(manifest["parameters"], list):
        report.error("unacceptable_array", "parameters must be an array")

    locale = manifest.get("defaultLocale")
    if isinstance(locale, str):
        if not LOCALE.match(locale):
            report.error("invalid_default_locale", f"defaultLocale {locale!r} is not a locale name")
        elif not (root / "translations" / f"{locale}.json").is_file():
            report.error("missing_translation_file", f"translations/{locale}.json is missing (defaultLocale)")

    experiments = manifest.get("experiments")
    if experiments is not None:
        if not isinstance(experiments, dict):
            report.error("unacceptable_hash", "experiments must be an object")
        else:
            for name in experiments:
                if name not in EXPERIMENTS:
                    report.error("invalid_experiment", f"experiment {name!r} is not allowed; only {', '.join(EXPERIMENTS)}")
    if manifest.get("noTemplate"):
        report.error("no_template_deprecated_in_v2", "noTemplate is not allowed in an iframe (v2) app")

    if manifest.get("location") is not None and not special:
        _locations(root, manifest["location"], report)


def _web_url(value, label: str, report: Report) -> None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        report.error("invalid_url", f"{label} must be an http(s) URL with a host, got {value!r}")


def _locations(root: Path, location, report: Report) -> None:
    if isinstance(location, (str, list)):
        names = [location] if isinstance(location, str) else location
        location = {"support": {name: {} for name in names if isinstance(name, str)}}  # legacy: no url
    if not isinstance(location, dict) or not location:
        report.error("missing_keys", "location must name at least one product and location")
        return
    for product, places in location.items():
        if product not in PRODUCTS:
            report.error("invalid_host", f"location product {product!r} is unknown; use one of {', '.join(PRODUCTS)}")
            continue
        if isinstance(places, (str, list)):
            places = {name: {} for name in ([places] if isinstance(places, str) else places) if isinstance(name, str)}
        if not isinstance(places, dict) or not places:
            report.error("missing_keys", f"location.{product} must name at least one location")
            continue
        for name, options in places.items():
            where = f"location.{product}.{name}"
            if product == "support" and name not in SUPPORT_LOCATIONS:
                report.error("invalid_location", f"{where}: {name!r} is not a Support location")
                continue
            if isinstance(options, str):
                options = {"url": options}
            if not isinstance(options, dict):
                report.error("invalid_location", f"{where} must be a URL or an object of options")
                continue
            url, auto_load = options.get("url"), options.get("autoLoad", True)
            if isinstance(url, str) and url:
                _location_url(root, url, where, report)
            elif auto_load:
                report.error("blank_location_uri", f"{where} loads automatically but has no url")
            if "flexible" in options and options["flexible"] is not None and not isinstance(options["flexible"], bool):
                report.error("invalid_location_flexible_type", f"{where}.flexible must be true or false")
            if product == "support" and name in ICON_LOCATIONS and not (root / "assets" / f"icon_{name}.svg").is_file():
                report.error("missing_location_icon", f"{where} needs the icon assets/icon_{name}.svg")


def _location_url(root: Path, url: str, where: str, report: Report) -> None:
    if "{{setting." in url:
        return
    parts = urlsplit(url)
    if parts.scheme:
        if parts.scheme == "https" and parts.hostname or parts.hostname == "localhost":
            return
        report.error("invalid_location_uri", f"{where}.url {url!r} must be https (or localhost)")
    elif not (parts.path.startswith("assets/") and (root / parts.path).is_file()):
        report.error("invalid_location_uri", f"{where}.url {url!r} must be a file under assets/ in the package")


# ---- parameters ------------------------------------------------------------------------------------

def _parameters(manifest: dict, report: Report) -> None:
    params = manifest.get("parameters")
    if not isinstance(params, list):
        return
    names, oauth = [], 0
    for index, param in enumerate(params):
        if not isinstance(param, dict) or not isinstance(param.get("name"), str) or not param["name"]:
            report.error("invalid_parameter", f"parameters[{index}] must be an object with a name")
            continue
        name, kind = param["name"], param.get("type", "text")
        names.append(name)
        where = f"parameters.{name}"
        if name == "name":
            report.error("name_as_parameter_name", "a parameter may not be called 'name'")
        if kind not in PARAMETER_TYPES:
            report.error("invalid_type_parameter", f"{where}.type {kind!r} is not one of {', '.join(PARAMETER_TYPES)}")
        for flag in ("required", "secure"):
            if flag in param and not isinstance(param[flag], bool):
                report.error("unacceptable_boolean", f"{where}.{flag} must be true or false")
        secure = param.get("secure") is True
        if kind == "hidden" and param.get("required") is True:
            report.error("invalid_hidden_parameter", f"{where} is hidden and required: nobody could fill it")
        if kind == "oauth":
            oauth += 1
            if secure:
                report.error("oauth_parameter_cannot_be_secure", f"{where} is an oauth parameter and secure")
        if "scopes" in param:
            scopes = param["scopes"]
            if not secure:
                report.error("invalid_scopes", f"{where} has scopes but is not secure")
            if not (isinstance(scopes, list) and scopes and all(s in SCOPES for s in scopes)):
                report.error("invalid_scopes", f"{where}.scopes must be a non-empty array of {', '.join(SCOPES)}")
        # warnings
        if kind in ("text", "password") and SECRET_WORDS.search(name) and not secure:
            report.warn("insecure_token_parameter", f"{where} looks like a secret but is not secure")
        if "default" in param and (secure or kind == "hidden"):
            report.warn("default_secure_or_hidden_parameter", f"{where} is secure or hidden and has a default")
        if secure and not param.get("scopes"):
            report.warn("secure_parameter_without_scopes", f"{where} is secure but names no scopes")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        report.error("duplicate_parameters", f"parameter names used twice: {', '.join(duplicates)}")
    if oauth > 1:
        report.error("too_many_oauth_parameters", "only one oauth parameter is allowed")


# ---- translations ----------------------------------------------------------------------------------

def _translations(root: Path, manifest: dict, report: Report) -> None:
    folder = root / "translations"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        rel = f"translations/{path.name}"
        if not LOCALE.match(path.stem):
            report.error("translation.invalid_locale", f"{rel}: {path.stem!r} is not a locale name")
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            report.error("translation.not_json", f"{rel} is not valid JSON: {exc}")
            continue
        if not isinstance(data, dict):
            report.error("translation.not_json_object", f"{rel} must hold a JSON object")
            continue
        app = data.get("app") if isinstance(data.get("app"), dict) else {}
        if path.name == "en.json":
            required = ["name"]
            if manifest.get("private", True) is False:
                required += PUBLIC_APP_KEYS
            present = {"short_description" if k == "description" else k for k in app}
            missing = [k for k in required if k not in present]
            if missing:
                report.error("translation.missing_required_key", f"{rel} lacks app.{', app.'.join(missing)}")
        params = app.get("parameters")
        if isinstance(params, dict):
            for name, entry in params.items():
                if not (isinstance(entry, dict) and "label" in entry):
                    report.error("translation.missing_parameter_label", f"{rel}: app.parameters.{name} has no label")


# ---- the package as a whole ------------------------------------------------------------------------

def _package(root: Path, report: Report) -> None:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel == "tmp" or rel.startswith("tmp/"):
            continue  # zcli leaves tmp/ out of the package
        if path.is_symlink():
            report.error("symlink_in_package", f"{rel} is a symbolic link")
            continue
        if not path.is_file():
            continue
        suffix = path.suffix.lower().lstrip(".")
        if suffix in FLAGGED_TYPES:
            report.warn("unsupported_mime_type", f"{rel}: files of type .{suffix} are flagged")
        if suffix in ("js", "html", "htm"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), 1):
                if INSECURE_URL.search(line):
                    report.warn("insecure_request", f"{rel}:{number} names an http:// URL")


def main(argv: list[str]) -> int:
    folder = argv[0] if argv else "manifest"
    report = validate(folder)
    for finding in report.errors:
        print(f"error   {finding}")
    for finding in report.warnings:
        print(f"warning {finding}")
    print(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s) in {folder}")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
