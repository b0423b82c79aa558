"""The money side: what each producer is owed, when, and why (an append-only ledger)."""
