/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's origin when it is not the app's own (default: same origin). */
  readonly VITE_API_BASE_URL?: string;
  /** Clerk sign-in instead of the development sign-in; Clerk then loads on the sign-in routes only. */
  readonly VITE_CLERK_PUBLISHABLE_KEY?: string;
  /** The Clerk JWT template the API's tokens come from; unset: Clerk's session token. */
  readonly VITE_CLERK_TOKEN_TEMPLATE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
