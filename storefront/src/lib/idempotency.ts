/** Idempotency keys: one per checkout attempt, reused by its retries. */

export function newIdempotencyKey(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") {
    try {
      return crypto.randomUUID();
    } catch {
      // randomUUID needs a secure context; fall through
    }
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The same body keeps its key (a double click, a retry after a timeout: one order); a changed
 * body is a new attempt with a new key (the server refuses a reused key with another body).
 */
export function createAttemptKeys() {
  let last: { body: string; key: string } | null = null;
  return {
    keyFor(body: unknown): string {
      const text = JSON.stringify(body);
      if (!last || last.body !== text) last = { body: text, key: newIdempotencyKey() };
      return last.key;
    },
    reset(): void {
      last = null;
    },
  };
}
