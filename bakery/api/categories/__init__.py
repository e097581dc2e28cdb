"""Storefront categories: public list and detail, and admin writes."""
