"""Evidence files: uploaded by a case's parties, stored content-addressed (keccak256), anchored
on chain by the party's own `submitEvidence` transaction, readable only by the case's parties and
drawn jurors."""
