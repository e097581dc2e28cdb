/**
 * Clerk around the routes that sign in or act for a signed-in shopper (app/signInRoutes.ts): its
 * provider, and fresh tokens for every API request while Clerk is loaded.
 */
import { ClerkProvider, useAuth } from "@clerk/clerk-react";
import { useCallback, useEffect } from "react";
import { Outlet, useNavigate } from "react-router";
import { renewTokensWith } from "../../../api/bearerToken";
import { publishableKey, useApiToken } from "./clerkConfig";

function FreshTokens() {
  const { isLoaded } = useAuth();
  const apiToken = useApiToken();
  // Until Clerk has loaded (or when it cannot) the kept token serves: Clerk's getToken would wait.
  useEffect(() => (isLoaded ? renewTokensWith(apiToken) : undefined), [isLoaded, apiToken]);
  return null;
}

export default function ClerkLayout() {
  const navigate = useNavigate();
  // Clerk navigates only to come back to the sign-in page after signing in: replacing the entry
  // keeps Back from landing on a finished sign-in.
  const go = useCallback((to: string) => navigate(to, { replace: true }), [navigate]);
  return (
    <ClerkProvider publishableKey={publishableKey} routerPush={go} routerReplace={go}>
      <FreshTokens />
      <Outlet />
    </ClerkProvider>
  );
}
