"""Storefront me: the signed-in user as the API knows them."""
