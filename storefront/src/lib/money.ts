/** Money: integer minor units in, the browser's language and the shop's currency out. */

const formatters = new Map<string, Intl.NumberFormat>();

export function browserLanguage(): string {
  return (typeof navigator !== "undefined" && navigator.language) || "en";
}

function formatterFor(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: "currency", currency });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** 450 EUR cents -> "€4.50" (en) or "4,50 €" (de); JPY has no minor unit, so 450 is ¥450. */
export function formatMoney(cents: number, currency: string, locale: string = browserLanguage()): string {
  const formatter = formatterFor(currency, locale);
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(cents / 10 ** digits);
}
