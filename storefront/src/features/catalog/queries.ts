/** Catalog reads: categories, product lists with their pagination, one product. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import type { Allergen, Category, Product } from "../../api/types";

export type Pagination = { total: number; total_pages: number; page?: number };

export type ProductFilters = {
  q?: string;
  category?: string;
  exclude_allergen?: Allergen[];
  sort?: "name" | "-name" | "price" | "-price" | "newest";
  page?: number;
  page_size?: number;
};

export function useCategories() {
  return useQuery({
    queryKey: ["categories"],
    queryFn: async ({ signal }): Promise<Category[]> => unwrap(await api.GET("/api/v1/categories", { signal })),
    staleTime: 5 * 60_000,
  });
}

export function useProducts(filters: ProductFilters) {
  return useQuery({
    queryKey: ["products", filters],
    queryFn: async ({ signal }) => {
      const result = await api.GET("/api/v1/products", {
        params: { query: { ...filters, exclude_allergen: filters.exclude_allergen?.length ? filters.exclude_allergen : undefined } },
        signal,
      });
      const products: Product[] = unwrap(result);
      return { products, pagination: readPagination(result.response.headers, products.length) };
    },
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

export function useProduct(slug: string) {
  return useQuery({
    queryKey: ["product", slug],
    queryFn: async ({ signal }): Promise<Product> =>
      unwrap(await api.GET("/api/v1/products/{slug}", { params: { path: { slug } }, signal })),
    staleTime: 30_000,
  });
}

function readPagination(headers: Headers, count: number): Pagination {
  const raw = headers.get("X-Pagination");
  if (raw) {
    try {
      return JSON.parse(raw) as Pagination;
    } catch {
      // fall through: one page of what came
    }
  }
  return { total: count, total_pages: 1, page: 1 };
}
