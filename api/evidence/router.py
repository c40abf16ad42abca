"""Evidence of a case: parties upload (and anchor it with their own transaction); parties and
drawn jurors list and read it. Everyone else: 403 (signed in) or 401 (not signed in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, UploadFile, status
from fastapi.responses import FileResponse, JSONResponse

from api.cases.access import Participant, Party
from api.deps import CaseId, ClientIp, State
from api.evidence.content import content_matches, media_type
from api.evidence.schemas import AnchorOut, EvidenceList, EvidenceOut, UploadOut
from api.evidence.service import StoredEvidence
from api.problems import ApiProblem, problem_responses
from api.schemas import TxRequest
from api.state import ApiState
from arbitration.court_client import Period

router = APIRouter(prefix="/cases/{case_id}/evidence", tags=["evidence"])
UPLOAD_PATH = r"/cases/[^/]+/evidence/?"

ContentHash = Annotated[
    str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="0x keccak256 of the file")
]


def _uri(state: ApiState, case_id: int, digest: str) -> str:
    return f"{state.settings.public_url}/cases/{case_id}/evidence/{digest}"


def _out(state: ApiState, item: StoredEvidence) -> dict:
    return {
        "content_hash": item.content_hash,
        "uri": _uri(state, item.case_id, item.content_hash),
        "content_type": item.content_type,
        "size": item.size,
        "filename": item.filename,
        "uploaded_by": item.uploader,
        "uploaded_at": item.created_at,
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadOut,
    responses={
        200: {
            "description": "The same file was already uploaded for this case",
            "model": UploadOut,
        },
        **problem_responses(400, 401, 403, 404, 409, 415, 429, 503),
    },
    summary="Upload a file of evidence (parties only)",
    description="Stored under its keccak256. The answer carries the transaction that anchors it "
    "on chain, for the uploader's wallet: `submitEvidence(caseId, uri, contentHash)`.",
)
def upload(
    case_id: CaseId,
    file: Annotated[UploadFile, File(description="png, jpeg, pdf or UTF-8 text; 2 MiB at most")],
    access: Party,
    state: State,
    ip: ClientIp,
):
    state.upload_limit.check(f"ip:{ip}")
    state.upload_limit.check(f"address:{access.me.address}")
    settings = state.settings
    if access.case.period == Period.EXECUTED:
        raise ApiProblem(
            409,
            "case-closed",
            "the case is closed",
            f"case {case_id} was executed: no more evidence",
        )
    kind = media_type(file.content_type)
    if kind not in settings.evidence_types:
        raise ApiProblem(
            415,
            "unsupported-type",
            "unsupported file type",
            f"{kind or 'no type'} is not one of {', '.join(settings.evidence_types)}",
            allowed=list(settings.evidence_types),
        )
    data = file.file.read(settings.max_evidence_bytes + 1)
    if len(data) > settings.max_evidence_bytes:
        raise ApiProblem(
            413,
            "too-large",
            "file too large",
            f"evidence files are {settings.max_evidence_bytes} bytes at most",
        )
    if not data:
        raise ApiProblem(422, "empty-file", "empty file", "the file is empty")
    if not content_matches(kind, data):
        raise ApiProblem(
            415, "content-mismatch", "not what it says", f"the file's content is not {kind}"
        )
    item, new = state.evidence.save(case_id, access.me.address, data, kind, file.filename)
    uri = _uri(state, case_id, item.content_hash)
    tx = state.court.tx_request(
        "submitEvidence", [case_id, uri, bytes.fromhex(item.content_hash[2:])], access.me.address
    )
    body = UploadOut(**_out(state, item), anchor_tx=TxRequest.model_validate(tx))
    return JSONResponse(body.model_dump(by_alias=True), status_code=201 if new else 200)


@router.get(
    "",
    response_model=EvidenceList,
    responses=problem_responses(401, 403, 404, 503),
    summary="The case's evidence: files here and anchors on chain",
)
def list_evidence(access: Participant, state: State) -> EvidenceList:
    case_id = access.case.case_id
    files = [EvidenceOut(**_out(state, item)) for item in state.evidence.of_case(case_id)]
    held = {f.content_hash for f in files}
    anchors = [
        AnchorOut(
            party=e.args["party"],
            uri=e.args["uri"],
            content_hash="0x" + bytes(e.args["contentHash"]).hex(),
            block_number=e.block_number,
            tx_hash="0x" + e.tx_hash.removeprefix("0x"),
            stored_here="0x" + bytes(e.args["contentHash"]).hex() in held,
        )
        for e in state.court.case_events(case_id, ["Evidence"])
    ]
    return EvidenceList(case_id=case_id, files=files, anchors=anchors)


@router.get(
    "/{content_hash}",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, as uploaded",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("image/png", "image/jpeg", "application/pdf", "text/plain")
            },
        },
        **problem_responses(401, 403, 404, 503),
    },
    summary="Read one file of evidence (parties and drawn jurors only)",
)
def read_evidence(content_hash: ContentHash, access: Participant, state: State) -> FileResponse:
    item = state.evidence.get(access.case.case_id, content_hash.lower())
    if item is None:
        raise ApiProblem(
            404,
            "no-such-evidence",
            "no such evidence",
            f"case {access.case.case_id} has no file {content_hash.lower()} here",
        )
    path = state.evidence.path(item.content_hash)
    if not path.is_file():  # the metadata outlived the file (a restored database, a lost disk)
        raise ApiProblem(
            404, "no-such-evidence", "no such evidence", "the file is no longer stored here"
        )
    return FileResponse(
        path,
        media_type=item.content_type,
        filename=item.filename or item.content_hash,
        content_disposition_type="attachment",
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "ETag": f'"{item.content_hash}"',
        },
    )
