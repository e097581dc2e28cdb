/** The catalog: search, category, allergens to avoid, sort and pages, all kept in the URL. */
import { useEffect, useId, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { ALLERGENS, type Allergen } from "../../api/types";
import { PageHeading } from "../../components/PageHeading";
import { FIRST_ROW, ProductCard } from "../../components/ProductCard";
import { CardSkeletons, ErrorState } from "../../components/States";
import { filtersFromParams, PAGE_SIZE, paramsFromFilters, SORTS, type Sort } from "./filters";
import { useCategories, useProducts, type ProductFilters } from "./queries";

export default function CatalogPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const categories = useCategories();
  const products = useProducts({ ...filters, page_size: PAGE_SIZE });
  const [search, setSearch] = useState(filters.q ?? "");
  const ids = { search: useId(), sort: useId(), category: useId() };

  // Back and forward change the URL: the box follows.
  useEffect(() => setSearch(filters.q ?? ""), [filters.q]);

  // The filters of the latest render: the search's timer must not bring back older ones (a box
  // ticked while the timer ran would otherwise be unticked when it fires).
  const latest = useRef(filters);
  useEffect(() => {
    latest.current = filters;
  });

  const apply = (change: Partial<ProductFilters>, options: { replace?: boolean } = {}) => {
    // Any new filter starts again at page 1.
    setParams(paramsFromFilters({ ...latest.current, page: 1, ...change }), options);
  };

  // Typing searches after a pause, without a history entry per letter.
  useEffect(() => {
    const wanted = search.trim() || undefined;
    if (wanted === filters.q) return;
    const timer = window.setTimeout(() => {
      if (wanted !== latest.current.q) apply({ q: wanted }, { replace: true });
    }, 350);
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  // The URL updates a moment after a click (React Router renders it in a transition); until then
  // the boxes show the click, so a ticked box never flickers back. Once the URL moves on, it rules.
  const url = params.toString();
  const [clicked, setClicked] = useState<{ from: string; allergens: Allergen[] } | null>(null);
  if (clicked && clicked.from !== url) setClicked(null);
  const avoided = clicked?.from === url ? clicked.allergens : filters.exclude_allergen;

  const toggleAllergen = (allergen: Allergen, checked: boolean) => {
    const current = new Set(avoided);
    if (checked) current.add(allergen);
    else current.delete(allergen);
    const allergens = ALLERGENS.filter((a) => current.has(a));
    setClicked({ from: url, allergens });
    apply({ exclude_allergen: allergens });
  };

  const categoryName = categories.data?.find((c) => c.slug === filters.category)?.name;
  const pagination = products.data?.pagination;
  const totalPages = pagination?.total_pages ?? 1;

  return (
    <div className="catalog">
      <PageHeading>{categoryName ?? "Products"}</PageHeading>

      <div className="catalog-layout">
        <aside className="filters" aria-label="Filters">
          <form
            role="search"
            onSubmit={(event) => {
              event.preventDefault();
              apply({ q: search.trim() || undefined });
            }}
          >
            <label htmlFor={ids.search}>Search</label>
            <input id={ids.search} type="search" value={search} maxLength={100} onChange={(e) => setSearch(e.target.value)} />
          </form>

          <label htmlFor={ids.category}>Category</label>
          <select id={ids.category} value={filters.category ?? ""} onChange={(e) => apply({ category: e.target.value || undefined })}>
            <option value="">All categories</option>
            {categories.data?.map((category) => (
              <option key={category.id} value={category.slug}>
                {category.name}
              </option>
            ))}
          </select>

          <label htmlFor={ids.sort}>Sort by</label>
          <select id={ids.sort} value={filters.sort ?? "name"} onChange={(e) => apply({ sort: e.target.value as Sort })}>
            {SORTS.map((sort) => (
              <option key={sort.value} value={sort.value}>
                {sort.label}
              </option>
            ))}
          </select>

          <fieldset className="allergens">
            <legend>Avoid allergens</legend>
            {ALLERGENS.map((allergen) => (
              <label key={allergen} className="check">
                <input
                  type="checkbox"
                  checked={avoided.includes(allergen)}
                  onChange={(e) => toggleAllergen(allergen, e.target.checked)}
                />
                {allergen}
              </label>
            ))}
          </fieldset>
        </aside>

        <section className="results" aria-label="Results" aria-busy={products.isFetching}>
          {products.isPending && <CardSkeletons />}
          {products.isError && <ErrorState error={products.error} onRetry={() => void products.refetch()} />}
          {products.data && (
            <>
              <p className="result-count" role="status">
                {pagination?.total ?? products.data.products.length}{" "}
                {(pagination?.total ?? products.data.products.length) === 1 ? "product" : "products"}
              </p>
              {products.data.products.length === 0 ? (
                <div className="empty">
                  <p>No products match these filters.</p>
                  <Link to="/products">Clear all filters</Link>
                </div>
              ) : (
                <ul className={`product-grid${products.isPlaceholderData ? " is-stale" : ""}`}>
                  {products.data.products.map((product, index) => (
                    <ProductCard key={product.id} product={product} eager={index < FIRST_ROW} />
                  ))}
                </ul>
              )}
              {totalPages > 1 && (
                <nav className="pager" aria-label="Pages">
                  {filters.page > 1 ? (
                    <Link to={`?${paramsFromFilters({ ...filters, page: filters.page - 1 })}`} rel="prev">
                      Previous page
                    </Link>
                  ) : (
                    <span />
                  )}
                  <span>
                    Page {filters.page} of {totalPages}
                  </span>
                  {filters.page < totalPages ? (
                    <Link to={`?${paramsFromFilters({ ...filters, page: filters.page + 1 })}`} rel="next">
                      Next page
                    </Link>
                  ) : (
                    <span />
                  )}
                </nav>
              )}
            </>
          )}
        </section>
      </div>
    </div>
  );
}
