"""Storefront cart: the signed-in shopper's cart and its lines."""
