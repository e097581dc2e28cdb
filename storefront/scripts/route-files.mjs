// The files a route loads, read from a build's manifest (dist/.vite/manifest.json): the entry with
// its static imports, plus the route's lazy page with its static imports. Used by route-size.mjs
// and check-clerk-loading.mjs.
import fs from "node:fs";
import path from "node:path";

export function readManifest(dist) {
  return JSON.parse(fs.readFileSync(path.join(dist, ".vite/manifest.json"), "utf8"));
}

/** The JavaScript and CSS files (paths inside dist) that `page` (e.g. "CatalogPage") loads. */
export function routeFiles(manifest, page) {
  const files = new Set();
  const walk = (key) => {
    const chunk = manifest[key];
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
    for (const imported of chunk.imports ?? []) walk(imported);
  };
  const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
  const route = Object.keys(manifest).find((key) => key.endsWith(`/${page}.tsx`));
  if (!entry || !route) throw new Error(`no entry or no ${page}.tsx in the manifest`);
  walk(entry);
  walk(route);
  return files;
}
