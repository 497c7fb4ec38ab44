//! `/api/v1/session`, `/api/v1/me`, `/api/v1/users`, `/api/v1/role-requests`,
//! `/api/v1/audit`, `/api/v1/persons/{id}`, activation: the identity API.
//! Sign in with `POST /api/v1/session` and send the token as
//! `Authorization: Bearer …` (no CSRF token needed then); a browser session
//! cookie needs `X-CSRF-Token` on every state-changing request.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use sirm_app::identity::external::IdDocumentChecked;
use sirm_domain::id::{CreditCode, ResidentId};

use crate::error::{parse_id, ApiError};
use crate::routes::{Caller, Source};
use crate::AppState;

type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
    /// TOTP code or recovery code, when a second factor is enrolled.
    #[serde(default)]
    pub second_factor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionBody {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// Anti-CSRF token (only for cookie sessions).
    pub csrf: String,
    pub me: MeBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeBody {
    pub username: String,
    pub display_name: String,
    pub agency: String,
    pub kind: String,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    /// `password_change` or `second_factor_enrolment` when something must be done first.
    pub pending: Option<String>,
}

fn me_of(p: &sirm_app::Principal) -> MeBody {
    MeBody {
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        agency: p.agency.clone(),
        kind: p.kind.to_string(),
        roles: p.roles.iter().map(|r| r.as_str().to_string()).collect(),
        permissions: p
            .permissions()
            .iter()
            .map(|x| x.as_str().to_string())
            .collect(),
        pending: p.pending.map(|x| match x {
            sirm_app::Pending::PasswordChange => "password_change".into(),
            sirm_app::Pending::SecondFactorEnrolment => "second_factor_enrolment".into(),
        }),
    }
}

/// Sign in.
#[utoipa::path(post, path = "/api/v1/session", tag = "identity", request_body = LoginBody, responses(
    (status = 200, body = SessionBody), (status = 401, body = crate::error::ErrorBody)))]
pub async fn login(
    State(st): State<AppState>,
    Extension(Source(src)): Extension<Source>,
    Json(b): Json<LoginBody>,
) -> ApiResult<SessionBody> {
    let s = st
        .sirm
        .login(&b.username, &b.password, b.second_factor.as_deref(), &src)
        .await?;
    Ok(Json(SessionBody {
        me: me_of(&s.principal),
        token: s.token,
        csrf: s.csrf,
    }))
}

/// Sign out (the session is deleted on the server).
#[utoipa::path(delete, path = "/api/v1/session", tag = "identity", responses((status = 204)))]
pub async fn logout(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Extension(Source(src)): Extension<Source>,
) -> Result<StatusCode, ApiError> {
    st.sirm.logout(&c.token, &src).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in account, its roles and permissions.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", responses((status = 200, body = MeBody)))]
pub async fn me(Extension(c): Extension<Caller>) -> Json<MeBody> {
    Json(me_of(&c.principal))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "identity", request_body = PasswordBody, responses((status = 204), (status = 400, body = crate::error::ErrorBody)))]
pub async fn change_password(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    st.sirm
        .change_password(&c.principal, &b.current_password, &b.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct TotpBody {
    pub secret: String,
    #[serde(default)]
    pub otpauth_uri: String,
    #[serde(default)]
    pub code: String,
    /// Re-enrolment only: the current password.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current_password: String,
    /// Re-enrolment only: a code of the current authenticator, or a recovery code.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current_code: String,
}

/// Begin second-factor enrolment: a new secret.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "identity", responses((status = 200, body = TotpBody)))]
pub async fn totp_begin(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> ApiResult<TotpBody> {
    let e = st.sirm.totp_begin(&c.principal).await?;
    Ok(Json(TotpBody {
        secret: e.secret,
        otpauth_uri: e.otpauth_uri,
        code: String::new(),
        current_password: String::new(),
        current_code: String::new(),
    }))
}

/// Confirm enrolment with a code; returns the recovery codes once.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "identity", request_body = TotpBody, responses((status = 200, body = Vec<String>)))]
pub async fn totp_confirm(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<TotpBody>,
) -> ApiResult<Vec<String>> {
    Ok(Json(
        st.sirm
            .totp_confirm(
                &c.principal,
                &b.secret,
                &b.code,
                Some((b.current_password.as_str(), b.current_code.as_str())),
            )
            .await?,
    ))
}

/// Accounts of the caller's agency.
#[utoipa::path(get, path = "/api/v1/users", tag = "identity", responses((status = 200)))]
pub async fn users(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
) -> Result<Response, ApiError> {
    Ok(Json(st.sirm.list_users(&c.principal).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
}

/// Create a staff account; the issued password is returned once.
#[utoipa::path(post, path = "/api/v1/users", tag = "identity", request_body = NewUser, responses((status = 201), (status = 409, body = crate::error::ErrorBody)))]
pub async fn add_user(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<NewUser>,
) -> Result<Response, ApiError> {
    let i = st
        .sirm
        .add_user(&c.principal, &b.username, &b.display_name)
        .await?;
    Ok((StatusCode::CREATED, Json(i)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: String,
}

/// Lock, unlock or retire an account (`action` = `lock` | `unlock` |
/// `retire`), or issue a
/// one-time reset code for a staff account (`password-reset`).
#[utoipa::path(post, path = "/api/v1/users/{username}/{action}", tag = "identity", request_body = ReasonBody, responses((status = 200, description = "`password-reset`: the one-time reset code", body = Object), (status = 204, description = "locked, unlocked or retired")))]
pub async fn user_action(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((username, action)): Path<(String, String)>,
    Json(b): Json<ReasonBody>,
) -> Result<Response, ApiError> {
    let p = &c.principal;
    match action.as_str() {
        "lock" => st.sirm.lock_user(p, &username, &b.reason).await?,
        "unlock" => st.sirm.unlock_user(p, &username, &b.reason).await?,
        "retire" => st.sirm.retire_user(p, &username, &b.reason).await?,
        "password-reset" => {
            return Ok(Json(st.sirm.reset_password(p, &username).await?).into_response())
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "action: {other:?} is not lock, unlock, retire or password-reset"
            )))
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RoleRequestBody {
    pub username: String,
    pub role: String,
    pub reason: String,
}

/// Request a role grant (system administrator); effective after approval.
#[utoipa::path(post, path = "/api/v1/role-requests", tag = "identity", request_body = RoleRequestBody, responses((status = 201), (status = 403, body = crate::error::ErrorBody)))]
pub async fn request_role(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<RoleRequestBody>,
) -> Result<Response, ApiError> {
    let o = st
        .sirm
        .request_role(&c.principal, &b.username, &b.role, &b.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(o)).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct StatusQuery {
    pub status: Option<String>,
}

/// Role requests (security administrator).
#[utoipa::path(get, path = "/api/v1/role-requests", tag = "identity", params(StatusQuery), responses((status = 200)))]
pub async fn role_requests(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(q): Query<StatusQuery>,
) -> Result<Response, ApiError> {
    Ok(Json(
        st.sirm
            .role_requests(&c.principal, q.status.as_deref())
            .await?,
    )
    .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionBody {
    pub approve: bool,
    #[serde(default)]
    pub reason: String,
}

/// Approve or reject a role request (security administrator).
#[utoipa::path(post, path = "/api/v1/role-requests/{id}/decision", tag = "identity", request_body = DecisionBody, responses((status = 204), (status = 403, body = crate::error::ErrorBody)))]
pub async fn decide(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<DecisionBody>,
) -> Result<StatusCode, ApiError> {
    st.sirm
        .decide_role(&c.principal, &id, b.approve, &b.reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ask for a role to be revoked (system administrator); like a grant, it
/// takes effect when the security administrator approves the request.
#[utoipa::path(post, path = "/api/v1/users/{username}/roles/{role}/revoke", tag = "identity", request_body = ReasonBody, responses((status = 201), (status = 403, body = crate::error::ErrorBody)))]
pub async fn revoke_role(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((username, role)): Path<(String, String)>,
    Json(b): Json<ReasonBody>,
) -> Result<Response, ApiError> {
    let o = st
        .sirm
        .request_revocation(&c.principal, &username, &role, &b.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(o)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetBody {
    pub username: String,
    /// The one-time reset code handed over by an administrator or the counter.
    pub code: String,
    pub new_password: String,
}

/// Choose a new password with a one-time reset code (no sign-in).
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "identity", request_body = ResetBody, responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn complete_reset(
    State(st): State<AppState>,
    Extension(Source(source)): Extension<Source>,
    Json(b): Json<ResetBody>,
) -> Result<StatusCode, ApiError> {
    st.sirm
        .complete_reset(&b.username, &b.code, &b.new_password, &source)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reset an external account's password at the counter (clerk, after an ID check).
#[utoipa::path(post, path = "/api/v1/counter/password-reset", tag = "identity", request_body = CounterResetBody, responses((status = 200), (status = 400, body = crate::error::ErrorBody)))]
pub async fn counter_reset(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<CounterResetBody>,
) -> Result<Response, ApiError> {
    let checked = IdDocumentChecked::attested(b.id_document_checked, "id_document_checked")?;
    Ok(Json(
        st.sirm
            .counter_reset(&c.principal, &b.username, checked)
            .await?,
    )
    .into_response())
}

/// A counter password reset of an external account.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CounterResetBody {
    pub username: String,
    /// The clerk's statement that the owner's ID document was checked in
    /// person (required: `true`; rule `id-document.unchecked`).
    #[serde(default)]
    pub id_document_checked: bool,
}

/// The security audit trail (audit administrator).
#[utoipa::path(get, path = "/api/v1/audit", tag = "identity", responses((status = 200)))]
pub async fn audit(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Query(p): Query<crate::pages::admin::AuditParams>,
) -> Result<Response, ApiError> {
    let q = crate::pages::admin::audit_query(&p)?;
    Ok(Json(st.sirm.audit_trail(&c.principal, &q).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PersonLookup {
    /// Resident ID number (in the body: identifiers never go into URLs).
    #[schema(pattern = r"^[0-9]{17}[0-9Xx]$")]
    pub id: String,
}

/// A person of the caller's agency (query officer and business roles).
#[utoipa::path(post, path = "/api/v1/persons/lookup", tag = "identity", request_body = PersonLookup, responses((status = 200), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn person(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<PersonLookup>,
) -> Result<Response, ApiError> {
    let id: ResidentId = parse_id("id", &b.id)?;
    let view = st
        .sirm
        .query_rights(
            &c.principal,
            sirm_app::query::Channel::Counter,
            &st.sirm.person_key(&id)?,
            None,
        )
        .await?;
    Ok(Json(view.record).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActivationBody {
    #[schema(pattern = r"^[0-9]{17}[0-9Xx]$")]
    pub person_id: String,
    /// The clerk's statement that the person's ID document was checked in
    /// person (required: `true`; rule `id-document.unchecked`).
    #[serde(default)]
    pub id_document_checked: bool,
}

/// Issue a one-time activation code after checking the ID document (clerk).
#[utoipa::path(post, path = "/api/v1/activation-codes", tag = "identity", request_body = ActivationBody, responses((status = 201)))]
pub async fn issue_activation(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<ActivationBody>,
) -> Result<Response, ApiError> {
    let id: ResidentId = parse_id("person_id", &b.person_id)?;
    let checked = IdDocumentChecked::attested(b.id_document_checked, "id_document_checked")?;
    let a = st
        .sirm
        .issue_activation_code(&c.principal, &id, checked)
        .await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActivateBody {
    #[schema(pattern = r"^[0-9]{17}[0-9Xx]$")]
    pub person_id: String,
    pub name: String,
    pub code: String,
    pub username: String,
    pub password: String,
}

/// Activate an insured person's portal account (no sign-in).
#[utoipa::path(post, path = "/api/v1/activate", tag = "identity", request_body = ActivateBody, responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn activate(
    State(st): State<AppState>,
    Extension(Source(src)): Extension<Source>,
    Json(b): Json<ActivateBody>,
) -> Result<StatusCode, ApiError> {
    st.sirm
        .activate(
            &b.person_id,
            &b.name,
            &b.code,
            &b.username,
            &b.password,
            &src,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AgentBody {
    #[schema(pattern = r"^[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]{18}$")]
    pub credit_code: String,
    pub username: String,
    pub display_name: String,
}

/// Issue an employer agent's account bound to a credit code (clerk).
#[utoipa::path(post, path = "/api/v1/employer-agents", tag = "identity", request_body = AgentBody, responses((status = 201)))]
pub async fn add_employer_agent(
    State(st): State<AppState>,
    Extension(c): Extension<Caller>,
    Json(b): Json<AgentBody>,
) -> Result<Response, ApiError> {
    let code: CreditCode = parse_id("credit_code", &b.credit_code)?;
    let i = st
        .sirm
        .add_employer_agent(&c.principal, &b.username, &b.display_name, &code)
        .await?;
    Ok((StatusCode::CREATED, Json(i)).into_response())
}
