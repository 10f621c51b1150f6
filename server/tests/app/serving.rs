//! How connections are served.

use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};

async fn accepted_socket(
    listener: &mut impl Listener<Io = TcpStream>,
    addr: std::net::SocketAddr,
) -> TcpStream {
    let _client = TcpStream::connect(addr).await.expect("connect");
    listener.accept().await.0
}

#[tokio::test]
async fn accepted_connections_have_tcp_nodelay_set() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut served = muster_server::http::connections::accept_without_nagle(listener);
    let socket = accepted_socket(&mut served, addr).await;
    assert!(socket.nodelay().expect("read TCP_NODELAY"));

    // What the listener would give without it: the default is off, so the check above
    // is not vacuous.
    let plain = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = plain.local_addr().expect("addr");
    let mut plain = plain;
    let socket = accepted_socket(&mut plain, addr).await;
    assert!(!socket.nodelay().expect("read TCP_NODELAY"));
}

mod headers {
    use crate::support::{TestApp, TestDatabase};

    fn header<'r>(response: &'r reqwest::Response, name: &str) -> &'r str {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }

    #[tokio::test]
    async fn pages_allow_only_this_origins_scripts_and_their_own_hydration_script() {
        let db = TestDatabase::create().await;
        let app = TestApp::spawn(db.env()).await;
        for path in ["/", "/signin", "/account", "/no-such-page"] {
            let response = app.http.get(app.url(path)).send().await.expect("page");
            let policy = header(&response, "content-security-policy").to_owned();
            assert_eq!(
                header(&response, "x-content-type-options"),
                "nosniff",
                "{path}"
            );
            assert_eq!(header(&response, "x-frame-options"), "DENY", "{path}");
            assert_eq!(
                header(&response, "referrer-policy"),
                "same-origin",
                "{path}"
            );
            assert!(
                response
                    .headers()
                    .get("strict-transport-security")
                    .is_none(),
                "{path}: http"
            );
            let html = response.text().await.expect("body");

            // Every inline script carries the nonce the policy names, and only it.
            let nonce = policy
                .split("'nonce-")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .unwrap_or_else(|| panic!("{path}: no nonce in {policy:?}"));
            assert!(
                policy.contains("frame-ancestors 'none'") && policy.contains("'wasm-unsafe-eval'"),
                "{policy}"
            );
            let scripts: Vec<&str> = html.split("<script").skip(1).collect();
            assert!(
                !scripts.is_empty(),
                "{path}: the page hydrates with a script"
            );
            for script in scripts {
                let tag = script.split('>').next().unwrap_or("");
                assert!(
                    tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains(" src="),
                    "{path}: a script the policy would block: <script{tag}>"
                );
            }
        }
    }

    #[tokio::test]
    async fn over_https_browsers_are_told_to_use_nothing_else() {
        let db = TestDatabase::create().await;
        let mut env = db.env();
        env.insert("MUSTER_PUBLIC_URL".into(), "https://muster.example".into());
        let app = TestApp::spawn(env).await;
        let response = app.http.get(app.url("/")).send().await.expect("page");
        assert!(header(&response, "strict-transport-security").starts_with("max-age=31536000"));
    }

    #[tokio::test]
    async fn built_assets_are_revalidated_when_their_names_are_not_hashed() {
        let db = TestDatabase::create().await;
        let app = TestApp::spawn(db.env()).await;
        let response = app
            .http
            .get(app.url("/pkg/muster.js"))
            .send()
            .await
            .expect("asset");
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "cache-control"), "no-cache");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert!(response.headers().get("content-security-policy").is_none());
    }
}

mod assets {
    use axum::body::Body;
    use http::{header, Request};
    use tower::ServiceExt;

    /// A pkg directory as `cargo leptos build --release --precompress` leaves it.
    fn release_pkg_dir() -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("muster-pkg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("pkg dir");
        std::fs::write(
            dir.join("muster.Qb3xZ9-_aT4kLm0pWc7rYw.wasm"),
            b"plain wasm",
        )
        .expect("file");
        std::fs::write(
            dir.join("muster.Qb3xZ9-_aT4kLm0pWc7rYw.wasm.br"),
            b"brotli bytes",
        )
        .expect("file");
        std::fs::write(
            dir.join("muster.Qb3xZ9-_aT4kLm0pWc7rYw.wasm.gz"),
            b"gzip bytes",
        )
        .expect("file");
        dir
    }

    async fn get(dir: &std::path::Path, accept: &str) -> (http::response::Parts, Vec<u8>) {
        let request = Request::get("/muster.Qb3xZ9-_aT4kLm0pWc7rYw.wasm")
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .expect("request");
        let response = muster_server::http::static_assets::service(dir.to_owned())
            .oneshot(request)
            .await
            .expect("response");
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        (parts, bytes.to_vec())
    }

    #[tokio::test]
    async fn hashed_assets_are_cached_for_a_year_and_sent_precompressed() {
        let dir = release_pkg_dir();
        let (parts, body) = get(&dir, "gzip, deflate, br").await;
        assert_eq!(parts.status, 200);
        assert_eq!(parts.headers[header::CONTENT_ENCODING], "br");
        assert_eq!(body, b"brotli bytes");
        assert_eq!(
            parts.headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );

        let (parts, body) = get(&dir, "gzip").await;
        assert_eq!(parts.headers[header::CONTENT_ENCODING], "gzip");
        assert_eq!(body, b"gzip bytes");

        let (parts, body) = get(&dir, "identity").await;
        assert!(parts.headers.get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body, b"plain wasm");
        std::fs::remove_dir_all(dir).ok();
    }
}
