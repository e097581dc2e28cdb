"""Bearer tokens verified against the identity provider's JWKS, the development issuer, roles."""
