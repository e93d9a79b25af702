#!/usr/bin/env node
// A browser-like client of the OpenClaw gateway, for the user-path tests.
//
// Written from the protocol as the installed `openclaw` packages define it:
// - server: dist/gateway-cli-*.js (2026.2.19, `attachGatewayWsMessageHandler`)
//   and dist/message-handler-*.mjs + dist/origin-check-*.mjs (2026.9.6);
// - clients: dist/client-*.js `GatewayClient.sendConnect` (2026.2.19) and the
//   Control UI's own client, dist/control-ui/assets/index-*.js (2026.2.19),
//   control-ui-core-*.js (2026.9.6).
// The exchange: the server sends the event `connect.challenge` {nonce, ts};
// the first request must be `connect` {minProtocol, maxProtocol, client
// {id, version, platform, mode}, role, scopes, caps, auth {token}, device?};
// the response `hello-ok` (ok: true) or an error {code, message, details}
// and close 1008; then requests {type:"req", id, method, params} get
// {type:"res", id, ok, payload|error}.
// Protocol versions: 2026.2.19 speaks 3 only, 2026.9.6 requires 4
// (version-*.mjs: PROTOCOL_VERSION = 4, MIN_CLIENT_PROTOCOL_VERSION = 4);
// this client offers 3..4.
// Device identity (what a browser in a secure context has, crypto.subtle):
// an Ed25519 key; device id = hex sha256 of the raw 32-byte public key;
// publicKey = base64url(raw); signature = base64url(ed25519 over
// "v2|deviceId|clientId|clientMode|role|scopes,…|signedAtMs|token|nonce"),
// as the Control UI of every release 2026.1.29 … 2026.9.6 signs it (its bundle,
// dist/control-ui/assets; tests/real_gateway.rs checks each release's). OpenClaw's
// node client (CLI, apps) signs v3 with platform and device family from 2026.5.12;
// the tests run the real CLI for that path.
// Without --device-dir the client is a browser in an INSECURE context
// (plain http to a LAN address): no crypto.subtle, so no device identity.
//
// Usage (one JSON line on stdout; exit 0 ok, 1 refused, 2 usage error; --serve: many
// requests in one process, at the end of this file):
//   node gateway-client.mjs --url ws[s]://ADDR:PORT/ [--origin ORIGIN] [--host HOST]
//       [--token TOKEN] [--request health [--params JSON]] [--timeout-ms N] [--device-dir DIR]
//       [--client-id openclaw-control-ui] [--client-mode webchat] [--build-id ID]
//       [--tls-fingerprint SHA256 | --insecure-tls] [--header "Name: value"]...
//       [--hop-header "Name: value"]...
//   node gateway-client.mjs --http-get / --url http[s]://ADDR:PORT/ [--host HOST] [--origin O]
//       [--tls-fingerprint SHA256 | --insecure-tls] [--hop-header "Name: value"]...
// Over https/wss the server's certificate is verified against the system CAs,
// unless --tls-fingerprint accepts exactly the certificate with that SHA-256
// fingerprint (hex, colons optional; what a browser's "accept the risk"
// exception remembers, and what OpenClaw's own clients pin with
// tlsFingerprint), or --insecure-tls accepts any. The fingerprint is checked
// on the WebSocket upgrade, before the token is sent (in `connect`); the
// page GETs carry no secret. Results over TLS carry
// `tls: {fingerprint256, subject}`; a mismatch is refused at stage "tls".
// --header adds a request header to the WebSocket upgrade (repeatable): what a
// client that forges a proxy's headers (Tailscale-User-Login, X-Forwarded-For)
// sends.
// --hop-header is a header a proxy's hop adds to every request of the page (the
// page, its scripts, the WebSocket upgrade), e.g. Tailscale Serve's X-Forwarded-*
// when the client dials the hop's target itself (repeatable).
// --http-get prints {"ok":true,"status":200,"controlUi":true,…}: ok means
// status 200 and the Control UI's HTML marker (<title>OpenClaw Control</title>).
// The `ws` package comes from the OpenClaw install: --ws-from NODE_MODULES, or
// $OCGEN_TOOLS_DIR/openclaw/<version>/node_modules (the first that has ws).

import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import tls from "node:tls";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const CONTROL_UI_MARKER = "<title>OpenClaw Control</title>";
const SCOPES = ["operator.admin", "operator.approvals", "operator.pairing", "operator.read", "operator.write"];

// A usage error ends the request (exit 2), thrown to the request's caller.
class Usage extends Error {}
function usage(msg) {
  throw new Usage(msg);
}

function parseArgs(argv) {
  const known = new Set([
    "url", "origin", "host", "token", "request", "timeout-ms", "device-dir",
    "http-get", "ws-from", "client-id", "client-mode", "build-id", "tls-fingerprint", "header", "hop-header", "params",
  ]);
  const flags = new Set(["insecure-tls"]);
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) usage(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (flags.has(name) && eq < 0) {
      opts[name] = true;
      continue;
    }
    if (!known.has(name)) usage(`unknown option --${name}`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) usage(`--${name} needs a value`);
    if (name === "header" || name === "hop-header") {
      const colon = value.indexOf(":");
      if (colon <= 0) usage(`--${name} ${JSON.stringify(value)} is not "Name: value"`);
      const list = name === "header" ? "headers" : "hopHeaders";
      (opts[list] ??= []).push([value.slice(0, colon).trim(), value.slice(colon + 1).trim()]);
      continue;
    }
    opts[name] = value;
  }
  if (!opts.url) usage("--url is required");
  let url;
  try {
    url = new URL(opts.url);
  } catch {
    usage(`--url ${JSON.stringify(opts.url)} is not a URL`);
  }
  const timeoutMs = opts["timeout-ms"] === undefined ? 10000 : Number(opts["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) usage("--timeout-ms must be a positive integer");
  let pin;
  if (opts["tls-fingerprint"] !== undefined) {
    pin = normalizeFingerprint(opts["tls-fingerprint"]);
    if (!/^[0-9a-f]{64}$/.test(pin)) usage("--tls-fingerprint must be a SHA-256 fingerprint (64 hex digits, colons optional)");
    if (opts["insecure-tls"]) usage("--tls-fingerprint and --insecure-tls exclude each other");
  }
  let params = {};
  if (opts.params !== undefined) {
    try {
      params = JSON.parse(opts.params);
    } catch {
      usage(`--params ${JSON.stringify(opts.params)} is not JSON`);
    }
  }
  return { ...opts, url, timeoutMs, pin, request: opts.request ?? "health", params };
}


function loadWs(from) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [];
  if (from) candidates.push(from);
  const tools =
    process.env.OCGEN_TOOLS_DIR || path.join(process.env.OCGEN_CACHE_DIR || "/var/cache/ocgen-test", "tools");
  const root = path.join(tools, "openclaw");
  try {
    for (const v of fs.readdirSync(root).sort().reverse()) candidates.push(path.join(root, v, "node_modules"));
  } catch {}
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, "ws", "package.json"))) {
      return createRequire(path.join(dir, "noop.js"))("ws");
    }
  }
  usage(`no ws package found (looked in ${candidates.join(", ") || "nothing"}); pass --ws-from NODE_MODULES`);
}

// --- device identity (as the Control UI keeps it in a secure context) -------

const b64url = (buf) => Buffer.from(buf).toString("base64url");

function loadOrCreateDevice(dir) {
  const file = path.join(dir, "device.json");
  try {
    const d = JSON.parse(fs.readFileSync(file, "utf8"));
    if (d.deviceId && d.publicKeyPem && d.privateKeyPem) return d;
  } catch {}
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const spki = publicKey.export({ type: "spki", format: "der" });
  const raw = spki.subarray(spki.length - 32);
  const d = {
    deviceId: crypto.createHash("sha256").update(raw).digest("hex"),
    publicKeyRaw: b64url(raw),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(d, null, 2)}\n`, { mode: 0o600 });
  return d;
}

function signedDevice(dev, { clientId, clientMode, role, scopes, token, nonce, signedAt }) {
  const payload = ["v2", dev.deviceId, clientId, clientMode, role, scopes.join(","), String(signedAt), token ?? "", nonce ?? ""].join("|");
  const signature = b64url(crypto.sign(null, Buffer.from(payload, "utf8"), crypto.createPrivateKey(dev.privateKeyPem)));
  return { id: dev.deviceId, publicKey: dev.publicKeyRaw, signature, signedAt, nonce };
}

// --- TLS -------------------------------------------------------------------

function normalizeFingerprint(fp) {
  return String(fp).toLowerCase().replace(/^sha-?256[:=\s]*/, "").replace(/[^0-9a-f]/g, "");
}

// Options for https.request / ws: with a pin or --insecure-tls, the chain is
// not verified here; tlsCheck() then decides on the certificate.
function tlsOptions(opts) {
  return opts.pin || opts["insecure-tls"] ? { rejectUnauthorized: false } : {};
}

// The server's certificate on a connected TLS socket: null if acceptable,
// else the reason. Without a pin or --insecure-tls, Node has verified it.
function tlsCheck(opts, socket) {
  const cert = socket.getPeerCertificate?.() ?? {};
  const info = { fingerprint256: normalizeFingerprint(cert.fingerprint256 ?? ""), subject: cert.subject?.CN ?? null };
  if (opts.pin && info.fingerprint256 !== opts.pin) {
    return { info, error: `certificate fingerprint ${info.fingerprint256 || "(none)"} is not the pinned ${opts.pin}` };
  }
  return { info, error: null };
}

// Check the certificate once `req`'s TLS handshake is done (plain http:
// nothing to check); record it in `state.tls`; a mismatch aborts `req`.
function whenTrusted(opts, req, state, onRefused) {
  req.on("socket", (socket) => {
    if (!(socket instanceof tls.TLSSocket)) return;
    socket.once("secureConnect", () => {
      const { info, error } = tlsCheck(opts, socket);
      state.tls = info;
      if (error) {
        req.destroy();
        onRefused(error);
      }
    });
  });
}

// --- HTTP ------------------------------------------------------------------

const httpOf = (url) => (url.protocol === "https:" ? https : http);

function httpGet(opts) {
  const target = new URL(opts["http-get"], opts.url);
  const headers = Object.fromEntries(opts.hopHeaders ?? []);
  if (opts.host) headers.Host = opts.host;
  if (opts.origin) headers.Origin = opts.origin;
  const state = {};
  let refused = false;
  const req = httpOf(target).request(target, { method: "GET", headers, agent: false, timeout: opts.timeoutMs, ...tlsOptions(opts) }, (res) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (c) => (body += c));
    res.on("end", () => {
      const controlUi = body.includes(CONTROL_UI_MARKER);
      const ok = res.statusCode === 200 && controlUi;
      opts.done({
        ok,
        stage: "http",
        url: target.href,
        status: res.statusCode,
        controlUi,
        ...(state.tls ? { tls: state.tls } : {}),
        ...(ok ? {} : { error: body.slice(0, 400) }),
      });
    });
  });
  whenTrusted(opts, req, state, (error) => {
    refused = true;
    opts.done({ ok: false, stage: "tls", url: target.href, tls: state.tls, error });
  });
  req.on("timeout", () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
  req.on("error", (e) => {
    if (!refused) opts.done({ ok: false, stage: "http", url: target.href, error: String(e.message ?? e) });
  });
  req.end();
}

// The Control UI sends the build id compiled into its own assets
// (client.buildId); 2026.9.6 refuses a Control UI whose build id differs from
// the gateway's once the device is paired ("protocol mismatch: Control UI
// updated; reload this page", message-handler-*.mjs
// resolveControlUiBuildMismatch). Like a browser, load the page the gateway
// serves and read the id from the scripts it references; 2026.2.19's assets
// carry none (then none is sent).
function fetchText(url, headers, opts) {
  return new Promise((resolve) => {
    const req = httpOf(url).request(url, { method: "GET", headers, agent: false, timeout: opts.timeoutMs, ...tlsOptions(opts) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(res.statusCode === 200 ? body : null));
    });
    whenTrusted(opts, req, {}, () => resolve(null));
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
    req.end();
  });
}

async function servedBuildId(opts) {
  const base = new URL(opts.url.href.replace(/^ws/, "http"));
  const headers = Object.fromEntries(opts.hopHeaders ?? []);
  if (opts.host) headers.Host = opts.host;
  const page = await fetchText(new URL("/", base), headers, opts);
  if (!page) return undefined;
  const scripts = [...page.matchAll(/(?:src|href)="([^"]+\.js)"/g)].map((m) => m[1]);
  for (const src of scripts) {
    const js = await fetchText(new URL(src, new URL("/", base)), headers, opts);
    const m = js && js.match(/buildId:[`"']([^`"']+)[`"']/);
    if (m) return m[1];
  }
  return undefined;
}

// --- WebSocket ---------------------------------------------------------------

function wsSession(opts, buildId) {
  const WebSocket = loadWs(opts["ws-from"]);
  const clientId = opts["client-id"] ?? "openclaw-control-ui";
  const clientMode = opts["client-mode"] ?? "webchat";
  const role = "operator";
  const device = opts["device-dir"] ? loadOrCreateDevice(opts["device-dir"]) : null;
  const headers = Object.fromEntries([...(opts.hopHeaders ?? []), ...(opts.headers ?? [])]);
  if (opts.host) headers.Host = opts.host;
  const ws = new WebSocket(opts.url.href, {
    headers,
    ...(opts.origin ? { origin: opts.origin } : {}),
    handshakeTimeout: opts.timeoutMs,
    ...tlsOptions(opts),
  });
  let stage = "upgrade";
  let tlsInfo = null;
  let hello = null;
  let connectTimer = null;
  let connectSent = false;
  const timer = setTimeout(() => fail({ error: `no answer within ${opts.timeoutMs} ms` }), opts.timeoutMs);
  function fail(extra) {
    clearTimeout(timer);
    clearTimeout(connectTimer);
    try {
      ws.terminate();
    } catch {}
    opts.done({ ok: false, stage, ...(device ? { deviceId: device.deviceId } : {}), ...(tlsInfo ? { tls: tlsInfo } : {}), ...extra });
  }
  function sendConnect(nonce, challengeTs) {
    if (connectSent) return;
    connectSent = true;
    clearTimeout(connectTimer);
    stage = "connect";
    const signedAt = typeof challengeTs === "number" ? challengeTs : Date.now();
    const params = {
      minProtocol: 3,
      maxProtocol: 4,
      client: { id: clientId, version: "ocgen-test", platform: "linux", mode: clientMode, ...(buildId ? { buildId } : {}) },
      role,
      scopes: SCOPES,
      caps: [],
      ...(opts.token ? { auth: { token: opts.token } } : {}),
      ...(device ? { device: signedDevice(device, { clientId, clientMode, role, scopes: SCOPES, token: opts.token, nonce, signedAt }) } : {}),
      userAgent: "ocgen-gateway-client",
      locale: "en-US",
    };
    ws.send(JSON.stringify({ type: "req", id: "connect-1", method: "connect", params }));
  }
  ws.on("unexpected-response", (_req, res) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (c) => (body += c));
    res.on("end", () => fail({ status: res.statusCode, error: body.slice(0, 400) || `HTTP ${res.statusCode}` }));
  });
  ws.on("error", (e) => fail({ error: String(e.message ?? e) }));
  // The certificate is checked on the upgrade, before the token is sent
  // (in the connect request, after "open").
  ws.on("upgrade", (res) => {
    if (!(res.socket instanceof tls.TLSSocket)) return;
    const { info, error } = tlsCheck(opts, res.socket);
    tlsInfo = info;
    if (error) {
      stage = "tls";
      fail({ error });
    }
  });
  ws.on("open", () => {
    stage = "connect";
    // The server opens with connect.challenge; without one, connect anyway
    // after the delay the OpenClaw clients use (750 ms).
    connectTimer = setTimeout(() => sendConnect(undefined, undefined), 750);
  });
  ws.on("close", (code, reason) => {
    if (stage !== "done") fail({ error: `closed ${code}: ${String(reason)}`, closeCode: code });
  });
  ws.on("message", (data) => {
    let frame;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (frame.type === "event") {
      if (frame.event === "connect.challenge" && frame.payload && typeof frame.payload.nonce === "string") {
        sendConnect(frame.payload.nonce, frame.payload.ts);
      }
      return;
    }
    if (frame.type !== "res") return;
    if (frame.id === "connect-1") {
      if (!frame.ok) return fail({ error: frame.error?.message ?? "connect refused", code: frame.error?.code, details: frame.error?.details });
      hello = frame.payload;
      stage = "request";
      ws.send(JSON.stringify({ type: "req", id: "req-1", method: opts.request, params: opts.params }));
      return;
    }
    if (frame.id === "req-1") {
      if (!frame.ok) return fail({ error: frame.error?.message ?? "request refused", code: frame.error?.code, details: frame.error?.details });
      stage = "done";
      clearTimeout(timer);
      ws.close(1000);
      opts.done({
        ok: true,
        ...(device ? { deviceId: device.deviceId } : {}),
        ...(tlsInfo ? { tls: tlsInfo } : {}),
        hello: { type: hello?.type, protocol: hello?.protocol, auth: hello?.auth ? { role: hello.auth.role, scopes: hello.auth.scopes, deviceToken: Boolean(hello.auth.deviceToken) } : undefined },
        response: frame.payload,
      });
    }
  });
}

// One request: the arguments above; `finish(exit, result)` is called exactly once
// (exit 0 ok, 1 refused, 2 usage error), whatever its sockets do after.
function request(argv, finish) {
  let finished = false;
  const once = (exit, result) => {
    if (finished) return;
    finished = true;
    finish(exit, result);
  };
  const endWith = (e) => {
    if (!(e instanceof Usage)) {
      // a defect of this client, never a verdict on the gateway
      process.stderr.write(`gateway-client: ${e?.stack ?? e}\n`);
      return once(70, { ok: false, stage: "crash", error: String(e?.message ?? e) });
    }
    process.stderr.write(`gateway-client: ${e.message}\n`);
    once(2, { ok: false, stage: "usage", error: e.message });
  };
  try {
    const opts = parseArgs(argv);
    opts.done = (result) => once(result.ok ? 0 : 1, result);
    if (opts["http-get"] !== undefined) httpGet(opts);
    else if (opts["build-id"] !== undefined || (opts["client-id"] ?? "openclaw-control-ui") !== "openclaw-control-ui") wsSession(opts, opts["build-id"]);
    else servedBuildId(opts).then((id) => wsSession(opts, id)).catch(endWith);
  } catch (e) {
    endWith(e);
  }
}

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === "--serve") {
  // Many requests in one process (tests/common/client.rs, `ClientServer`): one a line on
  // stdin, a JSON array of the arguments above; one line out each, in order,
  // {"exit": N, "result": {…}}. Each request opens its own connections (no agent, no
  // kept-alive socket, no TLS session reused), as a new process would.
  let queue = Promise.resolve();
  let buffered = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.trim()) continue;
      queue = queue.then(
        () =>
          new Promise((resolve) => {
            const reply = (exit, result) => {
              process.stdout.write(`${JSON.stringify({ exit, result })}\n`);
              resolve();
            };
            let args;
            try {
              args = JSON.parse(line);
            } catch {
              return reply(2, { ok: false, stage: "usage", error: `not a JSON array of arguments: ${line.slice(0, 200)}` });
            }
            if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
              return reply(2, { ok: false, stage: "usage", error: "a request is a JSON array of strings" });
            }
            request(args, reply);
          }),
      );
    }
  });
  process.stdin.on("end", () => queue.then(() => process.exit(0)));
} else {
  request(argv, (exit, result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(exit);
  });
}
