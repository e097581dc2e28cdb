/** What the app reads from a JWT: only when it expires (the API verifies the rest). */

/** The token's `exp` as ISO 8601, or null when it has none or cannot be read. */
export function tokenExpiry(token: string): string | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    // base64url, as JWTs encode it; atob takes the padding as optional.
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    const exp = typeof claims === "object" && claims !== null && "exp" in claims ? claims.exp : undefined;
    return typeof exp === "number" ? new Date(exp * 1000).toISOString() : null;
  } catch {
    return null;
  }
}
