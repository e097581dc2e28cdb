/** The catalog's filters live in the URL: q, category, exclude_allergen (repeated), sort, page. */
import { ALLERGENS, type Allergen } from "../../api/types";
import type { ProductFilters } from "./queries";

export const SORTS = [
  { value: "name", label: "Name, A–Z" },
  { value: "-name", label: "Name, Z–A" },
  { value: "price", label: "Price, low to high" },
  { value: "-price", label: "Price, high to low" },
  { value: "newest", label: "Newest" },
] as const;

export type Sort = (typeof SORTS)[number]["value"];
export const PAGE_SIZE = 12;

export function filtersFromParams(params: URLSearchParams): Required<Pick<ProductFilters, "exclude_allergen" | "page">> & ProductFilters {
  const sort = params.get("sort");
  const page = Number.parseInt(params.get("page") ?? "1", 10);
  return {
    q: params.get("q")?.trim() || undefined,
    category: params.get("category") || undefined,
    exclude_allergen: params.getAll("exclude_allergen").filter((a): a is Allergen => (ALLERGENS as readonly string[]).includes(a)),
    sort: SORTS.some((s) => s.value === sort) ? (sort as Sort) : undefined,
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

/** The URL for filters; page 1 and the default sort are left out so links stay short. */
export function paramsFromFilters(filters: ProductFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set("q", filters.q);
  if (filters.category) params.set("category", filters.category);
  for (const allergen of filters.exclude_allergen ?? []) params.append("exclude_allergen", allergen);
  if (filters.sort && filters.sort !== "name") params.set("sort", filters.sort);
  if (filters.page && filters.page > 1) params.set("page", String(filters.page));
  return params;
}
