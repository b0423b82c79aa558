"""The buyer's orders: history, the order's timeline, cancelling, ordering again."""
