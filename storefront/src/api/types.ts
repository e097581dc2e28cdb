/** Short names for the API's shapes, taken from the generated schema. */
import type { components } from "./schema";

type Schemas = components["schemas"];
export type Product = Schemas["Product"];
export type Category = Schemas["Category"];
export type Image = Schemas["Image"];
export type Cart = Schemas["Cart"];
export type CartLine = Schemas["CartLine"];
export type CartQuote = Schemas["CartQuote"];
export type Order = Schemas["Order"];
export type Shop = Schemas["Shop"];
export type PickupDay = Schemas["PickupDay"];
export type Slot = Schemas["Slot"];
export type ApiErrorBody = Schemas["Error"];
export type Allergen = Product["allergens"][number];
export type OrderStatus = Order["status"];

export const ALLERGENS: readonly Allergen[] = [
  "gluten", "crustaceans", "eggs", "fish", "peanuts", "soybeans", "milk",
  "nuts", "celery", "mustard", "sesame", "sulphites", "lupin", "molluscs",
];
