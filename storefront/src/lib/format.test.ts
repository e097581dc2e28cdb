import { describe, expect, it } from "vitest";
import { formatDateTime, formatDay, formatPickupWindow, formatTime, shopDateOf, weekdayName } from "./dates";
import { formatMoney } from "./money";

// Intl may use narrow no-break spaces; compare with plain spaces.
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("money", () => {
  it("formats minor units in the shop's currency and the browser's language", () => {
    expect(formatMoney(450, "EUR", "en-GB")).toBe("€4.50");
    expect(plain(formatMoney(450, "EUR", "de-DE"))).toBe("4,50 €");
    expect(formatMoney(123456, "USD", "en-US")).toBe("$1,234.56");
    expect(formatMoney(0, "GBP", "en-GB")).toBe("£0.00");
  });

  it("knows currencies without minor units", () => {
    expect(formatMoney(450, "JPY", "en-US")).toBe("¥450");
  });
});

describe("dates in the shop's time zone", () => {
  it("names a pickup day as weekday, day and month", () => {
    expect(formatDay("2026-12-12", "en-GB")).toBe("Sat 12 Dec");
    expect(formatDay("2026-12-12", "en-US")).toBe("Sat 12 Dec");
  });

  it("shows times on a 24-hour clock in the shop's zone, not the browser's", () => {
    expect(formatTime("2026-12-12T08:00:00+01:00", "Europe/Berlin", "en-US")).toBe("08:00");
    expect(formatTime("2026-12-12T07:00:00Z", "Europe/Berlin", "en-GB")).toBe("08:00");
    expect(formatTime("2026-12-12T07:00:00Z", "America/New_York", "en-GB")).toBe("02:00");
  });

  it("follows daylight saving time", () => {
    expect(formatTime("2026-07-01T06:00:00Z", "Europe/Berlin", "en-GB")).toBe("08:00");
    expect(formatTime("2026-01-01T06:00:00Z", "Europe/Berlin", "en-GB")).toBe("07:00");
  });

  it("takes the shop's date of an instant near midnight", () => {
    expect(shopDateOf("2026-12-11T23:30:00Z", "Europe/Berlin")).toBe("2026-12-12");
    expect(shopDateOf("2026-12-12T03:30:00Z", "America/Los_Angeles")).toBe("2026-12-11");
  });

  it("writes a pickup window", () => {
    expect(formatPickupWindow("2026-12-12T08:00:00+01:00", "2026-12-12T08:30:00+01:00", "Europe/Berlin", "en-GB")).toBe(
      "Sat 12 Dec, 08:00–08:30",
    );
    expect(formatPickupWindow("2026-12-12T08:00:00+01:00", null, "Europe/Berlin", "en-GB")).toBe("Sat 12 Dec, 08:00");
  });

  it("formats a moment and weekday names in the browser's language", () => {
    expect(plain(formatDateTime("2026-12-10T17:02:11Z", "Europe/Berlin", "en-GB"))).toBe("10 Dec 2026, 18:02");
    expect(weekdayName(1, "en-GB")).toBe("Monday");
    expect(weekdayName(7, "de-DE")).toBe("Sonntag");
  });
});
