#!/usr/bin/env node
// A real browser for the user-path tests: Debian's Chromium, headless, driven over
// the DevTools protocol on a pipe (--remote-debugging-pipe: NUL-delimited JSON on
// fds 3/4), in real time (no virtual time: OpenClaw's Control UI has its own timers).
//
//   node chromium.mjs --url URL --profile DIR [--spki HASH] [--host-rules RULES]
//                     [--wait-ms N] [--until TEXT]...
//
// Opens URL in a fresh tab of the profile DIR, then polls the page's visible text
// every 250 ms until it contains one of the --until texts, within --wait-ms (default
// 30000), and prints one JSON line {"ok", "matched", "url", "secureContext",
// "subtle", "text"} (text: the page's innerText, collapsed). The caller may act on
// the gateway meanwhile (approve this browser's pairing request): the page is
// watched without reloading. Exit 0 when a --until text was seen, 1 otherwise.
// --spki accepts exactly the certificate with that SPKI SHA-256 (base64): what a
// user's "accept the risk" does for a self-signed one. --host-rules is Chromium's
// --host-resolver-rules (e.g. "MAP host.ts.net 10.203.1.2": the name the user
// types resolves to the test's address, as the tailnet's DNS would).
import { spawn } from "node:child_process";

const args = process.argv.slice(2);
const opt = { until: [], waitMs: 30000 };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const next = () => args[++i];
  if (a === "--url") opt.url = next();
  else if (a === "--profile") opt.profile = next();
  else if (a === "--spki") opt.spki = next();
  else if (a === "--host-rules") opt.hostRules = next();
  else if (a === "--wait-ms") opt.waitMs = Number(next());
  else if (a === "--until") opt.until.push(next());
  else {
    console.error(`chromium.mjs: unknown argument ${a}`);
    process.exit(2);
  }
}
if (!opt.url || !opt.profile) {
  console.error("usage: node chromium.mjs --url URL --profile DIR [--spki HASH] [--wait-ms N] [--until TEXT]...");
  process.exit(2);
}

const flags = [
  "--headless=new",
  "--no-sandbox", // root in a test namespace
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--remote-debugging-pipe",
  `--user-data-dir=${opt.profile}`,
  ...(opt.spki ? [`--ignore-certificate-errors-spki-list=${opt.spki}`] : []),
  ...(opt.hostRules ? [`--host-resolver-rules=${opt.hostRules}`] : []),
  "about:blank",
];
const chrome = spawn(process.env.OCGEN_CHROMIUM || "chromium", flags, {
  stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"],
});
let stderr = "";
chrome.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
const toChrome = chrome.stdio[3];
const fromChrome = chrome.stdio[4];
let nextId = 1;
const waiting = new Map();
let buffer = "";
fromChrome.on("data", (d) => {
  buffer += d.toString("utf8");
  let i;
  while ((i = buffer.indexOf("\0")) >= 0) {
    const msg = JSON.parse(buffer.slice(0, i));
    buffer = buffer.slice(i + 1);
    if (msg.id && waiting.has(msg.id)) {
      const { resolve, reject } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) reject(new Error(JSON.stringify(msg.error)));
      else resolve(msg.result);
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  toChrome.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const result = { ok: false, matched: null, url: opt.url };
function finish(code, error) {
  if (error) {
    result.error = String(error);
    result.stderr = stderr.split("\n").filter((l) => !l.includes("dbus")).slice(-10).join("\n");
  }
  console.log(JSON.stringify(result));
  try {
    chrome.kill("SIGKILL");
  } catch {}
  process.exit(code);
}
setTimeout(() => finish(1, `no answer within ${opt.waitMs + 20000} ms`), opt.waitMs + 20000).unref();

try {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  await send("Page.enable", {}, sessionId);
  await send("Page.navigate", { url: opt.url }, sessionId);
  const evaluate = async (expression) =>
    (await send("Runtime.evaluate", { expression, returnByValue: true }, sessionId)).result.value;
  const watch = async (texts) => {
    const deadline = Date.now() + opt.waitMs;
    for (;;) {
      await sleep(250);
      const state = await evaluate(
        "JSON.stringify({text: document.body ? document.body.innerText : '', secureContext: window.isSecureContext, subtle: !!(window.crypto && window.crypto.subtle)})",
      ).catch(() => null);
      if (state) {
        const s = JSON.parse(state);
        const text = s.text.replace(/\s+/g, " ").trim();
        result.text = text.slice(0, 2000);
        result.secureContext = s.secureContext;
        result.subtle = s.subtle;
        result.matched = texts.find((u) => text.includes(u)) ?? null;
        if (result.matched) return true;
      }
      if (Date.now() > deadline) return false;
    }
  };
  if (!(await watch(opt.until))) finish(1);
  result.ok = true;
  finish(0);
} catch (e) {
  finish(1, e);
}
