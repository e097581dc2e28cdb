/** A route whose component is loaded when the route is first visited. */
import type { RouteObject } from "react-router";

type PageModule = { default: React.ComponentType };

export const lazyPage = (load: () => Promise<PageModule>): Pick<RouteObject, "lazy"> => ({
  lazy: async () => ({ Component: (await load()).default }),
});
