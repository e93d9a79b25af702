// What a browser does first against the gateway, for ocgen's engine tests
// (tests/docker_e2e.rs), run with the Node of the image under test in a container of its
// own: GET / must serve the Control UI (200 + its <title>), and a WebSocket upgrade of /
// must be accepted (101) and get the gateway's `connect.challenge` event, the first step
// of OpenClaw's connect handshake (dist/client-*.{js,mjs} of both releases).
//
//   node browser.mjs URL [HEADER=VALUE ...]
//
// Extra headers go on both requests (e.g. what Tailscale Serve adds: X-Forwarded-For …).
// Prints one JSON line {"ok":bool,"http":status,"title":bool,"upgrade":status,"event":name}
// and exits 0 when every step passed, 1 when one failed.
import http from "node:http";
import crypto from "node:crypto";

const [url, ...pairs] = process.argv.slice(2);
if (!url) {
  console.error("usage: node browser.mjs URL [HEADER=VALUE ...]");
  process.exit(2);
}
const extra = Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
const result = { ok: false, http: null, title: false, upgrade: null, event: null };
const done = (error) => {
  if (error) result.error = String(error);
  result.ok = !error && result.http === 200 && result.title && result.upgrade === 101 && result.event === "connect.challenge";
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
};
setTimeout(() => done("timed out after 20 s"), 20000).unref();

function get() {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: extra }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
  });
}

// The first text frame the server sends (server frames are not masked).
function firstFrame(socket, head) {
  return new Promise((resolve, reject) => {
    let buf = head;
    const tryParse = () => {
      if (buf.length < 2) return;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) return;
      socket.destroy();
      resolve(buf.subarray(off, off + len).toString("utf8"));
    };
    socket.on("data", (c) => {
      buf = Buffer.concat([buf, c]);
      tryParse();
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error("closed before the first frame")));
    tryParse();
  });
}

function upgrade() {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      headers: {
        ...extra,
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": crypto.randomBytes(16).toString("base64"),
      },
    });
    req.on("upgrade", (res, socket, head) => {
      result.upgrade = res.statusCode;
      firstFrame(socket, head).then(resolve, reject);
    });
    req.on("response", (res) => {
      result.upgrade = res.statusCode;
      res.resume();
      reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
    });
    req.on("error", reject);
    req.end();
  });
}

try {
  const page = await get();
  result.http = page.status;
  result.title = page.body.includes("<title>OpenClaw Control</title>");
  const frame = JSON.parse(await upgrade());
  result.event = frame.event ?? null;
  done();
} catch (e) {
  done(e.message);
}
