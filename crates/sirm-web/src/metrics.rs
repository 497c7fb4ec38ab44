//! `/metrics` in the Prometheus text format: ledger size, the newest
//! backup's age per destination, the last readability check, and request
//! counts and latencies of this server. Numbers only, nothing about a
//! person; public and rate-limited like `/healthz`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::AppState;

/// Upper bounds (seconds) of the latency histogram.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

struct Counters {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

static COUNTERS: Counters = Counters {
    by_class: [const { AtomicU64::new(0) }; 5],
    buckets: [const { AtomicU64::new(0) }; BUCKETS.len()],
    count: AtomicU64::new(0),
    sum_micros: AtomicU64::new(0),
};

/// Middleware: counts every response by status class and its latency.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let resp = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    let class = usize::from(resp.status().as_u16() / 100).clamp(1, 5) - 1;
    COUNTERS.by_class[class].fetch_add(1, Ordering::Relaxed);
    COUNTERS.count.fetch_add(1, Ordering::Relaxed);
    COUNTERS.sum_micros.fetch_add(
        u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
    for (i, b) in BUCKETS.iter().enumerate() {
        if secs <= *b {
            COUNTERS.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }
    resp
}

fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

pub async fn metrics(State(st): State<AppState>) -> Result<Response, ApiError> {
    let s = st.sirm.operations_status().await?;
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, lines: Vec<(String, String)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for (labels, v) in lines {
            out.push_str(&format!("{name}{labels} {v}\n"));
        }
    };
    gauge(
        "sirm_ledger_entries",
        "Entries in the ledger.",
        vec![(String::new(), s.ledger_entries.to_string())],
    );
    if let Some(b) = s.database_bytes {
        gauge(
            "sirm_database_bytes",
            "Size of the SQLite database file.",
            vec![(String::new(), b.to_string())],
        );
    }
    let per = |f: &dyn Fn(&sirm_app::backup::DestinationStatus) -> Option<String>| {
        s.destinations
            .iter()
            .filter_map(|d| f(d).map(|v| (format!("{{destination=\"{}\"}}", label(&d.name)), v)))
            .collect::<Vec<_>>()
    };
    gauge(
        "sirm_backup_age_seconds",
        "Seconds since the newest backup at each destination.",
        per(&|d| d.age_seconds.map(|a| a.to_string())),
    );
    gauge(
        "sirm_backup_entries_behind",
        "Ledger entries not yet in the newest backup at each destination.",
        per(&|d| Some(d.behind.to_string())),
    );
    gauge(
        "sirm_backup_ok",
        "1 when the newest backup at the destination verifies against this ledger.",
        per(&|d| Some(u8::from(d.problem.is_none()).to_string())),
    );
    if let Some(c) = &s.last_check {
        let at = chrono::DateTime::parse_from_rfc3339(&c.time)
            .map(|t| t.timestamp())
            .unwrap_or(0);
        gauge(
            "sirm_check_last_timestamp_seconds",
            "Time of the last readability check.",
            vec![(String::new(), at.to_string())],
        );
        gauge(
            "sirm_check_last_ok",
            "1 when the last readability check found nothing.",
            vec![(String::new(), u8::from(c.outcome == "success").to_string())],
        );
    }
    out.push_str("# HELP sirm_http_responses_total HTTP responses by status class.\n# TYPE sirm_http_responses_total counter\n");
    for (i, c) in COUNTERS.by_class.iter().enumerate() {
        out.push_str(&format!(
            "sirm_http_responses_total{{class=\"{}xx\"}} {}\n",
            i + 1,
            c.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP sirm_http_request_duration_seconds Request latency.\n# TYPE sirm_http_request_duration_seconds histogram\n");
    for (i, b) in BUCKETS.iter().enumerate() {
        out.push_str(&format!(
            "sirm_http_request_duration_seconds_bucket{{le=\"{b}\"}} {}\n",
            COUNTERS.buckets[i].load(Ordering::Relaxed)
        ));
    }
    let count = COUNTERS.count.load(Ordering::Relaxed);
    out.push_str(&format!(
        "sirm_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"
    ));
    out.push_str(&format!(
        "sirm_http_request_duration_seconds_sum {}\nsirm_http_request_duration_seconds_count {count}\n",
        COUNTERS.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
    ));
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}
