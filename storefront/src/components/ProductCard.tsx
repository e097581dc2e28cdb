/**
 * A product in a grid: one link, named by the product's name, that covers the whole card (its
 * ::after stretches over the photo and price), so the link's name is just what it shows.
 */
import { Link } from "react-router";
import type { Product } from "../api/types";
import { Money } from "./Money";
import { ProductImage } from "./ProductImage";

/** How many cards the first row holds at the widest: their photos load at once, not lazily. */
export const FIRST_ROW = 4;

export function ProductCard({ product, eager = false }: { product: Product; eager?: boolean }) {
  return (
    <li className="card">
      <ProductImage image={product.images[0]} sizes="(min-width: 960px) 240px, (min-width: 600px) 30vw, 45vw" className="card-image" eager={eager} />
      <Link to={`/products/${product.slug}`} className="card-link card-title">
        {product.name}
      </Link>
      <span className="card-price">
        <Money cents={product.price_cents} currency={product.currency} />
      </span>
    </li>
  );
}
