"""Evidence as answered."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas import TxRequest


class EvidenceOut(BaseModel):
    content_hash: str = Field(description="0x keccak256 of the file")
    uri: str = Field(description="Where the file is read (parties and drawn jurors only)")
    content_type: str
    size: int
    filename: str | None
    uploaded_by: str
    uploaded_at: int


class UploadOut(EvidenceOut):
    anchor_tx: TxRequest = Field(
        description="submitEvidence(caseId, uri, contentHash), for the uploader's wallet to send"
    )


class AnchorOut(BaseModel):
    party: str
    uri: str
    content_hash: str
    block_number: int
    tx_hash: str
    stored_here: bool = Field(description="Whether this API holds the file")


class EvidenceList(BaseModel):
    case_id: int
    files: list[EvidenceOut] = Field(description="Files uploaded here, oldest first")
    anchors: list[AnchorOut] = Field(description="Evidence anchored on chain, oldest first")
