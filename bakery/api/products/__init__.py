"""Storefront products: the public catalog with filters and sorting, and admin writes."""
