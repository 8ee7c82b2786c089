"""The auth flow: refresh once after a 401 for a bad token, never for other refusals."""

from __future__ import annotations

import json

import pytest
import requests

from ghl_api.auth import BearerAuth, StaticTokenAuth
from ghl_api.errors import AuthError


class RotatingAuth(BearerAuth):
    """Counts refreshes; each one issues the next token."""

    can_refresh = True

    def __init__(self) -> None:
        self.token = "t1"
        self.refreshed_after: list[str | None] = []

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def refresh(self, rejected_token: str | None = None) -> None:
        self.refreshed_after.append(rejected_token)
        self.token = f"t{len(self.refreshed_after) + 1}"


def answer(status: int, message: str = "") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps({"statusCode": status, "message": message}).encode()
    return response


def prepared() -> requests.PreparedRequest:
    return requests.Request("GET", "http://h/contacts/x").prepare()


def run(auth: BearerAuth, answers: list[requests.Response]) -> list[str]:
    """Drive the flow like the client does; return the Authorization header of each send."""
    flow = auth.auth_flow(prepared())
    sent = [next(flow).headers["Authorization"]]
    for response in answers:
        try:
            sent.append(flow.send(response).headers["Authorization"])
        except StopIteration:
            break
    return sent


def test_bad_token_is_refreshed_once_and_the_request_sent_again() -> None:
    auth = RotatingAuth()
    sent = run(auth, [answer(401, "Invalid JWT"), answer(401, "Invalid JWT")])
    assert sent == ["Bearer t1", "Bearer t2"]
    assert auth.refreshed_after == ["t1"]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (200, ""),
        (401, "The token is not authorized for this scope."),
        (403, "The token does not have access to this location."),
        (401, "This authClass type is not allowed to access this scope."),
        (403, "Invalid JWT"),
        (500, "Internal Server Error"),
    ],
)
def test_other_answers_end_the_flow_without_refresh(status: int, message: str) -> None:
    auth = RotatingAuth()
    assert run(auth, [answer(status, message)]) == ["Bearer t1"]
    assert auth.refreshed_after == []


def test_static_token_is_sent_once_even_after_a_401() -> None:
    auth = StaticTokenAuth("pit-abc")
    assert run(auth, [answer(401, "Invalid JWT")]) == ["Bearer pit-abc"]
    with pytest.raises(AuthError, match="cannot be refreshed"):
        auth.refresh()


def test_the_callers_request_is_not_modified() -> None:
    request = prepared()
    flow = RotatingAuth().auth_flow(request)
    next(flow)
    assert "Authorization" not in request.headers
