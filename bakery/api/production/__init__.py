"""Storefront production lists: what staff bake and pack for a date."""
