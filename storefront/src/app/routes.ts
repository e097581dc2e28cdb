/** The routes of the contract, each page loaded lazily. */
import type { RouteObject } from "react-router";
import { Layout, RouteError } from "./Layout";
import { lazyPage } from "./lazyPage";
import { signInRoutes } from "./signInRoutes";

export const routes: RouteObject[] = [
  {
    path: "/",
    Component: Layout,
    ErrorBoundary: RouteError,
    HydrateFallback: () => null,
    children: [
      { index: true, ...lazyPage(() => import("../features/home/HomePage")) },
      { path: "products", ...lazyPage(() => import("../features/catalog/CatalogPage")) },
      { path: "products/:slug", ...lazyPage(() => import("../features/product/ProductPage")) },
      ...signInRoutes,
      { path: "*", ...lazyPage(() => import("../features/NotFoundPage")) },
    ],
  },
];
