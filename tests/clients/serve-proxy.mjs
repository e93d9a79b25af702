// Stand-in for Tailscale Serve's HTTPS reverse proxy (`tailscale serve PORT`),
// for ocgen's tailnet tests (tests/tailnet_path.rs). No real tailscaled can run
// here, so this plays the part of the node's Serve handler: it accepts the
// tailnet browser's requests (over HTTPS with --cert/--key, as Serve terminates
// TLS with the node's certificate; else plain HTTP, as `tailscale serve --http`
// answers, and then not marked as HTTPS) and proxies them,
// WebSocket upgrades included, to the gateway on loopback, with exactly the
// request rewriting Serve does.
//
// Source: tailscale/tailscale ipn/ipnlocal/serve.go at v1.103.0-pre-142-gde9ec7ee2
// (commit de9ec7ee2), reverseProxy.ServeHTTP, addProxyForwardedHeaders,
// addTailscaleIdentityHeaders, addAppCapabilitiesHeader; it is Go's
// httputil.ReverseProxy in Rewrite mode, which first drops the client's own
// Forwarded / X-Forwarded-For / -Host / -Proto headers and the hop-by-hop ones:
//   - Host: the incoming Host is kept (r.Out.Host = r.In.Host)
//   - X-Forwarded-Host: the incoming Host
//   - X-Forwarded-Proto: "https" only when Serve terminated TLS (r.In.TLS != nil):
//     with --cert/--key (HTTPS on 443, what `tailscale serve PORT` answers); the
//     plain-HTTP mode (`tailscale serve --http`) sends none
//   - X-Forwarded-For: the tailnet peer's address only (SrcAddr.Addr(), set, not appended)
//   - Tailscale-User-Login / -Name / -Profile-Pic / Funnel-Request / Headers-Info and
//     Tailscale-App-Capabilities: always removed from the client's request; then
//     b.WhoIs(SrcAddr): no match (not a tailnet peer) -> nothing set; a tagged
//     node (node.IsTagged()) -> nothing set; a peer owned by a user ->
//     Login/Name/Profile-Pic/Headers-Info from its UserProfile (RFC 2047
//     Q-encoded when not ASCII).
// WhoIs reads the tailnet's nodes from --peers, the file the stand-in
// `tailscale whois` answers from (tests/stubs/tailscale: SOCKET.stub/peers.json,
// {"IP": {"login", "name", "pic"} | {"tags": [...]}}), so Serve and the CLI the
// gateway asks agree, as they do on one tailscaled. --peer is the request's
// source on the tailnet (the browser's node), a tailnet address or not.
//
//   node serve-proxy.mjs --listen ADDR:PORT --target http://127.0.0.1:18789
//        --peer 100.64.0.7 --peers PEERS.json [--cert CERT.pem --key KEY.pem]
// Prints {"listening":"ADDR:PORT"} once it accepts connections; runs until killed.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i];
  if (!k.startsWith("--") || i + 1 >= process.argv.length) {
    console.error(`usage: serve-proxy.mjs --listen ADDR:PORT --target URL --peer IP --peers FILE [--cert C --key K]; bad ${k}`);
    process.exit(2);
  }
  args.set(k.slice(2), process.argv[i + 1]);
}
for (const k of ["listen", "target", "peer", "peers"]) {
  if (!args.get(k)) {
    console.error(`serve-proxy.mjs: --${k} is required`);
    process.exit(2);
  }
}
const target = new URL(args.get("target"));
const [listenHost, listenPort] = splitHostPort(args.get("listen"));
const HOP = ["connection", "proxy-connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
  "proxy-authenticate", "proxy-authorization"];
const STRIP = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
  "tailscale-user-login", "tailscale-user-name", "tailscale-user-profile-pic", "tailscale-funnel-request",
  "tailscale-headers-info", "tailscale-app-capabilities"];

function splitHostPort(s) {
  const i = s.lastIndexOf(":");
  return [s.slice(0, i).replace(/^\[|\]$/g, ""), Number(s.slice(i + 1))];
}

// mime.QEncoding.Encode("utf-8", v): ASCII unchanged, else =?utf-8?q?…?=
function enc(v) {
  if (/^[\x00-\x7f]*$/.test(v)) return v;
  const q = [...Buffer.from(v, "utf8")].map((b) =>
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ? String.fromCharCode(b)
      : b === 0x20 ? "_" : "=" + b.toString(16).toUpperCase().padStart(2, "0")).join("");
  return `=?utf-8?q?${q}?=`;
}

function rewrite(req) {
  const upgrade = (req.headers.connection || "").toLowerCase().includes("upgrade") && req.headers.upgrade;
  const out = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (HOP.includes(k) || STRIP.includes(k)) continue;
    out[k] = v;
  }
  if (upgrade) {
    out.connection = "Upgrade";
    out.upgrade = req.headers.upgrade;
  }
  out["x-forwarded-host"] = req.headers.host || "";
  if (tls) out["x-forwarded-proto"] = "https";
  out["x-forwarded-for"] = args.get("peer");
  const who = whois(args.get("peer"));
  if (who && !(who.tags && who.tags.length)) {
    out["tailscale-user-login"] = enc(who.login);
    out["tailscale-user-name"] = enc(who.name || who.login.split("@")[0]);
    out["tailscale-user-profile-pic"] = who.pic || "";
    out["tailscale-headers-info"] = "https://tailscale.com/s/serve-headers";
  }
  return out;
}

// b.WhoIs("tcp", SrcAddr): the node at that tailnet address, or null (read on
// every request, as the netmap may change).
function whois(addr) {
  let peers;
  try {
    peers = JSON.parse(fs.readFileSync(args.get("peers"), "utf8"));
  } catch {
    return null;
  }
  return Object.hasOwn(peers, addr) ? peers[addr] : null;
}

const tls = args.get("cert") ? { cert: fs.readFileSync(args.get("cert")), key: fs.readFileSync(args.get("key")) } : null;
const server = (tls ? (h) => https.createServer(tls, h) : (h) => http.createServer(h))((req, res) => {
  const up = http.request({
    host: target.hostname, port: target.port, method: req.method, path: req.url, headers: rewrite(req),
  }, (r) => {
    const headers = { ...r.headers };
    for (const h of HOP) delete headers[h];
    res.writeHead(r.statusCode, headers);
    r.pipe(res);
  });
  up.on("error", (e) => {
    res.writeHead(502, { "content-type": "text/plain" });
    res.end(`serve-proxy: ${e.message}`);
  });
  req.pipe(up);
});

// WebSocket (and any other) upgrade: forward the rewritten request, then splice.
server.on("upgrade", (req, socket, head) => {
  const up = net.connect(Number(target.port), target.hostname, () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (const [k, v] of Object.entries(rewrite(req))) {
      for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
    }
    up.write(lines.join("\r\n") + "\r\n\r\n");
    if (head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  const close = () => { up.destroy(); socket.destroy(); };
  up.on("error", close);
  socket.on("error", close);
});

server.listen(listenPort, listenHost, () => {
  const a = server.address();
  console.log(JSON.stringify({ listening: `${a.address}:${a.port}` }));
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
