"""The producer's shipments: list, detail, moves, packing slip, CSV export, sales figures."""
