//! Web pages. zh-CN first, English second. The staff workbench and portals
//! come with the identity and collection work; this page tells a visitor what
//! this installation is and where the ledger stands.

use axum::extract::State;
use axum::response::Html;

use crate::AppState;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub async fn index(State(st): State<AppState>) -> Html<String> {
    let sirm = &st.sirm;
    let (size, root, time) = match sirm.store.head().await {
        Ok(Some(cp)) => (
            cp.checkpoint.tree_size.to_string(),
            hex::encode(cp.checkpoint.root),
            sirm_ledger::format_time(&cp.checkpoint.time),
        ),
        _ => ("0".into(), "—".into(), "—".into()),
    };
    let counts = sirm.store.counts().await.unwrap_or_default();
    Html(format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>SIRM · 社会保险个人权益记录管理</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2933}}
h1{{font-size:1.5rem}} table{{border-collapse:collapse}} td,th{{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}}
code{{word-break:break-all}} .en{{color:#52606d;font-size:.9em}}</style></head>
<body>
<h1>社会保险个人权益记录管理系统 <span class="en">SIRM — social insurance rights records</span></h1>
<p>{agency} <span class="en">({origin})</span></p>
<h2>账本 <span class="en">Ledger</span></h2>
<table>
<tr><th>记录条数 <span class="en">entries</span></th><td>{size}</td></tr>
<tr><th>树根 <span class="en">root</span></th><td><code>{root}</code></td></tr>
<tr><th>签名时间 <span class="en">signed at</span></th><td>{time}</td></tr>
<tr><th>公钥标识 <span class="en">key id</span></th><td><code>{key_id}</code></td></tr>
<tr><th>参保人员 <span class="en">persons</span></th><td>{persons}</td></tr>
<tr><th>用人单位 <span class="en">employers</span></th><td>{employers}</td></tr>
</table>
<p><a href="/api/v1/ledger/checkpoint">已签名检查点 <span class="en">signed checkpoint</span></a> ·
<a href="/api/v1/openapi.json">接口文档 <span class="en">OpenAPI</span></a></p>
</body></html>"#,
        agency = esc(&sirm.config.agency_name),
        origin = esc(&sirm.config.origin),
        key_id = esc(&sirm.public_key.key_id()),
        persons = counts.persons,
        employers = counts.employers,
    ))
}
