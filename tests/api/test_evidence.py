"""Evidence: a party uploads a file, anchors it with its own wallet's transaction; the case's
parties and drawn jurors read it; the other case's parties and strangers get 403, anonymous
readers 401."""

from __future__ import annotations

import json
import socket

from eth_utils import keccak

from api.problems import PROBLEM_BASE, PROBLEM_JSON
from tests.api.conftest import PNG, PUBLIC_URL, open_case, wallet_send


def _upload(client, case_id, data=PNG, content_type="image/png", name="screenshot.png"):
    return client.post(f"/cases/{case_id}/evidence", files={"file": (name, data, content_type)})


def _problem(answer, status, kind):
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    assert answer.json()["type"] == PROBLEM_BASE + kind
    return answer.json()


def test_a_party_uploads_and_anchors_evidence_that_a_drawn_juror_reads(api, world, case):
    buyer = api.sign_in(case.buyer)
    answer = _upload(buyer, case.case_id)
    assert answer.status_code == 201, answer.text
    evidence = answer.json()
    digest = "0x" + keccak(PNG).hex()
    assert evidence["content_hash"] == digest
    assert evidence["uri"] == f"{PUBLIC_URL}/cases/{case.case_id}/evidence/{digest}"
    assert evidence["size"] == len(PNG) and evidence["uploaded_by"] == case.buyer.address

    anchored = wallet_send(world, case.buyer, evidence["anchor_tx"]).event("Evidence").args
    assert anchored["caseId"] == case.case_id and anchored["party"] == case.buyer.address
    assert anchored["uri"] == evidence["uri"] and "0x" + anchored["contentHash"].hex() == digest

    juror = api.sign_in(case.panel[0])
    listed = juror.get(f"/cases/{case.case_id}/evidence").json()
    assert [f["content_hash"] for f in listed["files"]] == [digest]
    assert [(a["content_hash"], a["party"], a["stored_here"]) for a in listed["anchors"]] == [
        (digest, case.buyer.address, True)
    ]
    read = juror.get(f"/cases/{case.case_id}/evidence/{digest}")
    assert read.status_code == 200 and read.content == PNG
    assert read.headers["content-type"] == "image/png"
    assert read.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in read.headers["content-disposition"]
    assert keccak(read.content).hex() == digest[2:]


def test_the_other_party_reads_it_too(api, case):
    digest = _upload(api.sign_in(case.buyer), case.case_id).json()["content_hash"]
    merchant = api.sign_in(case.merchant)
    assert merchant.get(f"/cases/{case.case_id}/evidence/{digest}").content == PNG


def test_the_other_cases_party_a_stranger_and_an_anonymous_reader_are_refused(
    api, world, accounts, case
):
    other = open_case(world, buyer="buyer2", merchant="merchant2")
    digest = _upload(api.sign_in(case.buyer), case.case_id).json()["content_hash"]
    path = f"/cases/{case.case_id}/evidence/{digest}"
    outsiders = [other.buyer, other.merchant, accounts["stranger"]]
    outsiders += [j for j in other.panel if j not in case.panel]  # jurors of the other case only
    for account in outsiders:
        client = api.sign_in(account)
        _problem(client.get(path), 403, "not-a-participant")
        _problem(client.get(f"/cases/{case.case_id}/evidence"), 403, "not-a-participant")
        _problem(client.get(f"/cases/{case.case_id}"), 403, "not-a-participant")
    _problem(api.client().get(path), 401, "not-signed-in")
    # The same file under the other case does not exist there, even for its own parties.
    _problem(
        api.sign_in(other.buyer).get(f"/cases/{other.case_id}/evidence/{digest}"),
        404,
        "no-such-evidence",
    )


def test_jurors_may_read_but_not_upload(api, case):
    juror = api.sign_in(case.panel[0])
    _problem(_upload(juror, case.case_id), 403, "not-a-party")


def test_the_same_file_twice_is_stored_once(api, case):
    buyer = api.sign_in(case.buyer)
    first = _upload(buyer, case.case_id)
    again = _upload(buyer, case.case_id, name="copy.png")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["content_hash"] == first.json()["content_hash"]
    assert again.json()["filename"] == "screenshot.png"
    files = [p for p in (api.state.settings.data_folder / "evidence").rglob("0x*")]
    assert len(files) == 1


def test_files_of_another_type_or_size_or_not_what_they_claim_are_refused(api, case):
    buyer = api.sign_in(case.buyer)
    _problem(
        _upload(buyer, case.case_id, b"<html><script>", "text/html", "x.html"),
        415,
        "unsupported-type",
    )
    _problem(
        _upload(buyer, case.case_id, b"<html><script>", "image/png", "x.png"),
        415,
        "content-mismatch",
    )
    _problem(
        _upload(buyer, case.case_id, b"\x00\x01binary", "text/plain", "x.txt"),
        415,
        "content-mismatch",
    )
    _problem(_upload(buyer, case.case_id, b"", "text/plain", "x.txt"), 422, "empty-file")
    big = PNG + b"\x00" * (2 * 1024 * 1024)
    _problem(_upload(buyer, case.case_id, big), 413, "too-large")
    assert (
        _upload(buyer, case.case_id, "收据 receipt\n".encode(), "text/plain", "r.txt").status_code
        == 201
    )
    assert (
        _upload(buyer, case.case_id, b"%PDF-1.7\n...", "application/pdf", "r.pdf").status_code
        == 201
    )


def test_an_oversized_body_is_refused_before_it_is_read(api, case):
    """A 50 MiB Content-Length is answered at once, before a byte of the body is sent."""
    token = api.sign_in(case.buyer).headers["authorization"]
    host, port = api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            (
                f"POST /cases/{case.case_id}/evidence HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: {token}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
            ).encode()
        )
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert b"application/problem+json" in head
    assert json.loads(body)["type"] == PROBLEM_BASE + "too-large"


def test_uploads_are_rate_limited_per_address(make_api, case):
    api = make_api(upload_burst=2, upload_rate=0.01)
    buyer = api.sign_in(case.buyer)
    assert _upload(buyer, case.case_id).status_code == 201
    assert _upload(buyer, case.case_id, PNG + b"2").status_code == 201
    answer = _upload(buyer, case.case_id, PNG + b"3")
    _problem(answer, 429, "rate-limited")
    assert int(answer.headers["retry-after"]) >= 1


def test_unknown_case_and_no_case_evidence_are_404(api, case):
    buyer = api.sign_in(case.buyer)
    _problem(buyer.get("/cases/999/evidence"), 404, "no-such-case")
    _problem(buyer.get(f"/cases/{case.case_id}/evidence/0x{'ab' * 32}"), 404, "no-such-evidence")
