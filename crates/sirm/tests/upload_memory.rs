//! Memory of the `sirm serve` process while a 200 MB declaration file
//! arrives and is checked: the upload is streamed to disk chunk by chunk,
//! checked line by line and archived streamed, so the server's peak
//! resident memory grows by a few buffers, not by the file. The file is
//! generated while it is sent (the test holds one chunk, too). Linux only
//! (reads `/proc/<pid>/status`). `SIRM_UPLOAD_MEMORY_MB` changes the size.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SIRM: &str = env!("CARGO_BIN_EXE_sirm");
const MONTH: &str = "2024-05";
/// Every line of the file has this length (ID, wage, padding).
const LINE: usize = 1024;
const STAFF: usize = 200;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sirm(data: &std::path::Path) -> Command {
    let mut c = Command::new(SIRM);
    c.env_remove("SIRM_DATA_DIR")
        .env_remove("SIRM_DATABASE_URL")
        .env_remove("SIRM_DATABASE_SCHEMA")
        .arg("--data-dir")
        .arg(data);
    c
}

/// (VmRSS, VmHWM) of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mb_declaration_is_taken_in_bounded_memory() {
    let mb: usize = std::env::var("SIRM_UPLOAD_MEMORY_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = sirm(&data)
        .args(["demo", "--dir", data.to_str().unwrap()])
        .args(["--persons", "5", "--no-serve"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // STAFF persons employed by the agent's employer, through the ledger.
    let opts = sirm_app::OpenOptions::new(&data);
    let (employer, ids) = {
        let sirm = sirm_app::Sirm::open(&opts, sirm_app::Access::Sign)
            .await
            .unwrap();
        let employer: sirm_domain::id::CreditCode = sirm
            .store_for_maintenance()
            .account("agent")
            .await
            .unwrap()
            .unwrap()
            .employer
            .unwrap()
            .parse()
            .unwrap();
        let region: sirm_domain::id::RegionCode = "110105".parse().unwrap();
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let mut drafts = vec![];
        let mut ids = vec![];
        let mut details = vec![];
        for n in 0..STAFF {
            let id =
                sirm_domain::id::ResidentId::from_parts(&region, day(1980, 1, 1), n as u16 + 1)
                    .unwrap();
            ids.push(id.to_string());
            details.push(sirm_domain::records::PersonDetails {
                id,
                name: "测试".into(),
                address: "北京市朝阳区".into(),
                phone: "13800000000".into(),
                registered_on: day(2020, 1, 1),
            });
        }
        for reg in sirm_app::testkit::sealed_persons(&sirm, &details)
            .await
            .unwrap()
        {
            drafts.push(Ok(sirm_app::registration::person_draft(
                &sirm.config,
                "test",
                &reg,
            )
            .unwrap()));
            let job = sirm_domain::records::EmploymentStart {
                id: reg.id.clone(),
                credit_code: employer.clone(),
                start_on: day(2020, 1, 1),
            };
            drafts.push(Ok(sirm_app::registration::employment_start_draft(
                &sirm.config,
                "test",
                &job,
            )
            .unwrap()));
        }
        sirm_app::testkit::append_stream_unreviewed(&sirm, drafts)
            .await
            .unwrap();
        sirm.store_for_maintenance().close().await;
        (employer.to_string(), ids)
    };

    let mut child = sirm(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let server = Server(child);
    let base = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(pos) = line.find("http://") {
            break line[pos..].trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let session: serde_json::Value = http
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": "clerk", "password": sirm_app::demo::DEMO_PASSWORD, "second_factor": clerk_code()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    let (rss_before, _) = memory_kib(pid);

    // Sample the server's memory while the file arrives and is checked.
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                let (rss, _) = memory_kib(pid);
                peak.fetch_max(rss, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
    };

    // The request, written by hand so the file never sits in memory here.
    let boundary = "sirm-memory-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"credit_code\"\r\n\r\n{employer}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"month\"\r\n\r\n{MONTH}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let rows = mb * 1024 * 1024 / LINE;
    let length = head.len() + rows * LINE + tail.len();
    let addr = base.trim_start_matches("http://").to_string();
    let started = std::time::Instant::now();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        format!(
            "POST /declarations HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Authorization: Bearer {token}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n{head}"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut chunk = Vec::with_capacity(64 * LINE);
    for n in 0..rows {
        let mut line = format!("{},{}.00", ids[n % STAFF], 5000 + n % 3000).into_bytes();
        line.resize(LINE - 1, b' ');
        line.push(b'\n');
        chunk.extend_from_slice(&line);
        if chunk.len() >= 64 * LINE {
            s.write_all(&chunk).await.unwrap();
            chunk.clear();
        }
    }
    s.write_all(&chunk).await.unwrap();
    s.write_all(tail.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    let sent = started.elapsed();
    let answer = String::from_utf8_lossy(&answer).to_string();
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let job = answer
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("location: /declarations/jobs/")
                .map(str::to_string)
        })
        .unwrap();
    let report = loop {
        let v: serde_json::Value = http
            .get(format!("{base}/api/v1/declarations/jobs/{}", job.trim()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(ok) = v["finished"]["Ok"].as_str() {
            break serde_json::from_str::<serde_json::Value>(ok).unwrap();
        }
        assert!(v["finished"]["Err"].is_null(), "{v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let checked = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    sampler.await.unwrap();
    let (_, hwm) = memory_kib(pid);
    drop(server);

    assert_eq!(report["accepted"], STAFF, "{report}");
    assert_eq!(report["rows"], rows, "{report}");
    let peak = peak
        .load(std::sync::atomic::Ordering::Relaxed)
        .max(rss_before);
    let grew_mib = (peak - rss_before) / 1024;
    eprintln!(
        "declaration of {mb} MB ({rows} lines): sent in {:.1} s, checked and archived in {:.1} s; \
         server RSS {} MiB before, peak {} MiB during (+{grew_mib} MiB), VmHWM {} MiB",
        sent.as_secs_f64(),
        checked.as_secs_f64(),
        rss_before / 1024,
        peak / 1024,
        hwm / 1024
    );
    // Holding the file would add its whole size; a few buffers add little.
    assert!(
        grew_mib < (mb as u64 / 4).max(32),
        "server memory grew by {grew_mib} MiB for a {mb} MB file"
    );
}

/// The clerk's current TOTP code (staff sign in with a second factor).
fn clerk_code() -> String {
    use sirm_domain::access::totp;
    let s = totp::TotpSecret::from_base32(&sirm_app::demo::demo_totp_secret("clerk")).unwrap();
    totp::code(&s, chrono::Utc::now().timestamp(), 30, 6)
}
