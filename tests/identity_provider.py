"""A stand-in identity provider for tests: its own RSA and EC keys and a real JWKS server."""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://idp.bakery.test/"


def _new_private_key(algorithm: str):
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


@functools.cache
def _provider_private_key(algorithm: str):
    # RSA keys take a while to make: every provider instance signs with the same two, under
    # fresh key ids. A key that must differ from the provider's is made with shared=False.
    return _new_private_key(algorithm)


class SigningKeyPair:
    def __init__(self, algorithm: str, kid: str | None = None, *, shared: bool = False) -> None:
        self.algorithm = algorithm
        self.kid = kid or uuid.uuid4().hex
        if shared:
            self.private = _provider_private_key(algorithm)
        else:
            self.private = _new_private_key(algorithm)
        if algorithm == "RS256":
            jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.public_jwk = {**jwk, "kid": self.kid, "use": "sig", "alg": algorithm}


class IdentityProvider:
    """Serves {"keys": [...]} over HTTP on loopback and counts how often it was fetched."""

    def __init__(self) -> None:
        self.rsa = SigningKeyPair("RS256", shared=True)
        self.ec = SigningKeyPair("ES256", shared=True)
        self.published = [self.rsa, self.ec]
        self.fetches = 0
        self.down = False
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                if provider.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                body = json.dumps({"keys": [k.public_jwk for k in provider.published]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        # A short poll interval: shutdown() at the end of each test waits for one poll.
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(
        self,
        key: SigningKeyPair | None = None,
        *,
        headers: dict | None = None,
        omit: tuple[str, ...] = (),
        **claims,
    ) -> str:
        """A token signed by `key` (RSA by default) with sensible claims; override any of them."""
        key = key or self.rsa
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "sub": "user_2abc",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "email": "ana@example.com",
            "name": "Ana Baker",
            **claims,
        }
        for name in omit:
            payload.pop(name, None)
        header = {"kid": key.kid, **(headers or {})}
        header = {name: value for name, value in header.items() if value is not None}
        return jwt.encode(payload, key.private, algorithm=key.algorithm, headers=header)
