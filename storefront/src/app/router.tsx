/** The routes of the contract, each page loaded lazily. */
import { createBrowserRouter, type RouteObject } from "react-router";
import { Layout, RouteError } from "./Layout";

type PageModule = { default: React.ComponentType };
const page = (load: () => Promise<PageModule>): Pick<RouteObject, "lazy"> => ({
  lazy: async () => ({ Component: (await load()).default }),
});

export const routes: RouteObject[] = [
  {
    path: "/",
    Component: Layout,
    ErrorBoundary: RouteError,
    HydrateFallback: () => null,
    children: [
      { index: true, ...page(() => import("../features/home/HomePage")) },
      { path: "products", ...page(() => import("../features/catalog/CatalogPage")) },
      { path: "products/:slug", ...page(() => import("../features/product/ProductPage")) },
      { path: "cart", ...page(() => import("../features/cart/CartPage")) },
      { path: "checkout", ...page(() => import("../features/checkout/CheckoutPage")) },
      { path: "orders", ...page(() => import("../features/orders/OrdersPage")) },
      { path: "orders/:id", ...page(() => import("../features/orders/OrderPage")) },
      { path: "sign-in", ...page(() => import("../features/account/SignInPage")) },
      { path: "*", ...page(() => import("../features/NotFoundPage")) },
    ],
  },
];

export const router = createBrowserRouter(routes);
