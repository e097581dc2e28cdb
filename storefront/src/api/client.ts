/** The typed API client: same origin by default, VITE_API_BASE_URL to point elsewhere. */
import createClient, { type Middleware } from "openapi-fetch";
import { bearerToken } from "./bearerToken";
import { ApiError } from "./errors";
import type { paths } from "./schema";
import { useSession } from "../stores/session";

export const apiBaseUrl: string = (import.meta.env.VITE_API_BASE_URL ?? "").replace(/\/$/, "");

const auth: Middleware = {
  async onRequest({ request }) {
    // A request that brings its own token (the cart merge at sign-in) keeps it.
    if (request.headers.has("Authorization")) return request;
    const token = await bearerToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    // A refused token (expired, revoked keys): sign out locally and let the layout send the
    // shopper to sign in again. The guest cart in localStorage is left as it is.
    if (response.status === 401 && request.headers.has("Authorization")) {
      useSession.getState().expire();
    }
    return response;
  },
};

// Network failures (API down) become an ApiError with status 0, so every page shows Retry.
async function fetchOrFail(input: Request): Promise<Response> {
  try {
    return await globalThis.fetch(input);
  } catch {
    throw new ApiError(0, { message: "The shop cannot be reached right now." });
  }
}

export const api = createClient<paths>({ baseUrl: apiBaseUrl, fetch: fetchOrFail });
api.use(auth);
