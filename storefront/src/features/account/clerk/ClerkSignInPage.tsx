/**
 * Sign-in with Clerk (built with VITE_CLERK_PUBLISHABLE_KEY): Clerk's <SignIn/>, then the same end
 * as the development sign-in (guest cart merged, back where the shopper was). Clerk's session
 * outlives the app's token, so a shopper sent here because the token expired, and still signed in
 * to Clerk, gets a fresh one without a form. The header's "Sign out" comes here too (../signOut.ts).
 */
import { SignIn, useAuth, useClerk, useUser } from "@clerk/clerk-react";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useEffectEvent, useRef, useState } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router";
import { PageHeading } from "../../../components/PageHeading";
import { ErrorState } from "../../../components/States";
import { tokenExpiry } from "../../../lib/jwt";
import { completeSignIn } from "../completeSignIn";
import { safeNext } from "../safeNext";
import { forgetSignIn, isSignOutRequest } from "../signOut";
import { useApiToken } from "./clerkConfig";

// Both steps run once per visit (Strict Mode runs effects twice; a second merge would add the
// guest cart twice). Retry reloads the page, which runs them again.
const retry = () => window.location.reload();

function ClerkUnavailable() {
  return (
    <p className="notice notice-error" role="alert">
      The sign-in service cannot be reached right now. Please try again later.
    </p>
  );
}

function SignInWithClerk({ next, expired }: { next: string; expired: boolean }) {
  const { status } = useClerk();
  const { isSignedIn } = useAuth();
  const { user } = useUser();
  const apiToken = useApiToken();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<unknown>(null);
  const finishing = useRef(false);

  const finish = useEffectEvent(async (signedIn: NonNullable<typeof user>) => {
    try {
      const token = await apiToken();
      if (!token) throw new Error("Clerk gave no token");
      const session = {
        token,
        expiresAt: tokenExpiry(token),
        email: signedIn.primaryEmailAddress?.emailAddress ?? null,
        name: signedIn.fullName,
      };
      await completeSignIn(session, queryClient);
      navigate(next, { replace: true });
    } catch (caught) {
      setError(caught);
    }
  });

  useEffect(() => {
    if (!isSignedIn || !user || finishing.current) return;
    finishing.current = true;
    void finish(user);
  }, [isSignedIn, user]);

  // After signing in Clerk comes back to this very page, which then finishes and moves on.
  const here = location.pathname + location.search;
  return (
    <section className="narrow">
      <PageHeading>Sign in</PageHeading>
      {status === "loading" && <p role="status">Loading the sign-in…</p>}
      {status === "error" && <ClerkUnavailable />}
      {isSignedIn === false && (
        <>
          {expired && (
            <p className="notice" role="status">
              Your sign-in has expired. Please sign in again; your cart is kept.
            </p>
          )}
          <SignIn routing="hash" withSignUp forceRedirectUrl={here} signUpForceRedirectUrl={here} />
        </>
      )}
      {isSignedIn &&
        (error === null ? <p role="status">Signing you in…</p> : <ErrorState error={error} onRetry={retry} />)}
    </section>
  );
}

function SignOutOfClerk({ next }: { next: string }) {
  const { status } = useClerk();
  const { signOut } = useAuth();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);

  const signOutOfBoth = useEffectEvent(async () => {
    forgetSignIn(queryClient);
    try {
      // The callback stands in for Clerk's own redirect (to its afterSignOutUrl): the shopper
      // goes back to the page they signed out on.
      await signOut(() => undefined);
      navigate(next, { replace: true });
    } catch (caught) {
      setError(caught);
    }
  });

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void signOutOfBoth();
  }, []);

  return (
    <section className="narrow">
      <PageHeading>Signing out</PageHeading>
      {status === "error" ? (
        <ClerkUnavailable />
      ) : error === null ? (
        <p role="status">Signing you out…</p>
      ) : (
        <ErrorState error={error} onRetry={retry} />
      )}
    </section>
  );
}

export default function ClerkSignInPage() {
  const [params] = useSearchParams();
  const location = useLocation();
  const next = safeNext(params.get("next"));
  return isSignOutRequest(location.state) ? (
    <SignOutOfClerk next={next} />
  ) : (
    <SignInWithClerk next={next} expired={params.get("expired") === "1"} />
  );
}
