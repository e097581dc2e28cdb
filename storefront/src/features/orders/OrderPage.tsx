/** One order: number, status (refreshed while open), pickup window and code. */
import { useParams } from "react-router";
import { Money } from "../../components/Money";
import { PageHeading } from "../../components/PageHeading";
import { ErrorState, isNotFound, NotFoundView, Skeleton } from "../../components/States";
import { formatDateTime, formatPickupWindow } from "../../lib/dates";
import { RequireSignIn } from "../account/RequireSignIn";
import { useShop } from "../shop/queries";
import { STATUS_LABELS, useOrder } from "./queries";

function OrderDetail({ id }: { id: string }) {
  const order = useOrder(id);
  const shop = useShop();
  if (!/^\d+$/.test(id) || (order.isError && isNotFound(order.error))) return <NotFoundView what="order" />;
  const o = order.data;
  const timeZone = shop.data?.timezone;

  return (
    <article className="order">
      <PageHeading>{o ? `Order ${o.number}` : "Order"}</PageHeading>
      {!o && (order.isError ? <ErrorState error={order.error} onRetry={() => void order.refetch()} /> : <Skeleton lines={5} label="Loading the order" />)}
      {o && (
        <>
          <dl className="facts">
            <div>
              <dt>Status</dt>
              <dd>
                <span role="status" aria-live="polite">
                  {STATUS_LABELS[o.status]}
                </span>
              </dd>
            </div>
            {o.pickup_at && timeZone && (
              <div>
                <dt>Pickup</dt>
                <dd>{formatPickupWindow(o.pickup_at, o.pickup_until, timeZone)}</dd>
              </div>
            )}
            {o.pickup_code && (
              <div className="pickup-code">
                <dt>Pickup code</dt>
                <dd>
                  <strong>{o.pickup_code}</strong>
                </dd>
              </div>
            )}
            {timeZone && (
              <div>
                <dt>Ordered</dt>
                <dd>{formatDateTime(o.created_at, timeZone)}</dd>
              </div>
            )}
          </dl>
          <ul className="summary-lines">
            {o.items.map((item) => (
              <li key={item.product_id}>
                <span>
                  {item.quantity} × {item.product_name}
                </span>
                <Money cents={item.line_total_cents} currency={o.currency} />
              </li>
            ))}
          </ul>
          <p className="total">
            Total <Money cents={o.total_cents} currency={o.currency} />
          </p>
          {o.notes && <p>Notes: {o.notes}</p>}
        </>
      )}
    </article>
  );
}

export default function OrderPage() {
  const { id = "" } = useParams();
  return (
    <RequireSignIn>
      <OrderDetail id={id} />
    </RequireSignIn>
  );
}
