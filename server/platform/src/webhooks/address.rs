//! Where webhooks may be sent. A builder types the URL, so it could name a service
//! inside the operator's network (the database, a cloud metadata address): loopback,
//! link-local, private, shared and unspecified addresses are refused unless the
//! operator allows them (`MUSTER_WEBHOOK_ALLOW_PRIVATE`). The check runs when the URL
//! is saved and again, on the resolved addresses, every time it is sent — and the
//! request then goes to exactly those addresses, so a name cannot be re-pointed in
//! between (DNS rebinding). Redirects are not followed.

use std::net::{IpAddr, SocketAddr};

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("That is not a web address: write it as https://example.org/hooks/muster.")]
    NotAUrl,
    #[error("Webhooks are sent over http or https only.")]
    Scheme,
    #[error("{0} could not be found (DNS).")]
    Unknown(String),
    #[error("{0} is an address inside a private network: webhooks are not sent there.")]
    Private(String),
}

/// Whether `ip` is one of the addresses refused unless private delivery is allowed.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // Shared address space (carrier-grade NAT) and 0.0.0.0/8.
                || (a == 100 && (64..128).contains(&b))
                || a == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // Unique local (fc00::/7) and link-local (fe80::/10).
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Parses `raw` as a webhook URL (without looking the name up).
pub fn parse(raw: &str) -> Result<Url, AddressError> {
    let url = Url::parse(raw.trim()).map_err(|_| AddressError::NotAUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AddressError::Scheme);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(AddressError::NotAUrl);
    }
    Ok(url)
}

/// The addresses `url` resolves to, all of them allowed; the first error otherwise.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, AddressError> {
    let host = url.host_str().ok_or(AddressError::NotAUrl)?;
    let port = url.port_or_known_default().ok_or(AddressError::NotAUrl)?;
    // An IPv6 literal comes bracketed.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|_| AddressError::Unknown(bare.to_owned()))?
            .collect(),
    };
    if addresses.is_empty() {
        return Err(AddressError::Unknown(bare.to_owned()));
    }
    if !allow_private {
        if let Some(private) = addresses.iter().find(|a| is_private(a.ip())) {
            return Err(AddressError::Private(if private.ip().to_string() == bare {
                bare.to_owned()
            } else {
                format!("{bare} ({})", private.ip())
            }));
        }
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_private_and_public_ones_are_not() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(private.parse().expect(private)), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_private(public.parse().expect(public)), "{public}");
        }
    }

    #[tokio::test]
    async fn urls_naming_internal_addresses_are_refused_unless_allowed() {
        assert_eq!(parse("not a url"), Err(AddressError::NotAUrl));
        assert_eq!(parse("ftp://example.org/x"), Err(AddressError::Scheme));
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest",
            "http://localhost/hook",
        ] {
            let parsed = parse(url).expect(url);
            assert!(
                matches!(resolve(&parsed, false).await, Err(AddressError::Private(_))),
                "{url}"
            );
            assert!(resolve(&parsed, true).await.is_ok(), "{url} allowed");
        }
    }
}
