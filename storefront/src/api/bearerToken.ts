/**
 * The bearer token the API client sends. Clerk's tokens are short-lived, so while Clerk is loaded
 * (on its routes only) each request asks it for a fresh one and keeps it; elsewhere the kept token
 * serves until it expires, as the development sign-in's does.
 */
import { tokenExpiry } from "../lib/jwt";
import { useSession } from "../stores/session";

/** A fresh token from the sign-in provider, or null when its session has ended. */
export type TokenRenewer = () => Promise<string | null>;

let renewer: TokenRenewer | null = null;

/** Set while the provider is loaded; the returned function takes it away again. */
export function renewTokensWith(next: TokenRenewer): () => void {
  renewer = next;
  return () => {
    if (renewer === next) renewer = null;
  };
}

export async function bearerToken(): Promise<string | null> {
  const { session, currentToken, renew, expire } = useSession.getState();
  if (!session || !renewer) return currentToken();
  let token: string | null;
  try {
    token = await renewer();
  } catch {
    // The provider cannot be asked (offline): the kept token may still do, the API decides.
    return currentToken();
  }
  if (token === null) {
    // Signed out of the provider (in another tab, or its session ended): the app follows.
    expire();
    return null;
  }
  renew(token, tokenExpiry(token));
  return token;
}
