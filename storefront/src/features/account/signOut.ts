/**
 * Signing out. The app forgets the account at once. Built with Clerk, Clerk's session must end too,
 * and only Clerk's code can end it: that code loads with the sign-in route, so "Sign out" goes there
 * (which signs out of both) and comes back.
 */
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useLocation, useNavigate } from "react-router";
import { useSession } from "../../stores/session";
import { serverCartKey } from "../cart/useCart";

/** The app's side: no token, and nothing of the account's left in the query cache. */
export function forgetSignIn(queryClient: QueryClient): void {
  useSession.getState().signOut();
  queryClient.removeQueries({ queryKey: serverCartKey });
  queryClient.removeQueries({ queryKey: ["orders"] });
}

// Asked for in the navigation's state, not in the URL: a link cannot sign anyone out.
const signOutRequest = { signOut: true } as const;

export function isSignOutRequest(state: unknown): boolean {
  return typeof state === "object" && state !== null && "signOut" in state && state.signOut === true;
}

/** What the header's "Sign out" does. */
export function useSignOut(): () => void {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  return () => {
    if (import.meta.env.VITE_CLERK_PUBLISHABLE_KEY) {
      // Replacing this page's entry: once signed out, the sign-in page replaces itself with it again.
      const next = encodeURIComponent(location.pathname + location.search);
      navigate(`/sign-in?next=${next}`, { replace: true, state: signOutRequest });
    } else {
      forgetSignIn(queryClient);
    }
  };
}
