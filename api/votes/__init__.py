"""Gasless votes: jurors post EIP-712 signed commits and, in the reveal period, their reveals;
the API checks and keeps them, and a relayer sends them to the court in batches
(`VoteStore.pending_commits` / `pending_reveals`, then `mark_submitted` / `mark_refused`)."""
