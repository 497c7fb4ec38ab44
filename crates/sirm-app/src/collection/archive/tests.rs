//! Put, get and refusals; uploads hashed while written.

use sha2::{Digest, Sha256};

use super::*;

#[tokio::test]
async fn put_get_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let a = Archive::new(dir.path());
    let pdf = b"%PDF-1.4 demo".to_vec();
    let m = a.put("身份证.pdf", &pdf).await.unwrap();
    assert_eq!(m.media_type, "application/pdf");
    assert_eq!(a.get(&m.sha256).await.unwrap(), pdf);
    // Same content, same address.
    assert_eq!(a.put("copy.pdf", &pdf).await.unwrap().sha256, m.sha256);
    assert!(a.put("x.exe", b"MZ\x90\x00").await.is_err());
    assert!(a.put("empty.pdf", b"").await.is_err());
    assert!(a.get("../../etc/passwd").await.is_err());
    // An altered archive file is detected.
    std::fs::write(a.path_of(&m.sha256), b"%PDF-1.4 forged").unwrap();
    assert!(a.get(&m.sha256).await.is_err());
}

#[tokio::test]
async fn incoming_is_hashed_while_written_and_stored_like_put() {
    let dir = tempfile::tempdir().unwrap();
    let a = Archive::new(dir.path());
    let body: Vec<u8> = b"%PDF-1.7 "
        .iter()
        .copied()
        .chain((0..300_000u32).map(|i| (i % 251) as u8))
        .collect();
    let mut inc = a.incoming().await.unwrap();
    for chunk in body.chunks(7919) {
        inc.write(chunk).await.unwrap();
    }
    assert_eq!(inc.size(), body.len() as u64);
    assert_eq!(inc.sha256(), hex::encode(Sha256::digest(&body)));
    let scratch = inc.path().to_path_buf();
    let m = a.put_incoming("扫描件.pdf", inc).await.unwrap();
    assert_eq!(m.media_type, "application/pdf");
    assert_eq!(m.size, body.len() as u64);
    assert_eq!(a.get(&m.sha256).await.unwrap(), body);
    assert!(!scratch.exists(), "the scratch file is moved, not copied");
    // Refusals: empty, and a file that is not a scan.
    let inc = a.incoming().await.unwrap();
    let scratch = inc.path().to_path_buf();
    assert!(a.put_incoming("empty.pdf", inc).await.is_err());
    assert!(!scratch.exists(), "a refused upload leaves no scratch file");
    let mut inc = a.incoming().await.unwrap();
    inc.write(b"MZ\x90\x00").await.unwrap();
    let e = a.put_incoming("x.exe", inc).await.unwrap_err();
    assert!(e.to_string().contains("not a PDF"), "{e}");
}
