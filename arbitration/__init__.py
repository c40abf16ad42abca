"""The juror side of fairkey's community court: the court client, vote commitments and the
salts that let a juror reveal from any machine (docs/arbitration.md)."""
