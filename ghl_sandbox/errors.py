"""HighLevel's error bodies, as exceptions handlers can raise.

Clients branch on these exact shapes and messages (a 401 "Invalid JWT" means "refresh",
a 401 about scope means "fix the app", a 422 carries ``message`` as an *array*), so they
are spelled once here. Shapes follow ``common/common-schemas.json`` (BadRequestDTO,
UnauthorizedDTO, UnprocessableDTO); the messages are the ones developers have reported
from the live API (see docs/sandbox.md).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A HighLevel error response: HTTP status plus the JSON body to send."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body.get('message')}")
        self.status = status
        self.body = body
        #: Extra response headers (rate-limit headers once the request was counted).
        self.headers: dict[str, str] = {}


class AdminError(ApiError):
    """A refused ``/_sandbox/`` control call: the sandbox's own plain body, not HighLevel's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(status, {"statusCode": status, "message": message})


def bad_request(message: str) -> ApiError:
    return ApiError(400, {"statusCode": 400, "message": message})


def unauthorized(message: str, *, with_error: bool = False) -> ApiError:
    body: dict[str, Any] = {"statusCode": 401, "message": message}
    if with_error:
        body["error"] = "Unauthorized"
    return ApiError(401, body)


def forbidden(message: str) -> ApiError:
    return ApiError(403, {"statusCode": 403, "message": message})


def unprocessable(*messages: str) -> ApiError:
    return ApiError(
        422, {"statusCode": 422, "message": list(messages), "error": "Unprocessable Entity"}
    )


def too_many_requests() -> ApiError:
    return ApiError(429, {"statusCode": 429, "message": "Too many requests"})


INVALID_JWT = "Invalid JWT"
EXPIRED_TOKEN = "Invalid token: access token is invalid"
SCOPE_NOT_AUTHORIZED = "The token is not authorized for this scope."
LOCATION_FORBIDDEN = "The token does not have access to this location."
AUTH_CLASS_NOT_ALLOWED = "This authClass type is not allowed to access this scope."
INVALID_REFRESH = "Invalid grant: refresh token is invalid"
