/**
 * Dates and times: in the browser's language, always in the shop's time zone (from
 * GET /api/v1/shop), never the browser's own zone.
 */
import { browserLanguage } from "./money";

/** "2026-12-12" (a shop-local date) -> "Sat 12 Dec": weekday, day, month in the browser's words. */
export function formatDay(isoDate: string, locale: string = browserLanguage()): string {
  const parts = new Intl.DateTimeFormat(locale, {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  }).formatToParts(dateAtUtcNoon(isoDate));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  // A fixed order keeps the names stable across English variants ("Sat 12 Dec").
  return [part("weekday"), part("day"), part("month")].filter(Boolean).join(" ");
}

/** A long date for headings: "Saturday, 12 December 2026" (the browser's order). */
export function formatLongDay(isoDate: string, locale: string = browserLanguage()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "full", timeZone: "UTC" }).format(dateAtUtcNoon(isoDate));
}

/** An instant -> "08:00" (24-hour clock) in the shop's zone. */
export function formatTime(instant: string, timeZone: string, locale: string = browserLanguage()): string {
  return new Intl.DateTimeFormat(locale, {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone,
  }).format(new Date(instant));
}

/** An instant -> a medium date and short time in the shop's zone. */
export function formatDateTime(instant: string, timeZone: string, locale: string = browserLanguage()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(instant));
}

/** The shop-local date of an instant, as YYYY-MM-DD. */
export function shopDateOf(instant: string | Date, timeZone: string): string {
  const date = typeof instant === "string" ? new Date(instant) : instant;
  const parts = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** "Sat 12 Dec, 08:00–08:30" in the shop's zone; without an end, just the start. */
export function formatPickupWindow(
  start: string,
  end: string | null | undefined,
  timeZone: string,
  locale: string = browserLanguage(),
): string {
  const day = formatDay(shopDateOf(start, timeZone), locale);
  const from = formatTime(start, timeZone, locale);
  return end ? `${day}, ${from}–${formatTime(end, timeZone, locale)}` : `${day}, ${from}`;
}

/** ISO weekday 1 (Monday) .. 7 (Sunday) -> its name in the browser's language. */
export function weekdayName(weekday: number, locale: string = browserLanguage(), style: "long" | "short" = "long"): string {
  // 2024-01-01 was a Monday.
  const date = new Date(Date.UTC(2024, 0, weekday, 12));
  return new Intl.DateTimeFormat(locale, { weekday: style, timeZone: "UTC" }).format(date);
}

function dateAtUtcNoon(isoDate: string): Date {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, 12));
}
