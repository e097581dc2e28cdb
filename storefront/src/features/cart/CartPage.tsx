/** The cart: priced lines, quantities, removal, and the way to checkout. */
import { useEffect, useId, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Money } from "../../components/Money";
import { PageHeading } from "../../components/PageHeading";
import { ProductImage } from "../../components/ProductImage";
import { errorText, ErrorState, Skeleton } from "../../components/States";
import { MAX_QUANTITY } from "../../stores/cart";
import { useCart, type CartViewLine } from "./useCart";

type CartApi = ReturnType<typeof useCart>;

function LineRow({ line, currency, cart }: { line: CartViewLine; currency: string | null; cart: CartApi }) {
  const [value, setValue] = useState(String(line.quantity));
  const inputId = useId();
  useEffect(() => setValue(String(line.quantity)), [line.quantity]);

  // Commit a valid quantity after a short pause, so typing "12" is one change.
  useEffect(() => {
    const wanted = Number(value);
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_QUANTITY || wanted === line.quantity) return;
    const timer = window.setTimeout(() => cart.update.mutate({ line, quantity: wanted }), 400);
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);

  return (
    <li className={`cart-line${line.gone ? " is-gone" : ""}`}>
      <ProductImage image={line.image} sizes="80px" className="cart-thumb" />
      <div className="cart-line-main">
        {line.gone ? <span className="cart-line-name">{line.name}</span> : <Link to={`/products/${line.slug}`}>{line.name}</Link>}
        {line.gone && <p className="flag">No longer available: remove it to check out.</p>}
        {!line.gone && line.unitPriceCents !== null && currency && (
          <p className="muted">
            <Money cents={line.unitPriceCents} currency={currency} /> each
          </p>
        )}
      </div>
      <div className="cart-line-qty">
        <label htmlFor={inputId} className="visually-hidden">
          Quantity of {line.name}
        </label>
        <input
          id={inputId}
          type="number"
          inputMode="numeric"
          min={1}
          max={MAX_QUANTITY}
          step={1}
          value={value}
          disabled={line.gone}
          onChange={(e) => setValue(e.target.value)}
        />
      </div>
      <div className="cart-line-total">
        {line.lineTotalCents !== null && currency && !line.gone ? <Money cents={line.lineTotalCents} currency={currency} /> : "—"}
      </div>
      <button type="button" className="link-button" onClick={() => cart.remove.mutate(line)} disabled={cart.remove.isPending}>
        Remove {line.name}
      </button>
    </li>
  );
}

export default function CartPage() {
  const cart = useCart();
  const { view } = cart;
  const [params] = useSearchParams();
  // From "Order again": how many products of that order are no longer for sale.
  const leftOut = Number.parseInt(params.get("unavailable") ?? "0", 10) || 0;
  const mutationError = cart.update.error ?? cart.remove.error;
  const hasGone = view?.lines.some((l) => l.gone) ?? false;

  return (
    <section className="cart">
      <PageHeading>Your cart</PageHeading>
      {leftOut > 0 && (
        <p className="notice" role="status">
          {leftOut === 1 ? "One product" : `${leftOut} products`} from that order {leftOut === 1 ? "is" : "are"} no longer for sale
          and {leftOut === 1 ? "was" : "were"} left out.
        </p>
      )}
      {cart.isLoading && <Skeleton lines={3} label="Loading your cart" />}
      {cart.error && !view && <ErrorState error={cart.error} onRetry={cart.refetch} />}
      {cart.error && view && view.lines.length > 0 && <ErrorState error={cart.error} onRetry={cart.refetch} />}
      {view && !cart.isLoading && view.lines.length === 0 && (
        <div className="empty">
          <p>Your cart is empty.</p>
          <Link to="/products" className="button">
            Browse the products
          </Link>
        </div>
      )}
      {view && !cart.isLoading && view.lines.length > 0 && (
        <>
          <ul className="cart-lines" aria-busy={cart.isPricing}>
            {view.lines.map((line) => (
              <LineRow key={line.productId} line={line} currency={view.currency} cart={cart} />
            ))}
          </ul>
          {mutationError && (
            <p className="form-error" role="alert">
              {errorText(mutationError)}
            </p>
          )}
          <div className="cart-summary">
            <p>
              {view.itemCount} {view.itemCount === 1 ? "item" : "items"} · Total{" "}
              <strong>{view.currency ? <Money cents={view.totalCents} currency={view.currency} /> : "—"}</strong>
            </p>
            {hasGone && <p className="flag">Some products are no longer available. Remove them to check out.</p>}
            <Link
              to={cart.signedIn ? "/checkout" : "/sign-in?next=%2Fcheckout"}
              className="button"
              aria-disabled={hasGone || undefined}
              onClick={(e) => hasGone && e.preventDefault()}
            >
              Checkout
            </Link>
            {!cart.signedIn && <p className="muted">You will sign in before choosing a pickup time.</p>}
          </div>
        </>
      )}
    </section>
  );
}
