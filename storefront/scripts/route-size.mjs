// Adds up the gzipped JavaScript and CSS a route loads (see route-files.mjs).
//   npm run size -- CatalogPage [limit-kB]   (after npm run build)
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { readManifest, routeFiles } from "./route-files.mjs";

const [page = "CatalogPage", limit] = process.argv.slice(2);
const dist = path.resolve(import.meta.dirname, "../dist");
let total = 0;
for (const file of routeFiles(readManifest(dist), page)) {
  const size = zlib.gzipSync(fs.readFileSync(path.join(dist, file))).length;
  total += size;
  console.log(`${(size / 1000).toFixed(2).padStart(8)} kB  ${file}`);
}
console.log(`${(total / 1000).toFixed(2).padStart(8)} kB  gzipped in all for ${page}`);
if (limit && total / 1000 > Number(limit)) {
  console.error(`over the budget of ${limit} kB`);
  process.exit(1);
}
