//! The HTTP floor of this machine: an axum server answering every `POST /` with a fixed
//! 200 and a body the size of a small GetItem answer. The side-by-side comparison
//! (`benches/side-by-side/compare.sh`) measures the emulator as a fraction of this. It serves
//! on as many threads as the emulator does by default, so the two differ only in the handler.

use axum::Router;
use axum::http::header;
use axum::routing::post;

const BODY: &str = r#"{"Item":{"pk":{"S":"user-000042"},"payload":{"S":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}}"#;

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8999);
    let app = Router::new().route(
        "/",
        post(|| async { ([(header::CONTENT_TYPE, "application/x-amz-json-1.0")], BODY) }),
    );
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(emulator::Config::default().worker_threads())
        .enable_all()
        .build()?
        .block_on(async {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            axum::serve(listener, app).await
        })
}
