"""Development sign-in: customer tokens from the built-in issuer, for a shop without Clerk."""
