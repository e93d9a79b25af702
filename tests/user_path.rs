//! Every profile on its users' path, against the REAL gateway that the
//! rendered `bootstrap.sh` starts in a "server" network namespace with a LAN
//! address of its own, reached from a "laptop" namespace (issue 9).

use std::time::Duration;

mod common;
use common::*;

/// The topology joins laptop and server and nothing else, and goes away.
#[test]
fn topology_joins_laptop_and_server() {
    let tools = tools().unwrap_or_else(|e| panic!("{e}"));
    let sb = Sandbox::new("topology").unwrap();
    let t = Topology::new().unwrap();
    let (srv, lap) = (t.server.clone(), t.laptop.clone());
    let addr = t.server_addr().to_string();
    let js = format!(
        "require('http').createServer((q, r) => r.end('from-server ' + q.socket.remoteAddress)).listen(8080, '{addr}')"
    );
    let node = tools.node();
    let env = vec![("PATH".to_string(), SYS_PATH.to_string())];
    let mut server = NsProc::spawn_in(
        &Net::Named(srv.clone()),
        &[node.as_os_str(), "-e".as_ref(), js.as_ref()],
        &env,
        &sb.path("cwd"),
        sb.path("out/server.stdout"),
        sb.path("out/server.stderr"),
    )
    .unwrap();
    let get = format!(
        "for i in $(seq 50); do exec 3<>/dev/tcp/{addr}/8080 && break; sleep 0.1; done; \
         printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"
    );
    let ran = t
        .on_laptop(&["bash", "-c", &get], &[], Duration::from_secs(20), &sb.path("out"))
        .unwrap();
    assert!(ran.ok(), "{}", ran.describe());
    let want = format!("from-server {}", t.laptop_addr());
    assert!(
        ran.stdout.contains(&want),
        "the server sees the laptop's address: want {want:?}\n{}",
        ran.describe()
    );
    server.stop().unwrap();
    drop(t);
    let left = std::fs::read_dir("/run/netns")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| *n == srv || *n == lap)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "namespaces left: {left:?}");
}
