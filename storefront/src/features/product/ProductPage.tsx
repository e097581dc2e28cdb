/** One product: photo, price, allergens, tags, notice needed, days available; add to cart. */
import { useId, useState } from "react";
import { Link, useParams } from "react-router";
import { errorText, ErrorState, isNotFound, NotFoundView, Skeleton } from "../../components/States";
import { Money } from "../../components/Money";
import { PageHeading } from "../../components/PageHeading";
import { ProductImage } from "../../components/ProductImage";
import { weekdayName } from "../../lib/dates";
import { clampQuantity, MAX_QUANTITY } from "../../stores/cart";
import type { Product } from "../../api/types";
import { useCart } from "../cart/useCart";
import { useProduct } from "../catalog/queries";

function noticeText(leadDays: number): string {
  if (leadDays <= 0) return "Can be collected the same day.";
  return `Order ${leadDays} ${leadDays === 1 ? "day" : "days"} ahead.`;
}

function weekdaysText(weekdays: readonly number[]): string {
  if (weekdays.length === 7) return "Every day the shop is open.";
  return [...weekdays].sort().map((d) => weekdayName(d)).join(", ");
}

function AddToCart({ product }: { product: Product }) {
  const [quantity, setQuantity] = useState("1");
  const [added, setAdded] = useState<number | null>(null);
  const { add } = useCart();
  const inputId = useId();
  const soldOut = product.stock === 0;
  const maxQuantity = product.stock === null ? MAX_QUANTITY : Math.min(MAX_QUANTITY, Math.max(product.stock, 1));

  return (
    <form
      className="add-to-cart"
      onSubmit={(event) => {
        event.preventDefault();
        const wanted = clampQuantity(Number(quantity));
        add.mutate({ product, quantity: wanted }, { onSuccess: () => setAdded(wanted) });
      }}
    >
      <div className="field-inline">
        <label htmlFor={inputId}>Quantity</label>
        <input
          id={inputId}
          type="number"
          inputMode="numeric"
          min={1}
          max={maxQuantity}
          step={1}
          required
          value={quantity}
          onChange={(e) => {
            setQuantity(e.target.value);
            setAdded(null);
          }}
        />
      </div>
      <button type="submit" className="button" disabled={soldOut || add.isPending}>
        Add to cart
      </button>
      <div role="status" aria-live="polite" className="add-status">
        {soldOut && <p>Sold out for now.</p>}
        {added !== null && !add.isError && (
          <p>
            Added {added} to your cart. <Link to="/cart">View cart</Link>
          </p>
        )}
      </div>
      {add.isError && (
        <p className="form-error" role="alert">
          {errorText(add.error)}
        </p>
      )}
    </form>
  );
}

export default function ProductPage() {
  const { slug = "" } = useParams();
  const product = useProduct(slug);

  if (product.isError && isNotFound(product.error)) return <NotFoundView what="product" />;

  const p = product.data;
  return (
    <article className="product">
      {p && (
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to="/products">Products</Link> ›{" "}
          <Link to={`/products?category=${encodeURIComponent(p.category.slug)}`}>{p.category.name}</Link>
        </nav>
      )}
      {/* One heading for loading and loaded, so the focus given to it after navigation stays. */}
      <PageHeading className={p ? undefined : "visually-hidden"}>{p ? p.name : "Loading product"}</PageHeading>
      {!p &&
        (product.isError ? (
          <ErrorState error={product.error} onRetry={() => void product.refetch()} />
        ) : (
          <Skeleton lines={6} label="Loading product" />
        ))}
      {p && (
        <div className="product-layout">
          <div className="product-photo">
            <ProductImage image={p.images[0]} sizes="(min-width: 960px) 480px, 100vw" eager />
          </div>
          <div className="product-info">
            <p className="price">
              <Money cents={p.price_cents} currency={p.currency} />
            </p>
            <p>{p.description}</p>
            <AddToCart product={p} />

            <section aria-labelledby="allergens-heading">
              <h2 id="allergens-heading">Allergens</h2>
              {p.allergens.length ? (
                <ul className="chips">
                  {p.allergens.map((a) => (
                    <li key={a} className="chip">
                      {a}
                    </li>
                  ))}
                </ul>
              ) : (
                <p>None of the 14 declared allergens.</p>
              )}
            </section>

            <section aria-labelledby="pickup-heading">
              <h2 id="pickup-heading">Pickup</h2>
              <p>{noticeText(p.lead_days)}</p>
              <p>Available: {weekdaysText(p.available_weekdays)}</p>
            </section>

            {p.tags.length > 0 && (
              <section aria-labelledby="tags-heading">
                <h2 id="tags-heading">Tags</h2>
                <ul className="chips">
                  {p.tags.map((t) => (
                    <li key={t} className="chip chip-tag">
                      {t}
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </div>
        </div>
      )}
    </article>
  );
}
