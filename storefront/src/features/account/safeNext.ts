/** Where a sign-in (or a sign-out) goes back to: `next` from the URL. */

/** Only paths of this app: never another site (an open redirect), never the sign-in page itself. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/sign-in") ? next : "/";
}
