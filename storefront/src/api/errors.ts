/** One error type for every failed API call, so pages can tell "down" from "refused". */
import type { ApiErrorBody } from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly body: Partial<ApiErrorBody> | undefined;

  constructor(status: number, body: Partial<ApiErrorBody> | undefined, fallback = "Request failed") {
    super(body?.message ?? body?.status ?? fallback);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }

  /** The server could not be reached or failed itself: worth a Retry button. */
  get isUnavailable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** Field messages from the server's `errors` ({json: {field: [..]}}), flattened to one line each. */
export function fieldMessages(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !error.body?.errors) return {};
  const out: Record<string, string> = {};
  for (const byField of Object.values(error.body.errors)) {
    if (byField && typeof byField === "object") {
      for (const [field, messages] of Object.entries(byField as Record<string, unknown>)) {
        out[field] = Array.isArray(messages) ? messages.join(" ") : String(messages);
      }
    }
  }
  return out;
}

/** The data of an openapi-fetch answer, or an ApiError thrown for TanStack Query to keep. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = typeof result.error === "object" && result.error !== null ? result.error : undefined;
    throw new ApiError(result.response.status, body as Partial<ApiErrorBody> | undefined);
  }
  return result.data as T;
}
