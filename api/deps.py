"""The routes' dependencies, as `Annotated` aliases: the app's state, the signed-in address and
the client's IP.

Who is signed in: a session token from the `Authorization: Bearer` header, else from the session
cookie. Without a valid one, routes that need a session answer 401 (`not-signed-in`), whatever
they guard; a signed-in address that may not see a case's data gets 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from api.auth.service import CurrentSession
from api.problems import ApiProblem
from api.state import ApiState

SESSION_COOKIE = "fairkey_session"
INT64 = 2**63 - 1


async def api_state(request: Request) -> ApiState:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request
    return request.app.state.api


State = Annotated[ApiState, Depends(api_state)]


def session_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def optional_session(request: Request, state: State) -> CurrentSession | None:
    token = session_token(request)
    if not token or len(token) > 200:
        return None
    return state.auth.session_of(token)


def signed_in(
    session: Annotated[CurrentSession | None, Depends(optional_session)],
) -> CurrentSession:
    if session is None:
        raise ApiProblem(
            401,
            "not-signed-in",
            "not signed in",
            "sign in with Ethereum first (POST /auth/nonce, then POST /auth/verify)",
            headers={"WWW-Authenticate": 'Bearer realm="fairkey"'},
        )
    return session


SignedIn = Annotated[CurrentSession, Depends(signed_in)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]

CaseId = Annotated[int, Path(ge=1, le=INT64, description="The court's case id")]
