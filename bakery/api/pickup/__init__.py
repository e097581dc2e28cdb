"""Storefront pickup slots: when a shopper can collect, for their cart or chosen products."""
