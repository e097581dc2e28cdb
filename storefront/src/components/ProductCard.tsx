/**
 * A product in a grid: one link, named by the product's name, that covers the whole card (its
 * ::after stretches over the photo and price), so the link's name is just what it shows.
 */
import { Link } from "react-router";
import type { Product } from "../api/types";
import { Money } from "./Money";
import { ProductImage } from "./ProductImage";

export function ProductCard({ product }: { product: Product }) {
  return (
    <li className="card">
      <ProductImage image={product.images[0]} sizes="(min-width: 960px) 240px, (min-width: 600px) 30vw, 45vw" className="card-image" />
      <Link to={`/products/${product.slug}`} className="card-link card-title">
        {product.name}
      </Link>
      <span className="card-price">
        <Money cents={product.price_cents} currency={product.currency} />
      </span>
    </li>
  );
}
