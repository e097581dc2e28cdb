/** Clerk's build-time settings (this folder is only ever loaded when the key is set). */
import { useAuth } from "@clerk/clerk-react";
import { useCallback } from "react";

export const publishableKey: string = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY ?? "";

/**
 * Clerk's token for the bakery's API: from the JWT template VITE_CLERK_TOKEN_TEMPLATE names (its
 * claims, its lifetime) when set, else Clerk's session token.
 */
export function useApiToken(): () => Promise<string | null> {
  const { getToken } = useAuth();
  return useCallback(() => getToken({ template: import.meta.env.VITE_CLERK_TOKEN_TEMPLATE || undefined }), [getToken]);
}
