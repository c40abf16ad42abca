"""Merchant and supplier profiles: today's figures and their history by day, from the index."""
