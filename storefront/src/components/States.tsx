/** Shared loading, empty, error and not-found states. */
import { Link } from "react-router";
import { ApiError } from "../api/errors";
import { PageHeading } from "./PageHeading";

export function Skeleton({ lines = 3, label = "Loading" }: { lines?: number; label?: string }) {
  return (
    <div className="skeleton" role="status" aria-live="polite" aria-busy="true">
      <span className="visually-hidden">{label}…</span>
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton-line" aria-hidden="true" />
      ))}
    </div>
  );
}

export function CardSkeletons({ count = 6 }: { count?: number }) {
  return (
    <div role="status" aria-busy="true" aria-live="polite">
      <span className="visually-hidden">Loading products…</span>
      <ul className="product-grid" aria-hidden="true">
        {Array.from({ length: count }, (_, i) => (
          <li key={i} className="card card-skeleton">
            <div className="image-placeholder" />
            <div className="skeleton-line" />
            <div className="skeleton-line short" />
          </li>
        ))}
      </ul>
    </div>
  );
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.isUnavailable) return "We can't reach the bakery right now. Please check your connection and try again.";
    return error.message;
  }
  return "Something went wrong.";
}

/** A failed load: what happened and a Retry button. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>{errorText(error)}</p>
      <button type="button" className="button" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

export function NotFoundView({ what = "page" }: { what?: string }) {
  return (
    <section className="not-found">
      <PageHeading>Not found</PageHeading>
      <p>Sorry, this {what} is not here (any more).</p>
      <p>
        <Link to="/products">Browse the products</Link> or go <Link to="/">home</Link>.
      </p>
    </section>
  );
}
