/** Checkout: a pickup day and time for the cart, notes, and one order per attempt. */
import { useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../../api/client";
import { ApiError, fieldMessages, unwrap } from "../../api/errors";
import type { Cart, Order } from "../../api/types";
import { Money } from "../../components/Money";
import { PageHeading } from "../../components/PageHeading";
import { errorText, ErrorState, Skeleton } from "../../components/States";
import { createAttemptKeys } from "../../lib/idempotency";
import { RequireSignIn } from "../account/RequireSignIn";
import { serverCartKey, useServerCart } from "../cart/useCart";
import { usePickupSlots, useShop } from "../shop/queries";
import { SlotPicker, type SlotChoice } from "./SlotPicker";

type Problem = { message: string; productName?: string };

/** What a refused checkout means for the shopper: a full slot, or which line is short. */
export function describeConflict(error: unknown, cart: Cart | undefined): Problem & { slotFull: boolean } {
  const message = errorText(error);
  const fields = fieldMessages(error);
  const slotFull = error instanceof ApiError && error.status === 409 && (/slot/i.test(message) || "pickup_at" in fields);
  const line = cart?.items.find((item) => message.includes(item.product.name));
  return { message, slotFull, productName: line?.product.name };
}

function Checkout() {
  const shop = useShop();
  const cart = useServerCart(true);
  const days = Math.min(shop.data?.pickup.horizon_days ?? 14, 31);
  const slots = usePickupSlots({ days, forCart: true, enabled: shop.isSuccess });
  const [choice, setChoice] = useState<SlotChoice>({ date: null, start: null });
  const [notes, setNotes] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [placing, setPlacing] = useState(false);
  const attempts = useRef(createAttemptKeys());
  const inFlight = useRef(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const notesId = useId();

  const calendarOn = (shop.data?.pickup.opening_hours.length ?? 0) > 0;

  async function placeOrder(event: React.FormEvent) {
    event.preventDefault();
    if (inFlight.current) return; // a double click while the first is on its way
    if (calendarOn && !choice.start) {
      setProblem({ message: "Choose a pickup day and time." });
      return;
    }
    const body = {
      fulfillment: "pickup" as const,
      ...(choice.start ? { pickup_at: choice.start } : {}),
      ...(notes.trim() ? { notes: notes.trim() } : {}),
    };
    inFlight.current = true;
    setPlacing(true);
    setProblem(null);
    try {
      const order: Order = unwrap(
        await api.POST("/api/v1/orders", { body, headers: { "Idempotency-Key": attempts.current.keyFor(body) } }),
      );
      attempts.current.reset();
      queryClient.removeQueries({ queryKey: serverCartKey });
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      queryClient.setQueryData(["orders", String(order.id)], order);
      navigate(`/orders/${order.id}`, { replace: true });
    } catch (error) {
      const conflict = describeConflict(error, cart.data);
      if (conflict.slotFull) {
        setChoice((c) => ({ ...c, start: null }));
        void slots.refetch();
        setProblem({ message: `${conflict.message} The times have been updated.` });
      } else {
        setProblem(conflict);
        if (error instanceof ApiError && error.status === 409) void cart.refetch();
      }
    } finally {
      inFlight.current = false;
      setPlacing(false);
    }
  }

  if (shop.isError || cart.isError) {
    return (
      <ErrorState
        error={shop.error ?? cart.error}
        onRetry={() => {
          void shop.refetch();
          void cart.refetch();
        }}
      />
    );
  }
  if (!shop.data || !cart.data) return <Skeleton lines={5} label="Loading checkout" />;
  if (cart.data.items.length === 0) {
    return (
      <div className="empty">
        <p>Your cart is empty.</p>
        <Link to="/products">Browse the products</Link>
      </div>
    );
  }

  return (
    <form className="checkout" onSubmit={placeOrder}>
      <section aria-labelledby="summary-heading" className="panel">
        <h2 id="summary-heading">Your order</h2>
        <ul className="summary-lines">
          {cart.data.items.map((item) => (
            <li key={item.id} className={problem?.productName === item.product.name ? "is-problem" : undefined}>
              <span>
                {item.quantity} × {item.product.name}
                {problem?.productName === item.product.name && <strong className="flag"> — {problem.message}</strong>}
              </span>
              <Money cents={item.line_total_cents} currency={cart.data.currency} />
            </li>
          ))}
        </ul>
        <p className="total">
          Total <Money cents={cart.data.total_cents} currency={cart.data.currency} />
        </p>
        <Link to="/cart">Change the cart</Link>
      </section>

      <section aria-labelledby="when-heading" className="panel">
        <h2 id="when-heading">When will you collect it?</h2>
        {slots.isPending && <Skeleton lines={3} label="Loading pickup times" />}
        {slots.isError && <ErrorState error={slots.error} onRetry={() => void slots.refetch()} />}
        {slots.data && (
          <SlotPicker
            days={slots.data}
            timeZone={shop.data.timezone}
            value={choice}
            onChange={(next) => {
              setChoice(next);
              setProblem(null);
            }}
          />
        )}
        <label htmlFor={notesId}>Notes</label>
        <textarea id={notesId} rows={3} maxLength={1000} value={notes} onChange={(e) => setNotes(e.target.value)} />
      </section>

      {problem && !problem.productName && (
        <p className="form-error" role="alert">
          {problem.message}
        </p>
      )}
      {problem?.productName && (
        <p className="form-error" role="alert">
          {problem.productName}: {problem.message}
        </p>
      )}
      <button type="submit" className="button button-large" disabled={placing} aria-busy={placing}>
        Place order
      </button>
    </form>
  );
}

export default function CheckoutPage() {
  return (
    <section>
      <PageHeading>Checkout</PageHeading>
      <RequireSignIn>
        <Checkout />
      </RequireSignIn>
    </section>
  );
}
