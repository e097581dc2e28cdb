/** A price in minor units, formatted for the browser's language in the given currency. */
import { formatMoney } from "../lib/money";

export function Money({ cents, currency }: { cents: number; currency: string }) {
  return <span className="money">{formatMoney(cents, currency)}</span>;
}
