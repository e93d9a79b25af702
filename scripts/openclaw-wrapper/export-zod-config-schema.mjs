// Print the config JSON Schema of an installed OpenClaw that has no
// `openclaw config schema` command (2026.2.x).
//
//   node export-zod-config-schema.mjs <path/to/node_modules/openclaw>
//
// OpenClaw validates openclaw.json with a zod v4 object, `OpenClawSchema`,
// bundled into a hashed dist/ chunk that exports it under a one-letter alias
// (2026.2.x), or, in the unbundled dist/ of 2026.1.x, exported by its own name
// from dist/config/zod-schema.js.
// This finds that module, imports it, and converts the object the way the
// gateway's own `config.schema` method does, with io "input" as 2026.9.x's
// `openclaw config schema` does (so defaulted keys are not "required").
// Some chunks start the CLI when imported, so each candidate is tried in a
// child process; the first that exits 0 with a schema wins.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const pkgDir = process.argv[2];
if (!pkgDir) {
  console.error("usage: node export-zod-config-schema.mjs <openclaw package dir>");
  process.exit(2);
}
const dist = path.join(path.resolve(pkgDir), "dist");
const aliasRe = /^export \{[^}]*\bOpenClawSchema as ([\w$]+)/m;
const namedRe = /^export const OpenClawSchema\b/m;
const candidates = fs
  .readdirSync(dist, { recursive: true })
  .filter((f) => /\.m?js$/.test(f))
  .sort()
  .flatMap((f) => {
    const text = fs.readFileSync(path.join(dist, f), "utf8");
    const m = text.match(aliasRe);
    if (m) return [{ file: path.join(dist, f), alias: m[1] }];
    return namedRe.test(text) ? [{ file: path.join(dist, f), alias: "OpenClawSchema" }] : [];
  });
if (candidates.length === 0) {
  console.error(`no dist chunk of ${pkgDir} exports OpenClawSchema`);
  process.exit(1);
}

const child = `
const mod = await import(${JSON.stringify("URL")});
const schema = mod[${JSON.stringify("ALIAS")}].toJSONSchema({ io: "input", target: "draft-07", unrepresentable: "any" });
schema.title = "OpenClawConfig";
process.stdout.write(JSON.stringify(schema));
`;
const failures = [];
for (const { file, alias } of candidates) {
  const code = child
    .replace('"URL"', JSON.stringify(pathToFileURL(file).href))
    .replace('"ALIAS"', JSON.stringify(alias));
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: process.env,
  });
  if (r.status === 0) {
    try {
      const schema = JSON.parse(r.stdout);
      if (schema?.properties?.gateway) {
        process.stdout.write(JSON.stringify(schema) + "\n");
        process.exit(0);
      }
    } catch {
      // fall through: not a schema
    }
  }
  failures.push(`${path.basename(file)}: exit ${r.status} ${String(r.stderr).trim().split("\n").slice(-1)[0] ?? ""}`);
}
console.error(`could not export OpenClawSchema:\n  ${failures.join("\n  ")}`);
process.exit(1);
