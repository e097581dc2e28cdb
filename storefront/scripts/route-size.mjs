// Adds up the gzipped JavaScript and CSS a route loads, from dist/.vite/manifest.json:
// the entry with its static imports, plus the route's lazy page with its static imports.
//   npm run size -- CatalogPage [limit-kB]   (after npm run build)
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const [page = "CatalogPage", limit] = process.argv.slice(2);
const dist = path.resolve(import.meta.dirname, "../dist");
const manifest = JSON.parse(fs.readFileSync(path.join(dist, ".vite/manifest.json"), "utf8"));
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
let total = 0;
for (const file of files) {
  const size = zlib.gzipSync(fs.readFileSync(path.join(dist, file))).length;
  total += size;
  console.log(`${(size / 1000).toFixed(2).padStart(8)} kB  ${file}`);
}
console.log(`${(total / 1000).toFixed(2).padStart(8)} kB  gzipped in all for ${page}`);
if (limit && total / 1000 > Number(limit)) {
  console.error(`over the budget of ${limit} kB`);
  process.exit(1);
}
