"""Sign-In with Ethereum: a nonce, then the signed message; the session, and sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from api.auth.schemas import NonceOut, SessionOut, VerifyIn
from api.auth.siwe_check import SignInRefused
from api.deps import SESSION_COOKIE, ClientIp, SignedIn, State, session_token
from api.problems import ApiProblem, problem_responses

router = APIRouter(prefix="/auth", tags=["auth"])

_TITLES = {
    "siwe-malformed": "not a sign-in message",
    "siwe-wrong-domain": "message for another site",
    "siwe-wrong-uri": "message for another site",
    "siwe-wrong-chain": "message for another chain",
    "siwe-expired": "message expired",
    "siwe-not-yet-valid": "message not yet valid",
    "siwe-bad-signature": "bad signature",
    "siwe-unknown-nonce": "unknown nonce",
    "siwe-nonce-used": "nonce already used",
    "siwe-nonce-expired": "nonce expired",
}


@router.post(
    "/nonce",
    status_code=status.HTTP_201_CREATED,
    response_model=NonceOut,
    responses=problem_responses(429),
    summary="A fresh sign-in nonce (single use, short-lived)",
)
def new_nonce(state: State, ip: ClientIp) -> NonceOut:
    state.signin_limit.check(f"ip:{ip}")
    nonce = state.auth.issue_nonce()
    s = state.settings
    return NonceOut(
        nonce=nonce.nonce,
        issued_at=nonce.issued_at,
        expires_at=nonce.expires_at,
        domain=s.domain,
        uri=s.public_url,
        chain_id=state.auth.rules.chain_id,
    )


@router.post(
    "/verify",
    response_model=SessionOut,
    responses=problem_responses(400, 401, 429),
    summary="Sign in: the EIP-4361 message and its signature",
    description="401 when the message does not sign in here; the problem's type names why "
    "(wrong domain, URI or chain, expired, bad signature, unknown, used or expired nonce).",
)
def verify(body: VerifyIn, response: Response, state: State, ip: ClientIp) -> SessionOut:
    state.signin_limit.check(f"ip:{ip}")
    try:
        signed = state.auth.sign_in(body.message, body.signature)
    except SignInRefused as refused:
        status_code = 422 if refused.kind == "siwe-malformed" else 401
        raise ApiProblem(status_code, refused.kind, _TITLES[refused.kind], refused.detail) from None
    if body.session == "bearer":
        return SessionOut(address=signed.address, expires_at=signed.expires_at, token=signed.token)
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=max(0, signed.expires_at - int(state.clock())),
        httponly=True,
        secure=state.settings.cookie_secure,
        samesite="strict",
        path="/",
    )
    return SessionOut(address=signed.address, expires_at=signed.expires_at)


@router.get(
    "/session",
    response_model=SessionOut,
    responses=problem_responses(401),
    summary="Who is signed in",
)
def current(session: SignedIn) -> SessionOut:
    return SessionOut(address=session.address, expires_at=session.expires_at)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(),
    summary="Sign out: the session ends now (without one, nothing to do)",
)
def logout(request: Request, state: State) -> Response:
    token = session_token(request)
    if token and len(token) <= 200:
        state.auth.sign_out(token)
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=state.settings.cookie_secure,
    )
    return response
