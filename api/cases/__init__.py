"""A case as its parties and jurors see it: the case, their part in it, its timeline, and the
appeal transaction for a party's wallet."""
