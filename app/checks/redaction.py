"""Card numbers, IBANs, CVVs, passwords and API keys in text: found, and redacted. Pure.

Used twice: before anything is sent to a model (`redact`: the value is replaced, only its kind
is kept for the audit), and on every public reply (`find`: any of these in a reply blocks it).
A card number must pass the Luhn check and an IBAN its mod-97 checksum, so order numbers and
phone numbers are not taken for them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CARD = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
_CVV = re.compile(r"\b(?:cvv2?|cvc2?|csc|security code|código de seguridad|cryptogramme|prüfnummer|"
                  r"код безопасности|セキュリティコード|安全码)\s*[:=#]?\s*(\d{3,4})\b", re.I)
# "my password is X", "pwd: X", in the languages triage reads; the value is the next word.
_PASSWORD = re.compile(
    r"(?:password|passwort|kennwort|passcode|pwd|contraseña|clave|mot de passe|senha|parola d'ordine|"
    r"wachtwoord|hasło|şifre|parola|пароль|パスワード|密码|密碼)"
    r"(?:\s+(?:is|was|ist|war|es|era|est|était|é|è|is nu|to|jest|:)|\s*[:=：])\s*[\"'“«]?([^\s\"'”»]{4,})", re.I)
# A value the customer labels as a secret: "secret: …", "API key is …", "recovery code 4KQ7-…".
_LABELLED = re.compile(
    r"(?:secret(?: key| access key)?|api[ _-]?key|access[ _-]?key|token|recovery codes?|backup codes?|2fa codes?|"
    r"one[- ]time code|otp|clave secreta|código de recuperación|code de récupération|wiederherstellungscode|"
    r"código de recuperação|codice di recupero|herstelcode|kod odzyskiwania|kurtarma kodu|код восстановления|"
    r"リカバリーコード|恢复码|恢復碼)"
    r"(?:\s+(?:is|are|es|est|ist|é|è|to|jest)|\s*[:=：])\s*[\"'“«]?([A-Za-z0-9+/_=-]{6,})", re.I)
_KEY = re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\bgh[pousr]_[A-Za-z0-9]{20,}|"
                  r"\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{35}\b|"
                  r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{5,}|"
                  r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\bBearer\s+[A-Za-z0-9._~+/-]{20,}=*|"
                  # other vendors' secrets by their prefixes (Stripe's webhook secret, Linear, Shopify,
                  # GitLab, Hugging Face); a prefix alone is not enough: Stripe's object ids (ch_…, in_…)
                  # look the same and are the account facts a reply may quote
                  r"\b(?:whsec_|lin_(?:api|oauth)_|shp(?:at|ss|ca|pa)_|glpat-|hf_)[A-Za-z0-9_-]{16,}")
# A reply is also held to this: a run of 20 or more letters and digits mixing upper case, lower case
# and digits is a credential's shape (an id, a date or a word is not), whoever wrote it.
_SECRET_SHAPE = re.compile(r"(?<![\w/.-])(?=[A-Za-z0-9_+/=-]*[a-z])(?=[A-Za-z0-9_+/=-]*[A-Z])"
                           r"(?=[A-Za-z0-9_+/=-]*\d)[A-Za-z0-9_+/=-]{20,}(?![\w/-])")

LABEL = {"card": "[card number removed]", "iban": "[IBAN removed]", "cvv": "[security code removed]",
         "password": "[password removed]", "key": "[key removed]"}


@dataclass(frozen=True)
class Secret:
    kind: str  # card | iban | cvv | password | key
    start: int
    end: int


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    s = re.sub(r"\s", "", text).upper()
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def find(text: str) -> list[Secret]:
    """Every secret in the text, left to right, not overlapping."""
    found: list[Secret] = []
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn(digits) and len(set(digits)) > 1:
            found.append(Secret("card", m.start(), m.end()))
    for m in _IBAN.finditer(text):
        candidate = m.group(0)
        while candidate and not iban_ok(candidate) and " " in candidate:  # a word that ran on after it
            candidate = candidate.rsplit(" ", 1)[0]
        if iban_ok(candidate):
            found.append(Secret("iban", m.start(), m.start() + len(candidate)))
    found += [Secret("cvv", m.start(1), m.end(1)) for m in _CVV.finditer(text)]
    found += [Secret("password", m.start(1), m.end(1)) for m in _PASSWORD.finditer(text)]
    found += [Secret("key", m.start(), m.end()) for m in _KEY.finditer(text)]
    found += [Secret("key", m.start(1), m.end(1)) for m in _LABELLED.finditer(text)]
    kept: list[Secret] = []
    for s in sorted(found, key=lambda s: (s.start, -(s.end - s.start))):
        if not kept or s.start >= kept[-1].end:
            kept.append(s)
    return kept


def secret_shaped(text: str) -> list[str]:
    """Runs in a reply that look like a credential though no pattern above names them (URLs are the
    address check's business and are left out by the caller)."""
    return [m.group(0) for m in _SECRET_SHAPE.finditer(text or "")]


def redact(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with every secret replaced by a label saying what was there, and the kinds removed."""
    found = find(text or "")
    out, last = [], 0
    for s in found:
        out += [text[last:s.start], LABEL[s.kind]]
        last = s.end
    return "".join(out) + (text or "")[last:], tuple(s.kind for s in found)
