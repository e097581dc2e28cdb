/** Home: the shop's categories, a few products, opening hours and the next pickup day. */
import { Link } from "react-router";
import type { PickupDay, Shop } from "../../api/types";
import { PageHeading } from "../../components/PageHeading";
import { FIRST_ROW, ProductCard } from "../../components/ProductCard";
import { CardSkeletons, ErrorState, Skeleton } from "../../components/States";
import { formatLongDay, formatTime, weekdayName } from "../../lib/dates";
import { useCategories, useProducts } from "../catalog/queries";
import { usePickupSlots, useShop } from "../shop/queries";

function OpeningHours({ shop }: { shop: Shop }) {
  const windows = shop.pickup.opening_hours;
  if (windows.length === 0) return <p>Opening hours will be announced soon.</p>;
  return (
    <dl className="hours">
      {[1, 2, 3, 4, 5, 6, 7].map((weekday) => {
        const today = windows.filter((w) => w.weekday === weekday);
        return (
          <div key={weekday} className="hours-row">
            <dt>{weekdayName(weekday)}</dt>
            <dd>{today.length ? today.map((w) => `${w.opens}–${w.closes}`).join(", ") : "Closed"}</dd>
          </div>
        );
      })}
    </dl>
  );
}

function NextPickup({ shop }: { shop: Shop }) {
  const slots = usePickupSlots({ days: Math.min(shop.pickup.horizon_days, 31), forCart: false });
  if (slots.isPending) return <Skeleton lines={1} label="Loading pickup days" />;
  if (slots.isError) return <ErrorState error={slots.error} onRetry={() => void slots.refetch()} />;
  const next = slots.data.find((day: PickupDay) => day.is_open && day.slots.some((s) => s.is_available));
  if (!next) return <p>No pickup day is open in the coming days.</p>;
  const first = next.slots.find((s) => s.is_available);
  return (
    <p className="next-pickup">
      Next pickup: <strong>{formatLongDay(next.date)}</strong>
      {first ? ` from ${formatTime(first.start, shop.timezone)}` : ""}
    </p>
  );
}

export default function HomePage() {
  const shop = useShop();
  const categories = useCategories();
  const products = useProducts({ page_size: 8, sort: "newest" });

  return (
    <>
      <section className="hero">
        <PageHeading>{shop.data?.name ?? "Our bakery"}</PageHeading>
        <p className="lead">Fresh bread and pastries, ordered ahead and ready when you come by.</p>
        <Link to="/products" className="button">
          Browse the products
        </Link>
      </section>

      <div className="home-grid">
        <section aria-labelledby="pickup-heading" className="panel">
          <h2 id="pickup-heading">Opening hours</h2>
          {shop.isPending && <Skeleton lines={4} label="Loading the shop" />}
          {shop.isError && <ErrorState error={shop.error} onRetry={() => void shop.refetch()} />}
          {shop.data && (
            <>
              <NextPickup shop={shop.data} />
              <OpeningHours shop={shop.data} />
            </>
          )}
        </section>

        <section aria-labelledby="categories-heading" className="panel">
          <h2 id="categories-heading">Categories</h2>
          {categories.isPending && <Skeleton lines={3} label="Loading categories" />}
          {categories.isError && <ErrorState error={categories.error} onRetry={() => void categories.refetch()} />}
          {categories.data && (
            <ul className="category-list">
              {categories.data.map((category) => (
                <li key={category.id}>
                  <Link to={`/products?category=${encodeURIComponent(category.slug)}`}>{category.name}</Link>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section aria-labelledby="new-heading">
        <h2 id="new-heading">Fresh from the oven</h2>
        {products.isPending && <CardSkeletons count={4} />}
        {products.isError && <ErrorState error={products.error} onRetry={() => void products.refetch()} />}
        {products.data &&
          (products.data.products.length === 0 ? (
            <p>Nothing for sale right now.</p>
          ) : (
            <ul className="product-grid">
              {products.data.products.map((product, index) => (
                <ProductCard key={product.id} product={product} eager={index < FIRST_ROW} />
              ))}
            </ul>
          ))}
      </section>
    </>
  );
}
