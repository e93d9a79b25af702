//! Listener tables read from `/proc/PID/net/tcp{,6}` (no `ss`) and the
//! profiles' expectations on them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::PORT;

/// Where the gateway must listen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    /// serve: 127.0.0.1:18789, and no TCP listener on a non-loopback address.
    LoopbackOnly,
    /// lan-patch, sidecar: 0.0.0.0:18789.
    AllAddresses,
}

impl Expect {
    pub fn other(self) -> Expect {
        match self {
            Expect::LoopbackOnly => Expect::AllAddresses,
            Expect::AllAddresses => Expect::LoopbackOnly,
        }
    }
}

/// LISTEN (st 0A) sockets of a /proc/net/tcp{,6} table.
pub fn parse_proc_net(text: &str, v6: bool) -> Vec<SocketAddr> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 4 || fields[3] != "0A" {
            continue;
        }
        let Some((addr, port)) = fields[1].split_once(':') else {
            continue;
        };
        let Ok(port) = u16::from_str_radix(port, 16) else {
            continue;
        };
        // The kernel prints each 32-bit word of the address as a native integer.
        let words: Option<Vec<[u8; 4]>> = (0..addr.len() / 8)
            .map(|i| {
                u32::from_str_radix(&addr[i * 8..i * 8 + 8], 16)
                    .ok()
                    .map(u32::to_ne_bytes)
            })
            .collect();
        let Some(words) = words else { continue };
        let ip = match (v6, words.len()) {
            (false, 1) => IpAddr::V4(Ipv4Addr::from(words[0])),
            (true, 4) => {
                let mut b = [0u8; 16];
                for (i, w) in words.iter().enumerate() {
                    b[i * 4..i * 4 + 4].copy_from_slice(w);
                }
                IpAddr::V6(Ipv6Addr::from(b)).to_canonical()
            }
            _ => continue,
        };
        out.push(SocketAddr::new(ip, port));
    }
    out.sort();
    out.dedup();
    out
}

pub fn show(table: &[SocketAddr]) -> String {
    if table.is_empty() {
        "(no TCP listener)".into()
    } else {
        table.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
    }
}

/// Does the listener table meet the profile's expectation?
pub fn check_listeners(expect: Expect, table: &[SocketAddr]) -> Result<(), String> {
    let has = |ip: IpAddr| table.contains(&SocketAddr::new(ip, PORT));
    match expect {
        Expect::LoopbackOnly => {
            if !has(Ipv4Addr::LOCALHOST.into()) {
                return Err(format!(
                    "expected a listener on 127.0.0.1:{PORT}; listeners: {}",
                    show(table)
                ));
            }
            let exposed: Vec<_> = table.iter().filter(|a| !a.ip().is_loopback()).collect();
            if !exposed.is_empty() {
                return Err(format!(
                    "expected loopback-only listeners, but {} listen(s) beyond loopback; listeners: {}",
                    exposed.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "),
                    show(table)
                ));
            }
            Ok(())
        }
        Expect::AllAddresses => {
            if has(Ipv4Addr::UNSPECIFIED.into()) {
                Ok(())
            } else {
                Err(format!(
                    "expected a listener on 0.0.0.0:{PORT} (all addresses); listeners: {}",
                    show(table)
                ))
            }
        }
    }
}
