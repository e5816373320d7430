//! A lean HTTP/1.1 client for the load: requests whose head is serialized once and reused
//! (only `content-length` and the body change per request), written in one `write`, over
//! keep-alive connections taken from a LIFO pool (so a run opens only as many connections as
//! it has requests in flight, and reuses the warmest), with answers parsed by `httparse`.
//! Driving tens of thousands of requests a second from one core leaves no room for a general
//! client's per-request header maps, allocations and task hand-offs.
//!
//! One request per connection at a time (no pipelining). An answer is read whole: its body
//! delimited by `content-length`, by chunked transfer coding, or by the connection's close.

use std::sync::{Arc, Mutex};

use axum::http::Uri;
use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::decimal;

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("connecting to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("the connection closed before an answer")]
    ClosedBeforeAnswer,
    #[error("the connection closed mid-answer ({received} bytes received)")]
    ClosedMidAnswer { received: usize },
    #[error("a malformed answer: {0}")]
    Malformed(&'static str),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: Bytes,
    /// The server keeps the connection open for the next request.
    pub keep_alive: bool,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A request's serialized head up to (not including) its `content-length`: the request
/// line, `host` and the caller's headers.
#[derive(Debug, Clone)]
pub struct Head(Bytes);

/// A pool of keep-alive connections to one `http://host:port` endpoint.
#[derive(Clone)]
pub struct Client {
    addr: String,
    /// The endpoint's path (`/` or a prefix such as `/api`), before every request's path.
    base_path: String,
    idle: Arc<Mutex<Vec<Connection>>>,
}

struct Connection {
    stream: TcpStream,
    /// The request being written and its body; kept to reuse their allocations.
    request: Vec<u8>,
    body: Vec<u8>,
    /// Bytes read and not yet consumed.
    received: BytesMut,
}

impl Client {
    /// A client for `endpoint` (`http://host:port`, optionally with a base path).
    pub fn new(endpoint: &str) -> anyhow::Result<Client> {
        let uri: Uri = endpoint.parse()?;
        if uri.scheme_str() != Some("http") {
            anyhow::bail!("the HTTP/1.1 client speaks plain HTTP only, not {endpoint}");
        }
        let authority = uri
            .authority()
            .ok_or_else(|| anyhow::anyhow!("{endpoint} names no host"))?;
        let addr = match authority.port_u16() {
            Some(_) => authority.to_string(),
            None => format!("{authority}:80"),
        };
        Ok(Client {
            addr,
            base_path: uri.path().trim_end_matches('/').to_owned(),
            idle: Arc::default(),
        })
    }

    /// The head of a `method` request to `path` (under the endpoint's base path, with its
    /// query if any) carrying `headers`; build it once and send it many times.
    pub fn head(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Head {
        let mut head = format!(
            "{method} {}{path} HTTP/1.1\r\nhost: {}\r\n",
            self.base_path, self.addr
        );
        for (name, value) in headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        Head(Bytes::from(head))
    }

    /// Sends one request and reads its whole answer, whatever its status.
    pub async fn send(&self, head: &Head, body: &[u8]) -> Result<Response, Error> {
        self.send_with(head, |out| out.extend_from_slice(body))
            .await
    }

    /// Sends one request whose body `write_body` writes straight into the connection's
    /// buffer, and reads its whole answer, whatever its status. A request that meets a
    /// pooled connection the server has since closed is sent once more on a new connection
    /// (as browsers and hyper do): nothing of it was answered.
    pub async fn send_with(
        &self,
        head: &Head,
        write_body: impl FnOnce(&mut Vec<u8>),
    ) -> Result<Response, Error> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let reused = pooled.is_some();
        let mut connection = match pooled {
            Some(c) => c,
            None => self.connect().await?,
        };
        connection.compose(head, write_body);
        let answer = match connection.exchange().await {
            Err(Error::ClosedBeforeAnswer | Error::Io(_)) if reused => {
                let request = std::mem::take(&mut connection.request);
                connection = self.connect().await?;
                connection.request = request;
                connection.exchange().await
            }
            answer => answer,
        };
        if let Ok(response) = &answer
            && response.keep_alive
        {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(connection);
        }
        answer
    }

    async fn connect(&self) -> Result<Connection, Error> {
        let connect = |source| Error::Connect {
            addr: self.addr.clone(),
            source,
        };
        let stream = TcpStream::connect(&self.addr).await.map_err(connect)?;
        stream.set_nodelay(true).map_err(connect)?;
        Ok(Connection {
            stream,
            request: Vec::with_capacity(1024),
            body: Vec::with_capacity(1024),
            received: BytesMut::with_capacity(16 * 1024),
        })
    }
}

impl Connection {
    /// Puts the request together in `request`: `head`, the body's `content-length`, and
    /// the body, written first into `body` to learn its length.
    fn compose(&mut self, head: &Head, write_body: impl FnOnce(&mut Vec<u8>)) {
        self.body.clear();
        write_body(&mut self.body);
        self.request.clear();
        self.request.extend_from_slice(&head.0);
        self.request.extend_from_slice(b"content-length: ");
        decimal::push(&mut self.request, self.body.len() as u64);
        self.request.extend_from_slice(b"\r\n\r\n");
        self.request.extend_from_slice(&self.body);
    }

    async fn exchange(&mut self) -> Result<Response, Error> {
        self.stream.write_all(&self.request).await?;
        read_response(&mut self.stream, &mut self.received).await
    }
}

/// Reads one answer from `stream`, `received` holding what was read before (and, after,
/// what follows the answer).
pub async fn read_response<R: AsyncRead + Unpin>(
    stream: &mut R,
    received: &mut BytesMut,
) -> Result<Response, Error> {
    loop {
        if let Some(response) = complete_response(received, false)? {
            return Ok(response);
        }
        if received.capacity() - received.len() < 4096 {
            received.reserve(16 * 1024);
        }
        if stream.read_buf(received).await? == 0 {
            return match complete_response(received, true)? {
                Some(response) => Ok(response),
                None if received.is_empty() => Err(Error::ClosedBeforeAnswer),
                None => Err(Error::ClosedMidAnswer {
                    received: received.len(),
                }),
            };
        }
    }
}

/// How an answer's body ends (RFC 9112, section 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyLength {
    Fixed(usize),
    Chunked,
    UntilClose,
}

/// A parsed status line and header section.
struct ResponseHead {
    status: u16,
    length: BodyLength,
    keep_alive: bool,
    /// Bytes of the status line and headers, blank line included.
    len: usize,
}

const MAX_HEADERS: usize = 64;

/// The head at the start of `buf`, or `None` while it is incomplete.
fn parse_head(buf: &[u8]) -> Result<Option<ResponseHead>, Error> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(Error::Malformed("an unparsable status line or header")),
    };
    let status = response.code.expect("a complete head has a status");
    let mut keep_alive = response.version == Some(1);
    let mut content_length = None;
    let mut chunked = false;
    for header in response.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let length = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or(Error::Malformed("an invalid content-length"))?;
            if content_length.is_some_and(|earlier| earlier != length) {
                return Err(Error::Malformed("conflicting content-lengths"));
            }
            content_length = Some(length);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked only counts as the final coding.
            chunked = header
                .value
                .rsplit(|&b| b == b',')
                .next()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if header.name.eq_ignore_ascii_case("connection") {
            for option in header.value.split(|&b| b == b',') {
                let option = option.trim_ascii();
                if option.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if option.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        }
    }
    // The requests sent are never HEAD, so only the status rules a body out.
    let length = if (100..200).contains(&status) || status == 204 || status == 304 {
        BodyLength::Fixed(0)
    } else if chunked {
        BodyLength::Chunked
    } else if let Some(length) = content_length {
        BodyLength::Fixed(length)
    } else {
        keep_alive = false;
        BodyLength::UntilClose
    };
    Ok(Some(ResponseHead {
        status,
        length,
        keep_alive,
        len,
    }))
}

/// Takes a complete answer off the front of `received`, or answers `None` while more is to
/// come. `at_eof`: the connection has closed, which completes a body delimited by it.
/// Interim (1xx) answers are skipped.
fn complete_response(received: &mut BytesMut, at_eof: bool) -> Result<Option<Response>, Error> {
    loop {
        let Some(head) = parse_head(received)? else {
            return Ok(None);
        };
        if (100..200).contains(&head.status) && head.status != 101 {
            received.advance(head.len);
            continue;
        }
        let rest = &received[head.len..];
        let (body, consumed) = match head.length {
            BodyLength::Fixed(length) if rest.len() >= length => {
                let mut answer = received.split_to(head.len + length);
                answer.advance(head.len);
                (answer.freeze(), 0)
            }
            BodyLength::Chunked => match decode_chunked(rest)? {
                Some((body, used)) => (Bytes::from(body), head.len + used),
                None => return Ok(None),
            },
            BodyLength::UntilClose if at_eof => {
                let mut answer = received.split();
                answer.advance(head.len);
                (answer.freeze(), 0)
            }
            BodyLength::Fixed(_) | BodyLength::UntilClose => return Ok(None),
        };
        received.advance(consumed);
        return Ok(Some(Response {
            status: head.status,
            body,
            keep_alive: head.keep_alive,
        }));
    }
}

/// Decodes a chunked body at the start of `buf` (trailers skipped): the body and the bytes
/// it took, or `None` while incomplete. Decoding restarts on every read, which costs nothing
/// for the small answers of the load.
fn decode_chunked(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, Error> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let (size_len, size) = match httparse::parse_chunk_size(&buf[at..]) {
            Ok(httparse::Status::Complete(parsed)) => parsed,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(Error::Malformed("an invalid chunk size")),
        };
        at += size_len;
        if size == 0 {
            // The trailer section ends with an empty line.
            let trailers = &buf[at..];
            if trailers.starts_with(b"\r\n") {
                return Ok(Some((body, at + 2)));
            }
            return Ok(memchr::memmem::find(trailers, b"\r\n\r\n").map(|end| (body, at + end + 4)));
        }
        let size = usize::try_from(size).map_err(|_| Error::Malformed("a chunk too large"))?;
        let Some(chunk_end) = at.checked_add(size).filter(|end| end + 2 <= buf.len()) else {
            return Ok(None);
        };
        if &buf[chunk_end..chunk_end + 2] != b"\r\n" {
            return Err(Error::Malformed("a chunk longer than its size"));
        }
        body.extend_from_slice(&buf[at..chunk_end]);
        at = chunk_end + 2;
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    /// Reads one answer sent in `pieces` (written one at a time, each a separate read),
    /// the server closing the connection after the last when `close`.
    async fn read_pieces(pieces: &[&[u8]], close: bool) -> (Result<Response, Error>, BytesMut) {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let pieces: Vec<Vec<u8>> = pieces.iter().map(|p| p.to_vec()).collect();
        let writer = tokio::spawn(async move {
            for piece in pieces {
                server.write_all(&piece).await.unwrap();
                tokio::task::yield_now().await;
            }
            if close {
                drop(server);
            } else {
                // Keep the connection open until the reader is done.
                std::future::pending::<()>().await;
            }
        });
        let mut received = BytesMut::new();
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            read_response(&mut client, &mut received),
        )
        .await
        .expect("an answer or an error, never a hang");
        writer.abort();
        (answer, received)
    }

    #[tokio::test]
    async fn content_length_body_split_across_reads() {
        let (answer, rest) = read_pieces(
            &[
                b"HTTP/1.1 200 OK\r\ncontent-le",
                b"ngth: 11\r\ncontent-type: application/json\r\n\r",
                b"\n{\"a\":",
                b"\"bcd\"}",
            ],
            false,
        )
        .await;
        let answer = answer.unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(&answer.body[..], br#"{"a":"bcd"}"#);
        assert!(answer.keep_alive);
        assert!(rest.is_empty());
    }

    #[tokio::test]
    async fn chunked_body_with_extensions_and_trailers() {
        let (answer, _) = read_pieces(
            &[
                b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                b"4;ext=1\r\nab",
                b"cd\r\n",
                b"A\r\n0123456789\r\n0\r\n",
                b"x-trailer: 1\r\n\r\n",
            ],
            false,
        )
        .await;
        let answer = answer.unwrap();
        assert_eq!(answer.status, 400);
        assert!(!answer.is_success());
        assert_eq!(&answer.body[..], b"abcd0123456789");
    }

    #[tokio::test]
    async fn answers_back_to_back_are_taken_one_at_a_time() {
        let mut received = BytesMut::from(
            &b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nAHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nB\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"[..],
        );
        let bodies: Vec<Bytes> = (0..3)
            .map(|_| {
                complete_response(&mut received, false)
                    .unwrap()
                    .unwrap()
                    .body
            })
            .collect();
        assert_eq!(bodies, [&b"A"[..], b"B", b""]);
        assert!(received.is_empty());
    }

    #[tokio::test]
    async fn a_connection_closed_mid_answer_is_an_error() {
        let (answer, _) = read_pieces(
            &[b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"partial\""],
            true,
        )
        .await;
        assert!(
            matches!(answer, Err(Error::ClosedMidAnswer { received }) if received > 0),
            "{answer:?}"
        );
        let (answer, _) = read_pieces(&[b"HTTP/1.1 200 OK\r\ntransfer-en"], true).await;
        assert!(matches!(answer, Err(Error::ClosedMidAnswer { .. })));
        let (answer, _) = read_pieces(
            &[b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab"],
            true,
        )
        .await;
        assert!(matches!(answer, Err(Error::ClosedMidAnswer { .. })));
    }

    #[tokio::test]
    async fn a_connection_closed_before_any_answer_is_told_apart() {
        let (answer, _) = read_pieces(&[], true).await;
        assert!(
            matches!(answer, Err(Error::ClosedBeforeAnswer)),
            "{answer:?}"
        );
    }

    #[tokio::test]
    async fn a_body_without_length_ends_with_the_connection() {
        let (answer, _) = read_pieces(&[b"HTTP/1.0 200 OK\r\n\r\nall ", b"of it"], true).await;
        let answer = answer.unwrap();
        assert_eq!(&answer.body[..], b"all of it");
        assert!(!answer.keep_alive);
    }

    #[tokio::test]
    async fn interim_answers_are_skipped_and_close_is_honoured() {
        let (answer, _) = read_pieces(
            &[
                b"HTTP/1.1 100 Continue\r\n\r\n",
                b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 2\r\n\r\nno",
            ],
            false,
        )
        .await;
        let answer = answer.unwrap();
        assert_eq!((answer.status, &answer.body[..]), (503, &b"no"[..]));
        assert!(!answer.keep_alive);
    }

    #[tokio::test]
    async fn malformed_answers_are_errors() {
        for bad in [
            &b"HTTP/1.1 2x0 OK\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: ten\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nabc\r\n",
        ] {
            let (answer, _) = read_pieces(&[bad], false).await;
            assert!(matches!(answer, Err(Error::Malformed(_))), "{answer:?}");
        }
    }

    #[tokio::test]
    async fn requests_go_out_whole_and_connections_are_reused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            for _ in 0..2 {
                let mut buf = vec![0u8; 4096];
                let n = socket.read(&mut buf).await.unwrap();
                seen.push(buf[..n].to_vec());
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .await
                    .unwrap();
            }
            seen
        });
        let client = Client::new(&format!("http://{addr}/base/")).unwrap();
        let head = client.head("POST", "/x?y=1", &[("x-amz-target", "T.Op")]);
        for body in [&b"{}"[..], b"{\"k\":1}"] {
            let answer = client.send(&head, body).await.unwrap();
            assert_eq!(&answer.body[..], b"ok");
        }
        let seen = server.await.unwrap();
        assert_eq!(
            String::from_utf8(seen[1].clone()).unwrap(),
            format!(
                "POST /base/x?y=1 HTTP/1.1\r\nhost: {addr}\r\nx-amz-target: T.Op\r\n\
                 content-length: 7\r\n\r\n{{\"k\":1}}"
            )
        );
    }
}
