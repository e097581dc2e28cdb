// Writes src/api/schema.d.ts from the API's OpenAPI document with openapi-typescript's
// default options (the same text as its CLI), so the committed file can be checked for freshness.
//
//   npm run generate-api -- <path-to-openapi.json>            write src/api/schema.d.ts
//   npm run generate-api -- <path-to-openapi.json> --check    exit 1 when the file is out of date
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

const args = process.argv.slice(2);
const check = args.includes("--check");
const input = args.find((a) => !a.startsWith("--"));
if (!input) {
  console.error("usage: npm run generate-api -- <path-to-openapi.json> [--check]");
  process.exit(2);
}
// npm runs scripts from the package folder; a relative path means where npm was called.
const base = process.env.INIT_CWD ?? process.cwd();
const source = pathToFileURL(path.resolve(base, input));
const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/api/schema.d.ts");

const text = `${COMMENT_HEADER}${astToString(await openapiTS(source))}`;

if (check) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
  if (current !== text) {
    console.error(`${path.relative(process.cwd(), target)} is out of date: run npm run generate-api -- ${input}`);
    process.exit(1);
  }
  console.log(`${path.relative(process.cwd(), target)} is up to date`);
} else {
  fs.writeFileSync(target, text);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
