/** Pages for signed-in shoppers only send the others to sign in, and back afterwards. */
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useSignedIn } from "../../stores/session";

export function RequireSignIn({ children }: { children: ReactNode }) {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) {
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  return <>{children}</>;
}
