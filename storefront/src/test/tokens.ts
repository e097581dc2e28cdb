/** Unsigned JWT-shaped tokens for tests: the app only ever reads their `exp`. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}.signature`;
}
