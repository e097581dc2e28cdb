/** The shopper's sign-in: a bearer token kept in localStorage so it lasts across tabs. */
import { create } from "zustand";
import { createJSONStorage, persist } from "zustand/middleware";

export type Session = {
  token: string;
  /** ISO 8601; the token is not sent after this. */
  expiresAt: string | null;
  email: string | null;
  name: string | null;
};

type SessionState = {
  session: Session | null;
  /** Set when the API refused the token: the layout sends the shopper to sign in again. */
  expired: boolean;
  signIn: (session: Session) => void;
  /** A fresh token for the same sign-in (Clerk's last a minute unless a JWT template says otherwise). */
  renew: (token: string, expiresAt: string | null) => void;
  signOut: () => void;
  expire: () => void;
  acknowledgeExpiry: () => void;
  /** The token while it is valid, else null (and the session is marked expired). */
  currentToken: () => string | null;
};

export function isExpired(session: Session, now: number = Date.now()): boolean {
  return session.expiresAt !== null && Date.parse(session.expiresAt) <= now;
}

export const useSession = create<SessionState>()(
  persist(
    (set, get) => ({
      session: null,
      expired: false,
      signIn: (session) => set({ session, expired: false }),
      renew: (token, expiresAt) => {
        const { session } = get();
        if (session) set({ session: { ...session, token, expiresAt } });
      },
      signOut: () => set({ session: null, expired: false }),
      expire: () => {
        if (get().session) set({ session: null, expired: true });
      },
      acknowledgeExpiry: () => set({ expired: false }),
      currentToken: () => {
        const { session } = get();
        if (!session) return null;
        if (isExpired(session)) {
          get().expire();
          return null;
        }
        return session.token;
      },
    }),
    {
      name: "bakery.session",
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({ session: state.session }),
    },
  ),
);

/** True while a valid token is held. */
export function useSignedIn(): boolean {
  return useSession((s) => s.session !== null && !isExpired(s.session));
}
