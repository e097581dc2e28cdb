"""Cart rules: one cart per shopper, one line per product, quantities 1..99, server-side totals."""
