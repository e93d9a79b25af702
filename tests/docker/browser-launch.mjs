// The image's browser as OpenClaw's browser tool launches it, for ocgen's engine tests
// (tests/image.rs), run with the image's own Node and playwright-core as the gateway's
// user. OpenClaw (dist/chrome-*.{js,mjs}, 2026.2.19 and 2026.9.6) takes the first
// executable of its Linux list that exists (/usr/bin/chromium in this image), spawns it
// with the arguments below (`--headless=new --disable-gpu` when headless: always in a
// container without a display; `--no-sandbox` when `browser.noSandbox` is set), waits for
// the DevTools endpoint on 127.0.0.1 and drives it with playwright-core's connectOverCDP.
//
//   node browser-launch.mjs [EXECUTABLE] [--sandbox] [--openclaw-2026.2.19]
//
// --openclaw-2026.2.19: that release's arguments: no --headless unless `browser.headless`
// is set (its default is false) and no --no-proxy-server; --disable-setuid-sandbox with
// --no-sandbox and --disable-blink-features=AutomationControlled. Its first launch waits up
// to 10 s for the profile's "Local State" and "Default/Preferences" (reported here).
//
// Serves a page from this process on 127.0.0.1, opens it in the browser, reads its text
// back, takes a screenshot, and stops the browser as OpenClaw does (SIGTERM to the
// process it spawned): no browser process may outlive it. Prints one JSON line
// {"ok":bool,...} and exits 0 when every step passed, 1 when one failed.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const args = process.argv.slice(2);
const exe = args.find((a) => !a.startsWith("--")) ?? "/usr/bin/chromium";
const sandbox = args.includes("--sandbox");
const old = args.includes("--openclaw-2026.2.19");
const require = createRequire("/opt/openclaw/node_modules/openclaw/package.json");
const { chromium } = require("playwright-core");

const result = { ok: false, exe, sandbox, flags: old ? "2026.2.19" : "2026.9.6" };
const done = (error) => {
  if (error) result.error = String(error).split("\n").slice(0, 6).join(" | ");
  console.log(JSON.stringify(result));
  process.exit(error ? 1 : 0);
};
setTimeout(() => done("timed out after 60 s"), 60000).unref();

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>ocgen browser check</title></head>
<body><h1 id="t">rendered by the image's browser ✓</h1><p id="n"></p>
<script>document.getElementById("n").textContent = "script ran: " + (6 * 7);</script></body></html>`;

// Chromium's processes, from /proc (the image has no ps).
function browserPids() {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((d) => {
      try {
        return /chrom/i.test(fs.readFileSync(`/proc/${d}/cmdline`, "utf8"));
      } catch {
        return false;
      }
    });
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server.address().port;
}

async function cdpReady(port, child) {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the browser exited (${child.exitCode}): ${child.stderrText.trim()}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/json/version`);
      if (r.ok) return await r.json();
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no DevTools endpoint on ${port} within 20 s: ${child.stderrText.trim()}`);
}

try {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(PAGE);
  });
  const pagePort = await listen(server);
  const probe = http.createServer();
  const cdpPort = await listen(probe); // a free port, as OpenClaw picks its profile's cdpPort
  await new Promise((r) => probe.close(r));
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-browser-"));
  // OpenClaw 2026.9.6's buildOpenClawChromeLaunchArgs; 2026.2.19's launchOpenClawChrome
  const launch = [
    `--remote-debugging-port=${cdpPort}`,
    `--user-data-dir=${userDataDir}`,
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-features=Translate,MediaRouter",
    "--disable-session-crashed-bubble",
    "--hide-crash-restore-bubble",
    "--password-store=basic",
    ...(old ? [] : ["--headless=new", "--disable-gpu"]),
    ...(sandbox ? [] : old ? ["--no-sandbox", "--disable-setuid-sandbox"] : ["--no-sandbox"]),
    "--disable-dev-shm-usage",
    ...(old ? ["--disable-blink-features=AutomationControlled"] : ["--no-proxy-server"]),
    "about:blank",
  ];
  const child = spawn(exe, launch, { stdio: "pipe", env: { ...process.env, HOME: os.homedir() } });
  child.stderrText = "";
  child.on("error", (e) => done(`cannot start ${exe}: ${e.message}`));
  child.stderr.on("data", (d) => (child.stderrText = (child.stderrText + d).slice(-2000)));
  child.stdout.resume();
  const version = await cdpReady(cdpPort, child);
  result.browser = version.Browser;
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${cdpPort}`);
  const context = browser.contexts()[0] ?? (await browser.newContext());
  const page = await context.newPage();
  const response = await page.goto(`http://127.0.0.1:${pagePort}/`);
  result.status = response?.status() ?? null;
  result.title = await page.title();
  result.text = [await page.textContent("#t"), await page.textContent("#n")];
  result.userAgent = await page.evaluate(() => navigator.userAgent);
  result.webgl = await page.evaluate(() => !!document.createElement("canvas").getContext("webgl"));
  const shot = await page.screenshot();
  result.screenshot = { bytes: shot.length, width: shot.readUInt32BE(16), height: shot.readUInt32BE(20) };
  result.processesWhileRunning = browserPids().length;
  result.profileFiles = ["Local State", "Default/Preferences"].filter((f) => fs.existsSync(path.join(userDataDir, f)));
  await browser.close();
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  await new Promise((r) => setTimeout(r, 1500));
  result.processesAfterStop = browserPids().length;
  server.close();
  if (result.status !== 200) throw new Error(`page answered ${result.status}`);
  if (result.title !== "ocgen browser check") throw new Error(`title ${JSON.stringify(result.title)}`);
  if (result.text[1] !== "script ran: 42") throw new Error(`text ${JSON.stringify(result.text)}`);
  if (result.screenshot.width < 100 || result.screenshot.height < 100) throw new Error("empty screenshot");
  if (result.processesAfterStop !== 0) throw new Error(`${result.processesAfterStop} browser processes outlived SIGTERM`);
  result.ok = true;
  done();
} catch (e) {
  done(e?.message ?? e);
}
