//! `sirm serve` and HTTPS (level-3 assessment item 1; docs/tls.md): a
//! certificate and key that cannot be served, a `sirm.toml` others may
//! change, plain HTTP on a public address — each refused before serving,
//! with one line naming the setting or file. A good pair is served over
//! HTTPS; `sirm demo --https` makes its own certificate once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const SIRM: &str = env!("CARGO_BIN_EXE_sirm");

fn command(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(SIRM);
    c.env_remove("SIRM_DATA_DIR")
        .env_remove("SIRM_DATABASE_URL")
        .env_remove("SIRM_DATABASE_SCHEMA")
        .env_remove("SIRM_LISTEN")
        .arg("--data-dir")
        .arg(data)
        .args(args);
    c
}

fn sirm(data: &Path, args: &[&str]) -> Output {
    command(data, args).output().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

/// `sirm serve --listen listen` refused with exit 2 and one line
/// containing each needle.
fn refused(data: &Path, listen: &str, needles: &[&str]) {
    let o = sirm(data, &["serve", "--listen", listen]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    for n in needles {
        assert!(e.contains(n), "{n:?} not in {e}");
    }
}

fn demo(dir: &Path) {
    let o = sirm(
        dir,
        &[
            "demo",
            "--no-serve",
            "--persons",
            "3",
            "--dir",
            dir.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
}

/// `sirm.toml` of `data` with `[server]` set to `server` (replacing any).
fn set_server(data: &Path, server: &str) {
    let path = data.join("sirm.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let base = text.split("\n[server]").next().unwrap().trim_end();
    std::fs::write(&path, format!("{base}\n\n[server]\n{server}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A running server; killed when dropped.
struct Server {
    child: Child,
    lines: Vec<String>,
}

impl Server {
    /// Start `args` and read stdout until a line containing `until`.
    fn start(data: &Path, args: &[&str], until: &str) -> Server {
        let mut child = command(data, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut lines = Vec::new();
        loop {
            let line = out.next().expect("server exited before serving").unwrap();
            let done = line.contains(until);
            lines.push(line);
            if done {
                break;
            }
        }
        std::thread::spawn(move || for _ in out {});
        Server { child, lines }
    }

    /// The first `https://…` address printed.
    fn https_base(&self) -> String {
        self.lines
            .iter()
            .find_map(|l| l.find("https://").map(|p| l[p..].trim_end_matches('/')))
            .expect("an https address")
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn https_client(cert_pem: &[u8]) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem).unwrap())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_what_it_cannot_serve_safely_and_serves_https() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    demo(&data);
    let pair =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let keys = data.join("keys");
    write(&keys, "tls-cert.pem", &pair.cert.pem());
    write(&keys, "tls-key.pem", &pair.signing_key.serialize_pem());
    write(&keys, "other-key.pem", &other.signing_key.serialize_pem());
    write(&keys, "garbled.pem", "-----BEGIN PRIVATE KEY-----\n@@@\n");

    // A key of another certificate (relative paths: the data directory).
    set_server(
        &data,
        "tls_cert = \"keys/tls-cert.pem\"\ntls_key = \"keys/other-key.pem\"",
    );
    refused(
        &data,
        "127.0.0.1:0",
        &[
            "server.tls_key",
            "other-key.pem",
            "does not belong",
            "tls-cert.pem",
        ],
    );
    // A garbled key, a key file without a key, a missing certificate.
    set_server(
        &data,
        "tls_cert = \"keys/tls-cert.pem\"\ntls_key = \"keys/garbled.pem\"",
    );
    refused(&data, "127.0.0.1:0", &["server.tls_key", "garbled.pem"]);
    set_server(
        &data,
        "tls_cert = \"keys/tls-cert.pem\"\ntls_key = \"keys/tls-cert.pem\"",
    );
    refused(&data, "127.0.0.1:0", &["server.tls_key", "no private key"]);
    set_server(
        &data,
        "tls_cert = \"keys/absent.pem\"\ntls_key = \"keys/tls-key.pem\"",
    );
    refused(&data, "127.0.0.1:0", &["server.tls_cert", "absent.pem"]);

    // Plain HTTP on every address: refused unless allowed.
    set_server(&data, "");
    refused(
        &data,
        "0.0.0.0:0",
        &["server.allow_plain_http", "tls_cert", "0.0.0.0"],
    );
    set_server(&data, "allow_plain_http = true");
    let s = Server::start(&data, &["serve", "--listen", "0.0.0.0:0"], "Ctrl-C");
    assert!(
        s.lines.iter().any(|l| l.contains("plain HTTP on 0.0.0.0:")
            && l.contains("only behind a TLS proxy named in trusted_proxies")),
        "{:?}",
        s.lines
    );
    drop(s);

    // A configuration others may change: refused before opening.
    set_server(&data, "");
    let config = data.join("sirm.toml");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o664)).unwrap();
    refused(
        &data,
        "127.0.0.1:0",
        &[
            "sirm.toml",
            "0664",
            "writable by group or others",
            "chmod 600",
        ],
    );
    assert_eq!(
        std::fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o664,
        "the check comes before opening tightens the mode"
    );
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o606)).unwrap();
    refused(&data, "127.0.0.1:0", &["0606", "chmod 600"]);

    // The good pair: served over HTTPS, even on every address.
    set_server(
        &data,
        "tls_cert = \"keys/tls-cert.pem\"\ntls_key = \"keys/tls-key.pem\"",
    );
    let s = Server::start(&data, &["serve", "--listen", "127.0.0.1:0"], "Ctrl-C");
    let base = s.https_base();
    let fp = s
        .lines
        .iter()
        .find_map(|l| l.split("证书指纹: ").nth(1))
        .expect("fingerprint line");
    assert_eq!(fp.len(), 95, "{fp}");
    let r = https_client(pair.cert.pem().as_bytes())
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(r.headers().contains_key("strict-transport-security"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_https_makes_its_certificate_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let args = [
        "demo",
        "--https",
        "--persons",
        "3",
        "--listen",
        "127.0.0.1:0",
        "--dir",
        data.to_str().unwrap(),
    ];
    let s = Server::start(&data, &args, "Ctrl-C");
    let cert = data.join("keys").join("tls-cert.pem");
    let key = data.join("keys").join("tls-key.pem");
    for f in [&cert, &key] {
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            f.display()
        );
    }
    assert!(
        s.lines
            .iter()
            .any(|l| l.contains("sign in:") && l.contains("https://127.0.0.1:")),
        "{:?}",
        s.lines
    );
    let fingerprint = |lines: &[String]| {
        lines
            .iter()
            .find_map(|l| l.split("证书指纹: ").nth(1).map(str::to_string))
            .expect("fingerprint printed")
    };
    let first = fingerprint(&s.lines);
    let pem = std::fs::read(&cert).unwrap();
    let r = https_client(&pem)
        .get(format!("{}/login", s.https_base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    drop(s);
    // The second run keeps the certificate.
    let s = Server::start(&data, &args, "Ctrl-C");
    assert_eq!(fingerprint(&s.lines), first);
    assert_eq!(std::fs::read(&cert).unwrap(), pem);
}
