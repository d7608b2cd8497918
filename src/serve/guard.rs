//! What keeps other web pages and other requests out of the way.
//!
//! - [`Hosts`]: a request must name this server in its `Host` header (by
//!   `localhost` or an IP address and the right port), so a web site whose
//!   name was made to resolve to 127.0.0.1 (DNS rebinding) is refused; a
//!   request that says where it comes from (`Origin`, `Sec-Fetch-Site`) must
//!   come from this server's own page, so another site open in the same
//!   browser cannot run, read or save specs. API requests with a body must
//!   be JSON, which a cross-site form cannot send without asking first.
//! - [`Generations`]: each page numbers its requests; a newer number makes
//!   older requests of that page stale, and their evaluation stops at the
//!   next stage boundary instead of competing for the two cores.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::http::{HeaderMap, Method, header};

/// The names this server answers to.
#[derive(Clone, Debug)]
pub struct Hosts {
    addr: SocketAddr,
}

impl Hosts {
    /// For a server listening on `addr`.
    pub fn new(addr: SocketAddr) -> Hosts {
        Hosts { addr }
    }

    /// True when `host` (a `Host` header: `name:port`) names this server:
    /// `localhost` or an IP address, with this server's port. Any IP address
    /// is fine (a server listening on 0.0.0.0 is reached by any of the
    /// machine's); a domain name is not (it could be rebound).
    pub fn allows_host(&self, host: &str) -> bool {
        let (name, port) = match host.rsplit_once(':') {
            Some((n, p)) if !n.is_empty() && !p.contains(']') => (n, p.parse::<u16>().ok()),
            _ => (host, Some(80)),
        };
        if port != Some(self.addr.port()) {
            return false;
        }
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        name.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok()
    }

    /// Checks a request's headers; `Err` holds why it is refused (HTTP 403).
    pub fn check(&self, method: &Method, path: &str, headers: &HeaderMap) -> Result<(), String> {
        let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let host = text(header::HOST).unwrap_or("");
        if !self.allows_host(host) {
            return Err(format!(
                "this server answers to localhost or an IP address with port {}, not `{}`",
                self.addr.port(),
                host.escape_debug()
            ));
        }
        if let Some(origin) = text(header::ORIGIN)
            && origin != format!("http://{host}")
        {
            return Err("requests from other web pages are refused".into());
        }
        if headers
            .get("sec-fetch-site")
            .is_some_and(|v| v == "cross-site" || v == "same-site")
        {
            return Err("requests from other web pages are refused".into());
        }
        if *method == Method::POST && path.starts_with("/api/") {
            let json = text(header::CONTENT_TYPE).is_some_and(|c| {
                c.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
            if !json {
                return Err("the API takes `Content-Type: application/json`".into());
            }
        }
        Ok(())
    }
}

/// Most pages tracked at once; past it the oldest are forgotten (their next
/// request simply starts a new generation).
const MAX_PAGES: usize = 1024;

/// The newest request number seen from each page.
#[derive(Debug, Default)]
pub struct Generations {
    latest: Mutex<HashMap<String, u64>>,
}

impl Generations {
    /// Records request `seq` of page `client`; returns false when a newer
    /// one was already seen (the request is stale on arrival).
    pub fn begin(&self, client: &str, seq: u64) -> bool {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if latest.len() >= MAX_PAGES && !latest.contains_key(client) {
            latest.clear();
        }
        let newest = latest.entry(client.to_string()).or_insert(seq);
        if seq < *newest {
            return false;
        }
        *newest = seq;
        true
    }

    /// True when page `client` has sent a request newer than `seq`.
    pub fn is_stale(&self, client: &str, seq: u64) -> bool {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.get(client).is_some_and(|&n| n > seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_ip_addresses_or_localhost_with_our_port() {
        let h = Hosts::new("127.0.0.1:8123".parse().unwrap());
        assert!(h.allows_host("127.0.0.1:8123"));
        assert!(h.allows_host("localhost:8123"));
        assert!(h.allows_host("LOCALHOST:8123"));
        assert!(h.allows_host("[::1]:8123"));
        assert!(h.allows_host("192.168.1.20:8123"));
        assert!(!h.allows_host("127.0.0.1:8124"));
        assert!(!h.allows_host("evil.example:8123"));
        assert!(!h.allows_host("127.0.0.1.nip.io:8123"));
        assert!(!h.allows_host("localhost"));
        assert!(!h.allows_host(""));
    }

    #[test]
    fn a_newer_request_makes_older_ones_stale() {
        let g = Generations::default();
        assert!(g.begin("page", 1));
        assert!(!g.is_stale("page", 1));
        assert!(g.begin("page", 3));
        assert!(g.is_stale("page", 1));
        assert!(!g.begin("page", 2), "arrived after 3");
        assert!(!g.is_stale("other", 1));
    }
}
