"""The public, read-only catalogue API under /api/v1/ and its OpenAPI document."""
