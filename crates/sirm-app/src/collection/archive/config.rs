//! Where the archive is kept: `[archive]` in `sirm.toml` (a directory
//! under the data directory, or an S3-compatible bucket).

/// `[archive]` in `sirm.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveConfig {
    /// `directory` (default) or `s3`.
    #[serde(default)]
    pub backend: ArchiveBackend,
    /// S3: bucket name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// S3: endpoint URL of an S3-compatible service, e.g. `http://127.0.0.1:9000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// S3: region (default `us-east-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// S3: access key id. The secret key comes from the environment
    /// variable `SIRM_ARCHIVE_SECRET_ACCESS_KEY`, never from this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
}

/// An S3-compatible bucket (AWS or `endpoint`); with `access_key_id`, the
/// secret key comes from the environment variable `secret_env`, never from
/// a file. Used by the archive and by backup destinations.
pub(crate) fn s3_store(
    bucket: &str,
    region: Option<&str>,
    endpoint: Option<&str>,
    access_key_id: Option<&str>,
    secret_env: &str,
) -> Result<object_store::aws::AmazonS3, String> {
    let mut b = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(region.unwrap_or("us-east-1"));
    if let Some(e) = endpoint {
        b = b
            .with_endpoint(e)
            .with_allow_http(e.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    if let Some(k) = access_key_id {
        let secret = std::env::var(secret_env)
            .map_err(|_| format!("access_key_id is set: put the secret key in {secret_env}"))?;
        b = b.with_access_key_id(k).with_secret_access_key(secret);
    }
    b.build().map_err(|e| e.to_string())
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveBackend {
    #[default]
    Directory,
    S3,
}
