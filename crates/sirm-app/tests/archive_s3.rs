//! The materials archive on an S3-compatible server: moto's S3 server
//! (PyPI `moto[server]`, started by `scripts/ensure-s3`; the test starts it
//! itself when `moto_server` is on PATH). The same write-once, hash-checked
//! behaviour as the directory archive.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};

use sirm_app::collection::archive::{ArchiveBackend, ArchiveConfig};
use sirm_app::collection::Archive;

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start() -> (Server, String) {
    let port = free_port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server (pip install 'moto[server]'; scripts/test installs it)");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(&base).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    (Server(child), base)
}

#[tokio::test]
async fn s3_archive_round_trip_and_tamper_detection() {
    let (_server, base) = start().await;
    let http = reqwest::Client::new();
    // The bucket exists before SIRM uses it (an operator's job).
    let r = http
        .put(format!("{base}/sirm-archive"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    std::env::set_var("SIRM_ARCHIVE_SECRET_ACCESS_KEY", "test-secret");
    let dir = tempfile::tempdir().unwrap();
    let cfg = ArchiveConfig {
        backend: ArchiveBackend::S3,
        bucket: Some("sirm-archive".into()),
        endpoint: Some(base.clone()),
        region: None,
        access_key_id: Some("test-key".into()),
    };
    let a = Archive::from_config(dir.path(), &cfg).unwrap();
    let pdf = b"%PDF-1.4 scanned ID card".to_vec();
    let m = a.put("身份证.pdf", &pdf).await.unwrap();
    assert_eq!(m.media_type, "application/pdf");
    assert_eq!(a.get(&m.sha256).await.unwrap(), pdf);
    // Nothing of the material is kept in the local directory.
    assert!(std::fs::read_dir(dir.path())
        .map(|d| d.count() == 0)
        .unwrap_or(true));
    // The object is at its content address in the bucket (read with a
    // client of our own, as an operator would).
    use object_store::ObjectStore;
    let raw = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name("sirm-archive")
        .with_region("us-east-1")
        .with_endpoint(&base)
        .with_allow_http(true)
        .with_access_key_id("test-key")
        .with_secret_access_key("test-secret")
        .build()
        .unwrap();
    let key = object_store::path::Path::from(format!(
        "{}/{}/{}",
        &m.sha256[..2],
        &m.sha256[2..4],
        m.sha256
    ));
    let stored = raw.get(&key).await.unwrap().bytes().await.unwrap();
    assert_eq!(stored.to_vec(), pdf);
    // A data file streamed from disk, and read back through a checked copy.
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "110105199003071220,8000\n").unwrap();
    let f = a.put_file("in.csv", &csv, "text/csv").await.unwrap();
    let path = a.verified_path(&f.sha256).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(path.path()).unwrap(),
        "110105199003071220,8000\n"
    );
    // An upload streamed to the bucket from its scratch file.
    let scan: Vec<u8> = b"%PDF-1.7 "
        .iter()
        .copied()
        .chain((0..3_000_000u32).map(|i| (i % 253) as u8))
        .collect();
    let mut inc = a.incoming().await.unwrap();
    for chunk in scan.chunks(65_536) {
        inc.write(chunk).await.unwrap();
    }
    let s = a.put_incoming("scan.pdf", inc).await.unwrap();
    assert_eq!(a.get(&s.sha256).await.unwrap(), scan);
    // An object altered in the bucket is refused on read.
    raw.put(&key, b"%PDF-1.4 forged".to_vec().into())
        .await
        .unwrap();
    let err = a.get(&m.sha256).await.unwrap_err();
    assert!(err.to_string().contains("altered"), "{err}");
    // A missing object is "not found", not an I/O error.
    let missing = "0".repeat(64);
    assert!(matches!(
        a.get(&missing).await,
        Err(sirm_app::AppError::NotFound { .. })
    ));
    // Misconfiguration is a clear error.
    let no_bucket = ArchiveConfig {
        bucket: None,
        ..cfg
    };
    let e = Archive::from_config(dir.path(), &no_bucket).unwrap_err();
    assert!(e.to_string().contains("bucket"), "{e}");
}
