/** A product in a grid: the whole card is one link named by the product's name. */
import { Link } from "react-router";
import type { Product } from "../api/types";
import { Money } from "./Money";
import { ProductImage } from "./ProductImage";

export function ProductCard({ product }: { product: Product }) {
  return (
    <li className="card">
      <Link to={`/products/${product.slug}`} className="card-link" aria-label={product.name}>
        <ProductImage image={product.images[0]} sizes="(min-width: 960px) 240px, (min-width: 600px) 30vw, 45vw" className="card-image" />
        <span className="card-title">{product.name}</span>
        <span className="card-price">
          <Money cents={product.price_cents} currency={product.currency} />
        </span>
      </Link>
    </li>
  );
}
