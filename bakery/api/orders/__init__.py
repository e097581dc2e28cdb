"""Storefront orders: checkout, the shopper's orders, cancellation and staff status changes."""
