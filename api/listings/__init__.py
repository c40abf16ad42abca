"""Listings with their pre-sale figures and their off-chain description (api/metadata/)."""
