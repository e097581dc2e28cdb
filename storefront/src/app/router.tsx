/** The app's router over the routes of the contract (routes.ts). */
import { createBrowserRouter } from "react-router";
import { routes } from "./routes";

export const router = createBrowserRouter(routes);
