// A shopper's journey (README, "A shopper's journey"): browse without an allergen page by page,
// read a product, fill the cart, pick a slot that fits the cart, check out once even when the
// request is retried, read the order back, and cancel it while it is still pending.
import type { paths } from "./generated/api";
import {
  type Allergen,
  ApiError,
  type Fulfillment,
  STATUS_LABELS,
  bakeryClient,
  formatInstant,
  formatPrice,
} from "./common";

// X-Pagination is a JSON header: its type is the one the document gives it.
type ProductListHeaders = paths["/api/v1/products"]["get"]["responses"][200]["headers"];
type Pagination = NonNullable<ProductListHeaders["X-Pagination"]>["application/json"];

export interface ProductCard {
  id: number;
  slug: string;
  title: string;
  price: string;
  category: string;
  allergens: readonly Allergen[];
  picture: { src: string; alt: string } | null;
  stock: number | null;
}

export async function shopperJourney(baseUrl: string, token: string): Promise<void> {
  const api = bakeryClient(baseUrl, token);

  // Browse: everything without nuts, cheapest first, every page.
  const cards: ProductCard[] = [];
  for (let page = 1; ; page++) {
    const { data, error, response } = await api.GET("/api/v1/products", {
      params: { query: { exclude_allergen: ["nuts"], sort: "price", page, page_size: 20 } },
    });
    if (error) throw new ApiError("list products", response, error);
    for (const product of data) {
      const image = product.images[0];
      cards.push({
        id: product.id,
        slug: product.slug,
        title: product.name,
        price: formatPrice(product.price_cents, product.currency),
        category: product.category.name,
        allergens: product.allergens,
        picture: image ? { src: image.variants.medium, alt: image.alt || product.name } : null,
        stock: product.stock,
      });
    }
    const header = response.headers.get("X-Pagination");
    const pagination: Pagination | null = header === null ? null : JSON.parse(header);
    if (pagination === null || pagination.total_pages <= page) break;
  }
  const chosen = cards.find((card) => card.stock === null || card.stock >= 2);
  if (chosen === undefined) throw new Error("nothing to buy without nuts");

  // One product, as its page shows it.
  const { data: product, error: productError, response: productResponse } = await api.GET(
    "/api/v1/products/{slug}",
    { params: { path: { slug: chosen.slug } } },
  );
  if (productError) throw new ApiError("read product", productResponse, productError);
  const etag: string | null = productResponse.headers.get("ETag");
  const price = formatPrice(product.price_cents, product.currency);
  console.log(`${product.name} (${product.category.name}), ${price}: ${product.description}`);
  console.log(`ETag ${etag ?? "(none)"}; ${product.lead_days} days of notice`);
  console.log(`collected on weekdays ${product.available_weekdays.join(", ")}`);
  for (const image of product.images) {
    console.log(image.url, image.variants.thumb, image.variants.large, image.width, image.height);
  }
  if (product.daily_limit !== null) console.log(`at most ${product.daily_limit} a day`);

  // Into the cart: a product and a quantity, nothing else.
  const { data: cart, error: cartError, response: cartResponse } = await api.POST(
    "/api/v1/cart/items",
    { body: { product_id: product.id, quantity: 2 } },
  );
  if (cartError) throw new ApiError("add to cart", cartResponse, cartError);
  for (const line of cart.items) {
    const unavailable = line.product.is_active ? "" : " (no longer for sale)";
    console.log(
      `${line.quantity} × ${line.product.name}${unavailable}: ` +
        formatPrice(line.line_total_cents, cart.currency),
    );
  }
  console.log(`${cart.item_count} items, total ${formatPrice(cart.total_cents, cart.currency)}`);

  // When can the cart be collected? The first slot that takes all of it.
  const { data: days, error: slotsError, response: slotsResponse } = await api.GET(
    "/api/v1/pickup-slots",
    { params: { query: { days: 7 } } },
  );
  if (slotsError) throw new ApiError("pickup slots", slotsResponse, slotsError);
  for (const day of days) {
    if (!day.is_open) console.log(`${day.date}: closed (${day.reason ?? "closed"})`);
    for (const slot of day.slots) {
      if (slot.is_available) continue;
      const reason: "full" | "too_soon" | "too_far" | "product_unavailable" | null = slot.reason;
      const missing: number[] = slot.unavailable_products;
      console.log(`${formatInstant(slot.start)}: ${reason ?? "unavailable"} ${missing.join(",")}`);
    }
  }
  const slot = days.flatMap((day) => day.slots).find((candidate) => candidate.is_available);
  if (slot === undefined) throw new Error("no pickup slot this week");
  const places = slot.remaining === null ? "any number of" : String(slot.remaining);
  console.log(`picking ${formatInstant(slot.start)}–${formatInstant(slot.end)}, ${places} left`);

  // Checkout, once: a retry with the same Idempotency-Key gives the same order back.
  const idempotencyKey = crypto.randomUUID();
  const checkout = () =>
    api.POST("/api/v1/orders", {
      params: { header: { "Idempotency-Key": idempotencyKey } },
      body: { pickup_at: slot.start },
    });
  const { data: placed, error: placeError, response: placeResponse } = await checkout();
  if (placeError) throw new ApiError("place order", placeResponse, placeError);
  const { data: replayed, error: replayError, response: replayResponse } = await checkout();
  if (replayError) throw new ApiError("place order again", replayResponse, replayError);
  if (replayed.id !== placed.id) throw new Error("the retry placed a second order");

  // The order as the shopper follows it.
  const { data: order, error: orderError, response: orderResponse } = await api.GET(
    "/api/v1/orders/{order_id}",
    { params: { path: { order_id: placed.id } } },
  );
  if (orderError) throw new ApiError("read order", orderResponse, orderError);
  const fulfillment: Fulfillment = order.fulfillment;
  console.log(`${order.number}: ${STATUS_LABELS[order.status]} (${fulfillment})`);
  if (order.pickup_at !== null) {
    const until = order.pickup_until === null ? "" : ` until ${formatInstant(order.pickup_until)}`;
    console.log(`collect from ${formatInstant(order.pickup_at)}${until} on ${order.pickup_date}`);
  }
  if (order.pickup_code !== null) console.log(`say ${order.pickup_code} at the counter`);
  for (const line of order.items) {
    console.log(
      `${line.quantity} × ${line.product_name} at ` +
        `${formatPrice(line.unit_price_cents, order.currency)} = ` +
        formatPrice(line.line_total_cents, order.currency),
    );
  }
  console.log(`total ${formatPrice(order.total_cents, order.currency)}`);
  console.log(`placed ${formatInstant(order.created_at)}`);
  console.log(`last changed ${formatInstant(order.updated_at)}`);
  for (const change of order.status_history) {
    console.log(`${formatInstant(change.at)}: ${STATUS_LABELS[change.status]}`);
  }

  // Changed their mind: cancel while it is still pending.
  if (order.status !== "pending") return;
  const { data: cancelled, error: cancelError, response: cancelResponse } = await api.POST(
    "/api/v1/orders/{order_id}/cancel",
    { params: { path: { order_id: order.id } } },
  );
  if (cancelError) throw new ApiError("cancel order", cancelResponse, cancelError);
  if (cancelled.status !== "cancelled") throw new Error(`still ${cancelled.status}`);
}
