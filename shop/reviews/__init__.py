"""Verified buyers' reviews: one per delivered order line, a producer's reply, staff moderation."""
