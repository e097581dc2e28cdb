/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The Flask app that `npm run dev` and `npm run preview` forward /api and /uploads to.
const apiTarget = process.env.BAKERY_DEV_API ?? "http://127.0.0.1:5000";
const proxy = {
  "/api": { target: apiTarget, changeOrigin: false },
  "/uploads": { target: apiTarget, changeOrigin: false },
};

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
  // The manifest lets a check add up what each route loads (see README, "Bundle size").
  build: { outDir: "dist", sourcemap: false, manifest: true },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // Node's fetch needs absolute URLs; the app itself calls its own origin. The development
    // sign-in whatever the shell says: a test that wants Clerk stubs the key.
    env: { VITE_API_BASE_URL: "http://shop.test", VITE_CLERK_PUBLISHABLE_KEY: "" },
  },
});
