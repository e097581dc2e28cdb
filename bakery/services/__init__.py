"""The shared domain: business rules written once, called by the API, the dashboard and the CLI.

Service functions take plain arguments, flush but never commit, and raise the errors of
bakery.services.errors; the caller commits once and turns errors into its own answers.
"""
