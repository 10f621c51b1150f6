//! Settings of accounts and sign-in: the public address used in e-mailed links, session
//! lifetimes, password hashing and rate limits, and which proxies are trusted to name
//! the client's IP address.

use std::{str::FromStr, time::Duration};

use ipnet::IpNet;

use super::{at_least_one, parsed, ConfigError, Source};

#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// Where people reach Muster, e.g. `https://muster.example.org`: the base of the
    /// links in e-mails, and `https` there makes session cookies `Secure`.
    pub public_url: url::Url,
    pub session: SessionConfig,
    /// Password hashes computed at the same time (each takes 19 MiB for ~50 ms); more
    /// requests wait, at most `password_hash_wait`, then get "busy".
    pub password_hash_concurrency: usize,
    pub password_hash_wait: Duration,
    pub rate_limits: RateLimitsConfig,
    /// Peers whose `X-Forwarded-For` header is believed. Empty: the header is ignored
    /// and the client is the connecting peer.
    pub trusted_proxies: Vec<IpNet>,
}

#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Signed out after this long without a request.
    pub idle_timeout: Duration,
    /// Signed out this long after signing in, however active.
    pub absolute_timeout: Duration,
}

impl SessionConfig {
    /// The cookie can carry the `__Host-` prefix only when it is `Secure`.
    pub fn cookie_name(secure: bool) -> &'static str {
        if secure {
            "__Host-muster_session"
        } else {
            "muster_session"
        }
    }
}

/// At most `max` attempts per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub window: Duration,
}

impl RateLimit {
    pub const fn per(max: u32, seconds: u64) -> Self {
        Self {
            max,
            window: Duration::from_secs(seconds),
        }
    }
}

impl FromStr for RateLimit {
    type Err = String;

    /// `10/300` means ten per 300 seconds.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let usage = || "expected ATTEMPTS/SECONDS such as 10/300".to_owned();
        let (max, secs) = raw.split_once('/').ok_or_else(usage)?;
        let max: u32 = max.trim().parse().map_err(|_| usage())?;
        let secs: u64 = secs.trim().parse().map_err(|_| usage())?;
        if max == 0 || secs == 0 {
            return Err("both numbers must be at least 1".to_owned());
        }
        Ok(Self {
            max,
            window: Duration::from_secs(secs),
        })
    }
}

/// Limits per e-mail address (the account being signed into, reset or created) and per
/// client IP address, for each action that guesses passwords or sends mail.
#[derive(Debug, Clone)]
pub struct RateLimitsConfig {
    pub sign_in_per_email: RateLimit,
    pub sign_in_per_ip: RateLimit,
    pub sign_up_per_email: RateLimit,
    pub sign_up_per_ip: RateLimit,
    pub password_reset_per_email: RateLimit,
    pub password_reset_per_ip: RateLimit,
    /// Invitation mails go to any address: bounded per person and per account, so a
    /// confirmed user cannot use Muster to mail strangers without end.
    pub invitations_per_inviter: RateLimit,
    pub invitations_per_account: RateLimit,
    /// Calls of `/api/v1` per API token.
    pub api_per_token: RateLimit,
}

impl AccountsConfig {
    pub fn from_source(src: &impl Source) -> Result<Self, ConfigError> {
        let public_url = src
            .get("MUSTER_PUBLIC_URL")
            .unwrap_or_else(|| "http://localhost:3000".to_owned());
        let public_url = url::Url::parse(public_url.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| ConfigError::Invalid {
                name: "MUSTER_PUBLIC_URL",
                reason: "expected the address people open, such as https://muster.example.org"
                    .into(),
            })?;
        let limit =
            |name: &'static str, max: u32, secs: u64| parsed(src, name, RateLimit::per(max, secs));
        let trusted_proxies = src
            .get("MUSTER_TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(parse_net)
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Self {
            public_url,
            session: SessionConfig {
                idle_timeout: Duration::from_secs(at_least_one(
                    parsed(src, "MUSTER_SESSION_IDLE_SECS", 30 * 60)?,
                    "MUSTER_SESSION_IDLE_SECS",
                )?),
                absolute_timeout: Duration::from_secs(at_least_one(
                    parsed(src, "MUSTER_SESSION_ABSOLUTE_SECS", 12 * 60 * 60)?,
                    "MUSTER_SESSION_ABSOLUTE_SECS",
                )?),
            },
            password_hash_concurrency: at_least_one(
                parsed(src, "MUSTER_PASSWORD_HASH_CONCURRENCY", 2)?,
                "MUSTER_PASSWORD_HASH_CONCURRENCY",
            )?,
            password_hash_wait: Duration::from_millis(parsed(
                src,
                "MUSTER_PASSWORD_HASH_WAIT_MS",
                5_000,
            )?),
            rate_limits: RateLimitsConfig {
                sign_in_per_email: limit("MUSTER_RATE_SIGN_IN_PER_EMAIL", 10, 300)?,
                sign_in_per_ip: limit("MUSTER_RATE_SIGN_IN_PER_IP", 50, 300)?,
                sign_up_per_email: limit("MUSTER_RATE_SIGN_UP_PER_EMAIL", 5, 3600)?,
                sign_up_per_ip: limit("MUSTER_RATE_SIGN_UP_PER_IP", 20, 3600)?,
                password_reset_per_email: limit("MUSTER_RATE_PASSWORD_RESET_PER_EMAIL", 5, 3600)?,
                password_reset_per_ip: limit("MUSTER_RATE_PASSWORD_RESET_PER_IP", 20, 3600)?,
                invitations_per_inviter: limit("MUSTER_RATE_INVITATIONS_PER_INVITER", 30, 3600)?,
                invitations_per_account: limit("MUSTER_RATE_INVITATIONS_PER_ACCOUNT", 100, 3600)?,
                api_per_token: limit("MUSTER_RATE_API_PER_TOKEN", 1200, 60)?,
            },
            trusted_proxies,
        })
    }

    pub fn served_over_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// An absolute link to `path_and_query` (which starts with `/`).
    pub fn link(&self, path_and_query: &str) -> String {
        format!(
            "{}{path_and_query}",
            self.public_url.as_str().trim_end_matches('/')
        )
    }
}

/// `10.0.0.0/8` or a single address such as `127.0.0.1`.
fn parse_net(raw: &str) -> Result<IpNet, ConfigError> {
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| ConfigError::Invalid {
            name: "MUSTER_TRUSTED_PROXIES",
            reason: format!("`{raw}` is neither an IP address nor a CIDR range such as 10.0.0.0/8"),
        })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<AccountsConfig, ConfigError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AccountsConfig::from_source(&env)
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let cfg = config(&[]).expect("defaults");
        assert_eq!(cfg.session.idle_timeout, Duration::from_secs(1800));
        assert_eq!(cfg.session.absolute_timeout, Duration::from_secs(43200));
        assert_eq!(cfg.rate_limits.sign_in_per_email, RateLimit::per(10, 300));
        assert!(cfg.trusted_proxies.is_empty());
        assert!(!cfg.served_over_https());
        assert_eq!(cfg.link("/verify?t=1"), "http://localhost:3000/verify?t=1");
    }

    #[test]
    fn https_public_url_means_secure_prefixed_cookies() {
        let cfg = config(&[("MUSTER_PUBLIC_URL", "https://muster.example.org/")]).expect("valid");
        assert!(cfg.served_over_https());
        assert_eq!(SessionConfig::cookie_name(true), "__Host-muster_session");
        assert_eq!(cfg.link("/a"), "https://muster.example.org/a");
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (name, value) in [
            ("MUSTER_PUBLIC_URL", "muster.example.org"),
            ("MUSTER_RATE_SIGN_IN_PER_IP", "ten"),
            ("MUSTER_RATE_SIGN_IN_PER_IP", "0/60"),
            ("MUSTER_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local"),
            ("MUSTER_SESSION_IDLE_SECS", "0"),
        ] {
            let message = config(&[(name, value)]).unwrap_err().to_string();
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn trusted_proxies_accept_addresses_and_ranges() {
        let cfg =
            config(&[("MUSTER_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1")]).expect("valid");
        assert_eq!(cfg.trusted_proxies.len(), 3);
    }
}
