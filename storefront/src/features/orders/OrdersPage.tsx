/** The shopper's orders, newest first, with "Order again". */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import type { Order } from "../../api/types";
import { Money } from "../../components/Money";
import { PageHeading } from "../../components/PageHeading";
import { errorText, ErrorState, Skeleton } from "../../components/States";
import { formatPickupWindow } from "../../lib/dates";
import { RequireSignIn } from "../account/RequireSignIn";
import { serverCartKey } from "../cart/useCart";
import { useShop } from "../shop/queries";
import { STATUS_LABELS, useOrders } from "./queries";

/** Puts what is still for sale from an order back into the cart (the server skips the rest). */
function useOrderAgain() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: async (order: Order) => {
      const items = order.items.map((item) => ({ product_id: item.product_id, quantity: Math.min(item.quantity, 99) }));
      return unwrap(await api.POST("/api/v1/cart/merge", { body: { items } }));
    },
    onSuccess: (cart) => {
      queryClient.setQueryData(serverCartKey, cart);
      navigate(cart.unavailable.length ? `/cart?unavailable=${cart.unavailable.length}` : "/cart");
    },
  });
}

function OrderList() {
  const [params] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
  const orders = useOrders(page);
  const shop = useShop();
  const again = useOrderAgain();
  const [againId, setAgainId] = useState<number | null>(null);

  if (orders.isPending) return <Skeleton lines={4} label="Loading your orders" />;
  if (orders.isError) return <ErrorState error={orders.error} onRetry={() => void orders.refetch()} />;
  if (orders.data.length === 0) {
    return (
      <div className="empty">
        <p>You have no orders yet.</p>
        <Link to="/products" className="button">
          Browse the products
        </Link>
      </div>
    );
  }
  return (
    <>
      <ul className="order-list">
        {orders.data.map((order) => (
          <li key={order.id} className="order-row panel">
            <div>
              <Link to={`/orders/${order.id}`}>Order {order.number}</Link>
              <p className="muted">
                {STATUS_LABELS[order.status]}
                {order.pickup_at && shop.data ? ` · ${formatPickupWindow(order.pickup_at, order.pickup_until, shop.data.timezone)}` : ""}
              </p>
            </div>
            <Money cents={order.total_cents} currency={order.currency} />
            <button
              type="button"
              className="button button-secondary"
              disabled={again.isPending}
              onClick={() => {
                setAgainId(order.id);
                again.mutate(order);
              }}
            >
              Order again
            </button>
            {again.isError && againId === order.id && (
              <p className="form-error" role="alert">
                {errorText(again.error)}
              </p>
            )}
          </li>
        ))}
      </ul>
      <nav className="pager" aria-label="Pages">
        {page > 1 ? <Link to={`?page=${page - 1}`}>Newer orders</Link> : <span />}
        {orders.data.length === 20 ? <Link to={`?page=${page + 1}`}>Older orders</Link> : <span />}
      </nav>
    </>
  );
}

export default function OrdersPage() {
  return (
    <section>
      <PageHeading>Your orders</PageHeading>
      <RequireSignIn>
        <OrderList />
      </RequireSignIn>
    </section>
  );
}
