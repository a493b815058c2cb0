// Fails the build when the JavaScript the first page loads (the entry chunk and every chunk it
// imports statically) is over the budget, gzipped. Chunks loaded on demand (charts) do not count.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 300 * 1024;
const manifest = JSON.parse(readFileSync("dist/.vite/manifest.json", "utf8"));
const entry = Object.keys(manifest).find((k) => manifest[k].isEntry);
const seen = new Set();
const visit = (key) => {
  if (seen.has(key)) return;
  seen.add(key);
  (manifest[key].imports ?? []).forEach(visit);
};
visit(entry);
let total = 0;
for (const key of seen) {
  const file = manifest[key].file;
  total += gzipSync(readFileSync(`dist/${file}`)).length;
}
console.log(`first page JavaScript: ${(total / 1024).toFixed(1)} KiB gzipped (budget ${BUDGET / 1024} KiB)`);
if (total > BUDGET) {
  console.error("over the budget: load more on demand, or drop a dependency");
  process.exit(1);
}
