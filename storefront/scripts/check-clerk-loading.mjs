// Proves that Clerk's code loads only where it should, by building the app twice into temporary
// folders (no need to build first; dist/ is left alone):
//   - with a dummy VITE_CLERK_PUBLISHABLE_KEY, Clerk's code is in chunks of its own that the
//     Clerk sign-in page loads, and none of it is among what /, /products and /products/:slug load;
//   - without the key, no Clerk code is anywhere in the build.
//   npm run check-clerk-loading      (exit status 1, with the reasons, when not)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "vite";
import { readManifest, routeFiles } from "./route-files.mjs";

const root = path.resolve(import.meta.dirname, "..");
// A well-formed key for a made-up Clerk instance: the build only embeds it.
const dummyKey = `pk_test_${Buffer.from("clerk.bakery.example$").toString("base64")}`;
// Clerk's packages name themselves in their error messages and script URLs, which minifying keeps.
const clerkMarker = /@clerk\/(clerk-react|shared|clerk-js)/;
const publicPages = ["HomePage", "CatalogPage", "ProductPage"];
const failures = [];

async function buildWith(key) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "storefront-clerk-check-"));
  if (key) process.env.VITE_CLERK_PUBLISHABLE_KEY = key;
  else delete process.env.VITE_CLERK_PUBLISHABLE_KEY;
  // envDir false: a local .env file cannot add or hide the key.
  await build({ root, envDir: false, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  const manifest = readManifest(outDir);
  const files = Object.values(manifest).map((chunk) => chunk.file);
  const clerkFiles = files.filter((file) => clerkMarker.test(fs.readFileSync(path.join(outDir, file), "utf8")));
  return { outDir, manifest, clerkFiles };
}

function expect(condition, message) {
  console.log(`${condition ? "ok  " : "FAIL"}  ${message}`);
  if (!condition) failures.push(message);
}

const withKey = await buildWith(dummyKey);
expect(withKey.clerkFiles.length > 0, `built with the key, Clerk's code is in ${withKey.clerkFiles.join(", ") || "no file"}`);
expect(
  !withKey.clerkFiles.some((file) => file === withKey.manifest["index.html"]?.file),
  "built with the key, the entry chunk holds no Clerk code",
);
const signIn = routeFiles(withKey.manifest, "ClerkSignInPage");
expect(
  withKey.clerkFiles.every((file) => signIn.has(file)),
  "built with the key, the Clerk sign-in page loads Clerk's chunks",
);
for (const page of publicPages) {
  const loaded = routeFiles(withKey.manifest, page);
  const clerk = withKey.clerkFiles.filter((file) => loaded.has(file));
  expect(clerk.length === 0, `built with the key, ${page} loads no Clerk code${clerk.length ? ` (it loads ${clerk.join(", ")})` : ""}`);
}

const withoutKey = await buildWith(undefined);
expect(
  withoutKey.clerkFiles.length === 0,
  `built without the key, no Clerk code in the build${withoutKey.clerkFiles.length ? ` (found in ${withoutKey.clerkFiles.join(", ")})` : ""}`,
);
expect(
  !Object.keys(withoutKey.manifest).some((key) => /clerk/i.test(key)),
  "built without the key, no Clerk module in the manifest",
);

for (const { outDir } of [withKey, withoutKey]) fs.rmSync(outDir, { recursive: true, force: true });
if (failures.length > 0) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
