//! The HTTP side: connections, routing, the Host check, reload, and the answers' shape.

use super::*;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::Method;
use std::convert::Infallible;

pub(super) type Answer = Response<Full<Bytes>>;

pub(super) fn answer(status: StatusCode, content_type: &'static str, body: String) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A one-line refusal.
pub(super) fn refuse(status: StatusCode, why: &str) -> Answer {
    answer(status, "text/plain; charset=utf-8", format!("{why}\n"))
}

/// Serves the connections `listener` accepts, each in its own task, until the process ends.
pub(super) async fn accept_loop(listener: tokio::net::TcpListener, state: Arc<State>) -> ! {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of descriptors (EMFILE) or a connection gone before accept: wait a little
                // rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(place) = state.connections.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        let state = state.clone();
        // A request in progress when the connection ages out: its probe's bound, and the answer.
        let drain = state.budget + Duration::from_secs(10);
        tokio::spawn(async move {
            let busy = place.busy.clone();
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                let busy = limits::Busy::new(&busy);
                async move {
                    let answer = handle(&state, req).await;
                    drop(busy);
                    Ok::<_, Infallible>(answer)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_DEADLINE)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            // An idle keep-alive connection holds a place: after a while it is closed (the
            // request in progress, if any, is answered first; Prometheus reconnects), and at
            // once when it makes way for a newcomer.
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = tokio::time::sleep(MAX_CONNECTION_AGE) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(drain, conn).await;
                }
                _ = place.close.notified() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(drain, conn).await;
                }
            }
            drop(place);
        });
    }
}

/// Reads `--config` again, on a blocking thread; on success the new modules serve the next
/// probes. One reload at a time, waited for at most [`RELOAD_WAIT`] (a read still running
/// then ends on its own, and its modules are used if it succeeds).
pub(super) async fn reload(state: &Arc<State>) -> Result<(), String> {
    let Some(path) = state.config.clone() else {
        return Err("no --config file to reload".into());
    };
    if state.reloading.swap(true, Ordering::SeqCst) {
        return Err("a reload is still running".into());
    }
    let worker = state.clone();
    let task = tokio::task::spawn_blocking(move || {
        let result = serve_config::load(&path, &worker.net.extra_roots);
        let outcome = match result {
            Ok(modules) => {
                *worker.modules.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(modules);
                worker.reloads_ok.fetch_add(1, Ordering::Relaxed);
                worker.last_reload_ok.store(true, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                worker.reloads_failed.fetch_add(1, Ordering::Relaxed);
                worker.last_reload_ok.store(false, Ordering::Relaxed);
                Err(e)
            }
        };
        worker.reloading.store(false, Ordering::SeqCst);
        outcome
    });
    match tokio::time::timeout(RELOAD_WAIT, task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "reading --config took longer than {} s; its modules are used if it ends well",
            RELOAD_WAIT.as_secs()
        )),
    }
}

pub(super) async fn handle(state: &Arc<State>, req: Request<Incoming>) -> Answer {
    if let Some(extra) = &state.hosts {
        let mut hosts = req.headers().get_all(hyper::header::HOST).iter();
        let named = |v: &str| loopback_host(v, extra);
        let header_ok = match (hosts.next(), hosts.next()) {
            (None, _) => true,
            (Some(h), None) => h.to_str().is_ok_and(named),
            (Some(_), Some(_)) => false,
        };
        let authority_ok = req.uri().authority().is_none_or(|a| named(a.as_str()));
        if !(header_ok && authority_ok) {
            state.counters.forbidden.fetch_add(1, Ordering::Relaxed);
            return refuse(
                StatusCode::FORBIDDEN,
                "forbidden: on a loopback address the Host header must be localhost, 127.0.0.1 or [::1] (add a name with --allow-host NAME)",
            );
        }
    }
    let path = req.uri().path();
    if !matches!(
        path,
        "/" | "/probe" | "/metrics" | "/-/healthy" | "/-/reload"
    ) {
        return refuse(
            StatusCode::NOT_FOUND,
            "not found: the routes are /, /probe, /metrics, /-/healthy and /-/reload",
        );
    }
    if path == "/-/reload" {
        if req.method() != Method::POST {
            return refuse(StatusCode::METHOD_NOT_ALLOWED, "/-/reload takes POST");
        }
        if !state.enable_reload {
            return refuse(
                StatusCode::FORBIDDEN,
                "reloading over HTTP is off: start serve with --enable-reload (SIGHUP always reloads)",
            );
        }
        return match reload(state).await {
            Ok(()) => answer(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                "reloaded\n".into(),
            ),
            Err(e) => refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("reload failed, the modules in use are kept: {e}"),
            ),
        };
    }
    if req.method() != Method::GET {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, "only GET is served");
    }
    match path {
        "/" => answer(StatusCode::OK, "text/html; charset=utf-8", index(state)),
        "/-/healthy" => answer(StatusCode::OK, "text/plain; charset=utf-8", "OK\n".into()),
        "/metrics" => {
            let format = Format::from_accept(header(&req, "accept"));
            answer(
                StatusCode::OK,
                format.content_type(),
                own_metrics(state, format),
            )
        }
        _ => probe(state, &req).await,
    }
}

pub(super) fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}
