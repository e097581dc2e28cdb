// What both journeys share: the client, the contract's enumerations, and how errors read.
import createClient from "openapi-fetch";
import type { paths } from "./generated/api";

export type Api = ReturnType<typeof createClient<paths>>;

export function bakeryClient(baseUrl: string, token: string): Api {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

// The contract's enumerations (README, "Storefront API"), written down by the client: a
// response property typed `string` or `unknown` instead of these does not compile against them.
export type OrderStatus = "pending" | "confirmed" | "baking" | "ready" | "completed" | "cancelled";
export type Fulfillment = "pickup" | "delivery";
export type Allergen =
  | "gluten"
  | "crustaceans"
  | "eggs"
  | "fish"
  | "peanuts"
  | "soybeans"
  | "milk"
  | "nuts"
  | "celery"
  | "mustard"
  | "sesame"
  | "sulphites"
  | "lupin"
  | "molluscs";

export const STATUS_LABELS: Record<OrderStatus, string> = {
  pending: "Received",
  confirmed: "Confirmed",
  baking: "In the oven",
  ready: "Ready to collect",
  completed: "Collected",
  cancelled: "Cancelled",
};

// Every error is JSON: {"code", "status", "message", "errors"}.
export interface ApiErrorBody {
  code: number;
  status: string;
  message: string;
  errors?: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    readonly what: string,
    readonly response: Response,
    readonly body: ApiErrorBody | undefined,
  ) {
    super(`${what}: ${response.status} ${body ? `${body.status}: ${body.message}` : ""}`);
  }
}

export function formatPrice(cents: number, currency: string): string {
  return new Intl.NumberFormat("en-IE", { style: "currency", currency }).format(cents / 100);
}

export function formatInstant(iso: string): string {
  return new Date(iso).toLocaleString("en-IE", { dateStyle: "medium", timeStyle: "short" });
}
