/** A stand-in for @clerk/clerk-react in tests: Clerk's state is whatever the test sets. */
import type { ReactNode } from "react";
import { vi } from "vitest";

export const clerk = {
  status: "ready" as "loading" | "ready" | "error",
  isSignedIn: false,
  user: null as null | { primaryEmailAddress: { emailAddress: string } | null; fullName: string | null },
  getToken: vi.fn<(options?: { template?: string }) => Promise<string | null>>(),
  signOut: vi.fn<(callback?: () => unknown) => Promise<void>>(),
  providerProps: {} as Record<string, unknown>,
};

export const clerkReactMock = {
  ClerkProvider: ({ children, ...props }: { children: ReactNode }) => {
    clerk.providerProps = props;
    return <>{children}</>;
  },
  useClerk: () => ({ status: clerk.status }),
  useAuth: () => ({
    isLoaded: clerk.status === "ready",
    isSignedIn: clerk.status === "ready" ? clerk.isSignedIn : undefined,
    getToken: clerk.getToken,
    signOut: clerk.signOut,
  }),
  useUser: () => ({ user: clerk.user }),
  SignIn: ({ forceRedirectUrl }: { forceRedirectUrl?: string }) => <p>Clerk's sign-in form, then back to {forceRedirectUrl}</p>,
};
