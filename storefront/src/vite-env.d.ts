/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's origin when it is not the app's own (default: same origin). */
  readonly VITE_API_BASE_URL?: string;
  /** Clerk sign-in instead of the development sign-in (follow-up, see README). */
  readonly VITE_CLERK_PUBLISHABLE_KEY?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
