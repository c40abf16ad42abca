"""The dApp's key-check envelope is the SDK's: the TypeScript side seals the committed vectors to
the same bytes (web/test/verifierEnvelope.test.ts), and envelopes it seals with fresh randomness
open with the verifier's own `open_for_verifier`, only for the order they were sealed for."""

from __future__ import annotations

import json

import pytest

from fairkey.verifier.envelope import Envelope, EnvelopeError, open_for_verifier
from scripts import web_vectors
from tests.web.vitest import run_vitest

TEST_FILE = "test/verifierEnvelope.test.ts"


def test_the_sdk_opens_what_the_dapp_seals(tmp_path):
    out = tmp_path / "envelopes.json"
    run = run_vitest(tmp_path, TEST_FILE, env={"FAIRKEY_ENVELOPE_OUT": str(out)})
    assert run.returncode == 0 and run.failed == 0, "\n".join(run.failures()) or run.output[-4000:]
    assert run.files() == {TEST_FILE: "passed"}
    vectors = web_vectors.envelope_vectors()
    sealed = json.loads(out.read_text())
    assert [s["key"] for s in sealed] == [c["key"] for c in vectors["cases"]]

    secret = bytes.fromhex(vectors["verifier_secret"][2:])
    for entry, case in zip(sealed, vectors["cases"], strict=True):
        envelope = Envelope.from_json(entry["envelope"])
        assert envelope.to_json() != case["envelope"]  # fresh ephemeral key and nonce
        aad = bytes.fromhex(entry["aad"][2:])
        assert open_for_verifier(envelope, secret, aad) == bytes.fromhex(entry["key"][2:])
        another_order = aad[:-1] + bytes([aad[-1] ^ 1])
        with pytest.raises(EnvelopeError, match="does not open"):
            open_for_verifier(envelope, secret, another_order)
