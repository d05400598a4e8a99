"""Who is calling the Zendesk app backend: the ZAF proxy's JWT, checked here, and the caller's role.

The sidebar and nav_bar call `/api/zendesk/*` through Zendesk's request proxy, which signs an HS256
JWT with the app's secure setting `shared_secret` (our `zendesk_app_secret`); the browser never
sees that secret. The claims (`sub` = the Zendesk user id, `iss` = the subdomain) are set by the
app's JavaScript, so the signature proves only that the request went through *our* app's proxy
call on *some* agent's screen.

Residual risk, written down on purpose: an agent can open devtools in their own Zendesk session
and have the proxy sign claims naming another user id (an admin's). That is why the role is never
read from the token but looked up in Zendesk for `sub`, and why only agents — never end users —
can try it. Zendesk's signed-URL tokens (RS256, signed by Zendesk itself with the user's real id,
verified against the app's public key; reference A4) close that gap; they are the stronger option
and not built yet.
"""
from __future__ import annotations

from dataclasses import dataclass

import jwt

from app.core.errors import DeskhandError
from app.core.strict import BadInput, parse_id

LEEWAY_S = 30  # clock skew between Zendesk's proxy and us
MAX_LIFETIME_S = 3600  # the app asks for 300 s; a longer-lived token was not minted by our app
STAFF = ("agent", "admin")


class AuthError(DeskhandError):
    def __init__(self, status: int, message: str):
        super().__init__(message, status)


@dataclass(frozen=True)
class Caller:
    user_id: str
    subdomain: str
    role: str = ""

    @property
    def who(self) -> str:
        """How approvals and feedback name the person (`zendesk:<user id>`)."""
        return f"zendesk:{self.user_id}"


def bearer_token(header: str | None) -> str:
    if not header:
        raise AuthError(401, "missing token: send Authorization: Bearer <JWT>")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        raise AuthError(401, "malformed Authorization header: expected 'Bearer <JWT>'")
    return token.strip()


def verify(header: str | None, secret: str, subdomain: str) -> Caller:
    """The caller named by a valid token, or AuthError(401) saying exactly what is wrong."""
    if not secret:
        # an empty HMAC key would let anyone mint tokens: refuse everything instead
        raise AuthError(401, "the Zendesk app API is disabled: set zendesk_app_secret")
    token = bearer_token(header)
    try:
        # sub is checked below: the app may send the user id as a number, which PyJWT>=2.10 refuses
        claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=subdomain, leeway=LEEWAY_S,
                            options={"require": ["exp", "iat", "iss", "sub"], "verify_sub": False})
    except jwt.ExpiredSignatureError:
        raise AuthError(401, "token expired") from None
    except jwt.InvalidSignatureError:
        raise AuthError(401, "bad signature") from None
    except jwt.InvalidAlgorithmError:
        raise AuthError(401, "token algorithm not allowed: HS256 only") from None
    except jwt.InvalidIssuerError:
        raise AuthError(401, f"wrong issuer: expected {subdomain!r}") from None
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError(401, f"token lacks the '{exc.claim}' claim") from None
    except jwt.ImmatureSignatureError:
        raise AuthError(401, "token issued in the future (check the server clock)") from None
    except jwt.InvalidIssuedAtError:
        raise AuthError(401, "token 'iat' is not a time") from None
    except jwt.DecodeError:
        raise AuthError(401, "malformed token: not a JWT") from None
    except jwt.InvalidTokenError as exc:
        raise AuthError(401, f"invalid token: {exc}") from None
    except (TypeError, ValueError, OverflowError, RecursionError):
        # PyJWT lets some malformed claims through as these (an 'iss' list, a header nested
        # thousands deep, read before the signature is checked): still the caller's mistake
        raise AuthError(401, "malformed token: its header or claims are not what a JWT holds") from None
    for name in ("exp", "iat"):  # PyJWT accepts '123' as a time; the lifetime sum would not
        if isinstance(claims[name], bool) or not isinstance(claims[name], (int, float)):
            raise AuthError(401, f"token '{name}' must be a number (seconds since the epoch)")
    if claims["exp"] - claims["iat"] > MAX_LIFETIME_S:
        raise AuthError(401, f"token lifetime too long: at most {MAX_LIFETIME_S} s")
    try:
        user_id = parse_id(claims["sub"], "token 'sub'")
    except BadInput:
        raise AuthError(401, "token 'sub' must be a Zendesk user id (ASCII digits)") from None
    return Caller(user_id=user_id, subdomain=subdomain)


def require_role(role: str, admin: bool) -> None:
    """Zendesk roles are end-user, agent and admin: end users get nothing, agents no admin pages."""
    if role not in STAFF:
        raise AuthError(403, "only Zendesk agents and admins can use Deskhand's app")
    if admin and role != "admin":
        raise AuthError(403, "admins only: this changes how Deskhand behaves")
