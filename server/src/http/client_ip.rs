//! Puts the client's address ([`ClientIp`]) into every request's extensions, for rate
//! limits and the audit log. `X-Forwarded-For` counts only from `MUSTER_TRUSTED_PROXIES`.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use muster_platform::{client_ip, Platform};

pub async fn resolve(
    State(platform): State<Platform>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok());
    let ip = client_ip::resolve(peer, forwarded, &platform.config.accounts.trusted_proxies);
    request.extensions_mut().insert(ip);
    next.run(request).await
}
