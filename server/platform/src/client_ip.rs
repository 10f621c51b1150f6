//! Who is on the other end of a request: the connecting peer, or — only when that peer
//! is a proxy the operator trusts — the address the proxy reports in
//! `X-Forwarded-For`. Rate limits and the audit log key on it, so a client must not be
//! able to choose it by sending the header itself.

use std::net::IpAddr;

use ipnet::IpNet;

/// The client's address as far as Muster can tell; put into each request's extensions
/// by the HTTP layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Walks `X-Forwarded-For` from the right (the hop nearest to us) past trusted proxies;
/// the first address not trusted is the client. Without a trusted peer the header is
/// ignored entirely.
pub fn resolve(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> ClientIp {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return ClientIp(peer);
    }
    let mut client = peer;
    if let Some(header) = forwarded_for {
        for hop in header.rsplit(',') {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                // A malformed entry: nothing left of it can be believed.
                break;
            };
            client = ip;
            if !is_trusted(&ip) {
                break;
            }
        }
    }
    ClientIp(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().expect("net")).collect()
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_trusted() {
        let resolved = resolve(ip("203.0.113.9"), Some("1.2.3.4"), &nets(&["10.0.0.0/8"]));
        assert_eq!(resolved, ClientIp(ip("203.0.113.9")));
        assert_eq!(
            resolve(ip("10.0.0.2"), Some("1.2.3.4"), &[]),
            ClientIp(ip("10.0.0.2"))
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_spoofed_left_entries_do_not_count() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client sent "6.6.6.6" itself; the proxy appended the real address.
        let resolved = resolve(ip("10.0.0.2"), Some("6.6.6.6, 198.51.100.7"), &trusted);
        assert_eq!(resolved, ClientIp(ip("198.51.100.7")));
        // Two trusted hops.
        let resolved = resolve(ip("10.0.0.2"), Some("198.51.100.7, 10.1.1.1"), &trusted);
        assert_eq!(resolved, ClientIp(ip("198.51.100.7")));
        // No header: the proxy itself.
        assert_eq!(
            resolve(ip("10.0.0.2"), None, &trusted),
            ClientIp(ip("10.0.0.2"))
        );
        // Garbage stops the walk.
        let resolved = resolve(ip("10.0.0.2"), Some("198.51.100.7, junk"), &trusted);
        assert_eq!(resolved, ClientIp(ip("10.0.0.2")));
    }
}
