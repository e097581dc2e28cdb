"""Storefront shop: the profile, opening hours and closures shoppers plan their pickup by."""
