"""Buyers' reports of a problem with an OCOP label, and the staff queue that handles them."""
