// A browser-like OpenClaw client for tests/domain_path.rs: opens the gateway's
// WebSocket with an Origin header (as a browser does), optionally over TLS with a
// test CA and a fixed address for the domain (no DNS), answers the gateway's
// connect.challenge with OpenClaw's connect request and the token, and prints one
// JSON line: {ok, stage, status?, error?, presence?}. Exit 0 ok, 1 refused.
// Node >= 22; `ws` is taken from the OpenClaw install under test (--ws DIR).
// The connect frame follows OpenClaw's own GatewayClient (dist/client-*.mjs,
// assembleConnectParams): protocol 3..4, client {id, version, platform, mode},
// role operator, auth {token}. No device identity: client id `webchat-ui`
// (the Control UI itself, `openclaw-control-ui`, also needs a device key pair).
import { createRequire } from "node:module";
import fs from "node:fs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const WebSocket = createRequire(import.meta.url)(args.ws);
const opts = { headers: {}, handshakeTimeout: 8000 };
if (args.origin) opts.headers.Origin = args.origin;
if (args["forwarded-for"]) opts.headers["X-Forwarded-For"] = args["forwarded-for"];
if (args.ca) opts.ca = fs.readFileSync(args.ca);
if (args["local-address"]) opts.localAddress = args["local-address"];
if (args["connect-ip"]) {
  const ip = args["connect-ip"];
  opts.lookup = (_h, o, cb) => (o && o.all ? cb(null, [{ address: ip, family: 4 }]) : cb(null, ip, 4));
}
const out = (o, code) => {
  console.log(JSON.stringify(o));
  process.exit(code);
};
setTimeout(() => out({ ok: false, stage: "timeout" }, 1), 15000);
const ws = new WebSocket(args.url, opts);
ws.on("unexpected-response", (_req, res) => {
  let body = "";
  res.on("data", (d) => (body += d));
  res.on("end", () => out({ ok: false, stage: "upgrade", status: res.statusCode, error: body.slice(0, 300) }, 1));
});
ws.on("error", (e) => out({ ok: false, stage: "error", error: String(e) }, 1));
ws.on("close", (code, reason) => out({ ok: false, stage: "close", status: code, error: String(reason) }, 1));
ws.on("message", (data) => {
  const m = JSON.parse(String(data));
  if (m.type === "event" && m.event === "connect.challenge") {
    ws.send(JSON.stringify({
      type: "req", id: "connect", method: "connect",
      params: {
        minProtocol: 3, maxProtocol: 4,
        client: { id: "webchat-ui", displayName: args.name, version: "1.0.0", platform: "linux", mode: "webchat" },
        role: "operator", scopes: ["operator.read"], auth: { token: args.token },
      },
    }));
  } else if (m.type === "res" && m.id === "connect") {
    if (!m.ok) out({ ok: false, stage: "connect", error: JSON.stringify(m.error) }, 1);
    out({ ok: true, stage: "hello", presence: m.payload?.snapshot?.presence ?? [] }, 0);
  }
});
