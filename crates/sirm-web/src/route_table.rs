//! The route table: every route of the agency's server with its method,
//! path, guard (public with a rate class, signed in, or a permission), body
//! class and handler. `router()` in `lib.rs` is the only place that mounts
//! them, so no route exists outside this table.

use axum::http::Method;
use axum::routing::{delete, get, post, MethodRouter};
use sirm_domain::access::Permission as P;

use crate::routes::{Guard, Kind, RouteSpec};
use crate::{api, assets, metrics, pages, AppState};

const fn spec(method: Method, path: &'static str, guard: Guard, kind: Kind) -> RouteSpec {
    RouteSpec::new(method, path, guard, kind)
}

/// Every route: its method, path, guard and handler.
pub fn route_table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use api::identity as id;
    use pages::{
        account, admin, certificate as cert, employer_declare as ed, home, kiosk, login, portal,
        statement, upload, work,
    };
    const REVIEWING: &[P] = &[
        P::RecordCollect,
        P::RecordReview,
        P::RecordRecheck,
        P::RecordApprove,
        P::RecordMaintain,
    ];
    // Taking an application: the clerk, or the maintenance officer for corrections.
    const TAKING: &[P] = &[P::RecordCollect, P::RecordMaintain, P::RecordPrepare];
    // Prepared maintenance: the outside helper who prepares, the officer who takes.
    const PREPARING: &[P] = &[P::RecordMaintain, P::RecordPrepare];
    const OWN: &[P] = &[P::OwnRecordRead, P::DelegatedRecordRead];
    // Questions from cross-checking: asked of an employer or of a person.
    const ASKED: &[P] = &[P::OwnRecordRead, P::EmployerRecordRead];
    const DECIDING: &[P] = &[P::RecordReview, P::RecordRecheck, P::RecordApprove];
    // Who sees the yearly adjustment's lines: the clerk who files it and
    // the reviewers who decide it.
    const ADJUSTMENT_READERS: &[P] = &[
        P::RecordCollect,
        P::RecordReview,
        P::RecordRecheck,
        P::RecordApprove,
    ];
    // Who may file an objection (Art 16), and who may read one (each
    // objection is checked again against the caller in the use case).
    const OBJECTORS: &[P] = &[
        P::OwnRecordRead,
        P::DelegatedRecordRead,
        P::EmployerRecordRead,
        P::RecordCollect,
    ];
    const OBJECTION_READERS: &[P] = &[
        P::OwnRecordRead,
        P::DelegatedRecordRead,
        P::EmployerRecordRead,
        P::RecordCollect,
        P::RecordMaintain,
    ];
    const PEER_READERS: &[P] = &[P::SecurityConfig, P::RecordCollect];
    use crate::ratelimit::RateClass as R;
    use crate::routes::BodyClass as B;
    use Guard::{AnyPerm, Perm, Public, SignedIn};
    use Kind::{Api, Page};
    let (g, p, d) = (Method::GET, Method::POST, Method::DELETE);
    vec![
        // Public pages and health.
        (
            spec(g.clone(), "/", Public, Page).rate(R::Pages),
            get(login::index),
        ),
        (
            spec(g.clone(), "/kiosk", Public, Page).rate(R::Pages),
            get(kiosk::home),
        ),
        (
            spec(p.clone(), "/kiosk", Public, Page).rate(R::Pin),
            post(kiosk::login),
        ),
        (
            spec(g.clone(), "/kiosk/record", Public, Page).rate(R::Pages),
            get(kiosk::record),
        ),
        (
            spec(p.clone(), "/kiosk/certificate", Public, Page).rate(R::Pages),
            post(kiosk::certificate),
        ),
        (
            spec(g.clone(), "/kiosk/certificate.pdf", Public, Page).rate(R::Pages),
            get(kiosk::printed),
        ),
        (
            spec(p.clone(), "/kiosk/logout", Public, Page).rate(R::Pages),
            post(kiosk::logout),
        ),
        (
            spec(g.clone(), "/login", Public, Page).rate(R::Pages),
            get(login::login_form),
        ),
        (
            spec(p.clone(), "/login", Public, Page).rate(R::SignIn),
            post(login::login_submit),
        ),
        (
            spec(g.clone(), "/activate", Public, Page).rate(R::Pages),
            get(login::activate_form),
        ),
        (
            spec(p.clone(), "/activate", Public, Page).rate(R::Activation),
            post(login::activate_submit),
        ),
        (
            spec(g.clone(), "/metrics", Public, Api).rate(R::Pages),
            get(metrics::metrics),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/statistics",
                Perm(P::StatisticsRead),
                Api,
            ),
            get(api::statistics::statistics),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/statistics/reports/{report}",
                Perm(P::StatisticsRead),
                Api,
            ),
            get(api::statistics::report),
        ),
        (
            spec(g.clone(), "/statistics", Perm(P::StatisticsRead), Page),
            get(pages::statistics::index),
        ),
        (
            spec(
                g.clone(),
                "/statistics/reports/{report}",
                Perm(P::StatisticsRead),
                Page,
            ),
            get(pages::statistics::report),
        ),
        (
            spec(
                g.clone(),
                "/statistics/reports/{report}/export.csv",
                Perm(P::StatisticsRead),
                Page,
            ),
            get(pages::statistics::report_csv),
        ),
        (
            spec(
                g.clone(),
                "/statistics/extracts/{application}",
                Perm(P::StatisticsRead),
                Page,
            ),
            get(pages::statistics::extract_download),
        ),
        (
            spec(g.clone(), "/healthz", Public, Api).rate(R::Pages),
            get(api::health::healthz),
        ),
        (
            spec(g.clone(), "/readyz", Public, Api).rate(R::Pages),
            get(api::health::readyz),
        ),
        (
            spec(g.clone(), "/api/v1/openapi.json", Public, Api).rate(R::Pages),
            get(api::openapi_json),
        ),
        (
            spec(g.clone(), "/api/v1/ledger/checkpoint", Public, Api).rate(R::Proof),
            get(api::ledger::checkpoint),
        ),
        (
            spec(g.clone(), "/api/v1/ledger/proof/inclusion", Public, Api).rate(R::Proof),
            get(api::ledger::inclusion),
        ),
        (
            spec(g.clone(), "/api/v1/ledger/proof/consistency", Public, Api).rate(R::Proof),
            get(api::ledger::consistency),
        ),
        (
            spec(p.clone(), "/api/v1/session", Public, Api).rate(R::SignIn),
            post(id::login),
        ),
        (
            spec(p.clone(), "/api/v1/activate", Public, Api).rate(R::Activation),
            post(id::activate),
        ),
        // Password reset with a one-time code (no sign-in).
        (
            spec(g.clone(), "/reset", Public, Page).rate(R::Pages),
            get(login::reset_form),
        ),
        (
            spec(p.clone(), "/reset", Public, Page).rate(R::SignIn),
            post(login::reset_submit),
        ),
        (
            spec(p.clone(), "/api/v1/password-reset", Public, Api).rate(R::SignIn),
            post(id::complete_reset),
        ),
        // Scripts of the pages (files, so the CSP allows no inline script).
        (
            spec(g.clone(), "/static/sirm.js", Public, Page).rate(R::Pages),
            get(assets::sirm_js),
        ),
        (
            spec(g.clone(), "/static/kiosk.js", Public, Page).rate(R::Pages),
            get(assets::kiosk_js),
        ),
        // Transfer between regions (Art 10): another installation posts a
        // letter or a package in a request signed with its agency key
        // (api/transfer.rs), rate-limited per source like the proofs.
        (
            spec(p.clone(), "/federation/v1/letters", Public, Api)
                .rate(R::Proof)
                .body(B::Application),
            post(api::transfer::receive_letter),
        ),
        (
            spec(p.clone(), "/federation/v1/packages", Public, Api)
                .rate(R::Proof)
                .body(B::Application),
            post(api::transfer::receive_package),
        ),
        (
            spec(g.clone(), "/api/v1/transfers", AnyPerm(REVIEWING), Api),
            get(api::transfer::list),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/transfers/{number}",
                AnyPerm(REVIEWING),
                Api,
            ),
            get(api::transfer::detail),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/transfers/{number}/letter",
                Perm(P::RecordCollect),
                Api,
            ),
            post(api::transfer::send_letter),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/transfers/{number}/package",
                Perm(P::RecordCollect),
                Api,
            ),
            post(api::transfer::send_package),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/transfers/import",
                Perm(P::RecordCollect),
                Api,
            )
            .body(B::Application),
            post(api::transfer::import),
        ),
        (
            spec(g.clone(), "/api/v1/peers", AnyPerm(PEER_READERS), Api),
            get(api::transfer::peers),
        ),
        (
            spec(p.clone(), "/api/v1/peers", Perm(P::SecurityConfig), Api),
            post(api::transfer::add_peer),
        ),
        (
            spec(
                d.clone(),
                "/api/v1/peers/{agency}",
                Perm(P::SecurityConfig),
                Api,
            ),
            delete(api::transfer::remove_peer),
        ),
        (
            spec(g.clone(), "/my/transfers", AnyPerm(OWN), Page),
            get(pages::transfer::my_list),
        ),
        (
            spec(g.clone(), "/transfers", AnyPerm(REVIEWING), Page),
            get(pages::transfer::list),
        ),
        (
            spec(
                p.clone(),
                "/transfers/{number}/send",
                Perm(P::RecordCollect),
                Page,
            ),
            post(pages::transfer::send_form),
        ),
        // Telephone channel (Art 14): server to server, ID number + query PIN,
        // rate-limited per source address (ratelimit.rs).
        (
            spec(p.clone(), "/api/v1/ivr/summary", Public, Api).rate(R::Pin),
            post(api::ivr::summary),
        ),
        // Certificate verification (Art 15): public, rate-limited per source.
        (
            spec(g.clone(), "/verify", Public, Page).rate(R::Verify),
            get(cert::verify_home),
        ),
        (
            spec(p.clone(), "/verify", Public, Page)
                .rate(R::Verify)
                .body(B::Certificate),
            post(cert::verify_upload),
        ),
        (
            spec(g.clone(), "/verify/{code}", Public, Page).rate(R::Verify),
            get(cert::verify_code),
        ),
        (
            spec(g.clone(), "/api/v1/certificates/{code}", Public, Api).rate(R::Verify),
            get(cert::verify_api),
        ),
        (
            spec(p.clone(), "/api/v1/certificates/verify", Public, Api)
                .rate(R::Verify)
                .body(B::Certificate),
            post(cert::verify_file_api),
        ),
        // Self-service: any signed-in account, even with a pending task.
        (
            spec(p.clone(), "/logout", SignedIn, Page),
            post(login::logout),
        ),
        (spec(g.clone(), "/home", SignedIn, Page), get(home::home)),
        (
            spec(g.clone(), "/account/password", SignedIn, Page),
            get(account::password_form),
        ),
        (
            spec(p.clone(), "/account/password", SignedIn, Page),
            post(account::password_submit),
        ),
        (
            spec(g.clone(), "/account/totp", SignedIn, Page),
            get(account::totp_form),
        ),
        (
            spec(p.clone(), "/account/totp", SignedIn, Page),
            post(account::totp_submit),
        ),
        (
            spec(d.clone(), "/api/v1/session", SignedIn, Api),
            delete(id::logout),
        ),
        (spec(g.clone(), "/api/v1/me", SignedIn, Api), get(id::me)),
        (
            spec(p.clone(), "/api/v1/me/password", SignedIn, Api),
            post(id::change_password),
        ),
        (
            spec(p.clone(), "/api/v1/me/totp", SignedIn, Api),
            post(id::totp_begin),
        ),
        (
            spec(p.clone(), "/api/v1/me/totp/confirm", SignedIn, Api),
            post(id::totp_confirm),
        ),
        // System administrator: accounts and role requests.
        (
            spec(g.clone(), "/admin/users", Perm(P::AccountManage), Page),
            get(admin::users),
        ),
        (
            spec(p.clone(), "/admin/users", Perm(P::AccountManage), Page),
            post(admin::add_user),
        ),
        (
            spec(
                p.clone(),
                "/admin/users/{username}/{action}",
                Perm(P::AccountManage),
                Page,
            ),
            post(admin::user_action),
        ),
        (
            spec(g.clone(), "/api/v1/users", Perm(P::AccountManage), Api),
            get(id::users),
        ),
        (
            spec(p.clone(), "/api/v1/users", Perm(P::AccountManage), Api),
            post(id::add_user),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/users/{username}/{action}",
                Perm(P::AccountManage),
                Api,
            ),
            post(id::user_action),
        ),
        (
            spec(p.clone(), "/api/v1/agreements", Perm(P::AccountManage), Api).body(B::Application),
            post(api::prepared::file_agreement),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/users/{username}/roles/{role}/revoke",
                Perm(P::AccountManage),
                Api,
            ),
            post(id::revoke_role),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/role-requests",
                Perm(P::AccountManage),
                Api,
            ),
            post(id::request_role),
        ),
        // Security administrator: role approvals.
        (
            spec(
                g.clone(),
                "/admin/role-requests",
                Perm(P::RoleApprove),
                Page,
            ),
            get(admin::role_requests),
        ),
        (
            spec(
                p.clone(),
                "/admin/role-requests/{id}/{action}",
                Perm(P::RoleApprove),
                Page,
            ),
            post(admin::decide),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/role-requests",
                Perm(P::RoleApprove),
                Api,
            ),
            get(id::role_requests),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/role-requests/{id}/decision",
                Perm(P::RoleApprove),
                Api,
            ),
            post(id::decide),
        ),
        // Database administrator: backups, checks, storage (docs/operations.md).
        (
            spec(g.clone(), "/operations", Perm(P::DatabaseMaintain), Page),
            get(pages::operations::operations),
        ),
        (
            spec(
                p.clone(),
                "/operations/acknowledge",
                Perm(P::DatabaseMaintain),
                Page,
            ),
            post(pages::operations::acknowledge),
        ),
        // Security, audit and database administrators: handle an alarm.
        (
            spec(
                p.clone(),
                "/alarms/acknowledge",
                AnyPerm(&[P::SecurityConfig, P::AuditRead, P::DatabaseMaintain]),
                Page,
            ),
            post(pages::operations::acknowledge_alarm),
        ),
        // Audit administrator: the security audit trail.
        (
            spec(g.clone(), "/audit", Perm(P::AuditRead), Page),
            get(admin::audit),
        ),
        (
            spec(
                g.clone(),
                "/disclosure/organ-queries",
                Perm(P::AuditRead),
                Page,
            ),
            get(admin::organ_queries),
        ),
        (
            spec(
                g.clone(),
                "/disclosure/organ-queries.csv",
                Perm(P::AuditExport),
                Page,
            ),
            get(admin::organ_queries_csv),
        ),
        (
            spec(g.clone(), "/audit/export.csv", Perm(P::AuditExport), Page),
            get(admin::audit_csv),
        ),
        (
            spec(g.clone(), "/api/v1/audit", Perm(P::AuditRead), Api),
            get(id::audit),
        ),
        // Counter (clerk): external identities.
        (
            spec(g.clone(), "/counter", Perm(P::ExternalActivate), Page),
            get(admin::counter),
        ),
        (
            spec(
                p.clone(),
                "/counter/activation",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::issue_activation),
        ),
        (
            spec(
                p.clone(),
                "/counter/employer-agent",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::add_employer_agent),
        ),
        (
            spec(
                p.clone(),
                "/counter/delegation",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::record_delegation),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/activation-codes",
                Perm(P::ExternalActivate),
                Api,
            ),
            post(id::issue_activation),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/employer-agents",
                Perm(P::ExternalActivate),
                Api,
            ),
            post(id::add_employer_agent),
        ),
        (
            spec(
                p.clone(),
                "/counter/query-pin",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::set_query_pin),
        ),
        (
            spec(
                p.clone(),
                "/counter/password-reset",
                Perm(P::ExternalActivate),
                Page,
            ),
            post(admin::counter_reset),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/counter/password-reset",
                Perm(P::ExternalActivate),
                Api,
            ),
            post(id::counter_reset),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/query-pins",
                Perm(P::ExternalActivate),
                Api,
            ),
            post(api::ivr::set_query_pin),
        ),
        // Business transactions and the review chain.
        (
            spec(g.clone(), "/applications/new", AnyPerm(TAKING), Page),
            get(work::new_application),
        ),
        (
            spec(p.clone(), "/applications", AnyPerm(TAKING), Page).body(B::Application),
            post(work::submit),
        ),
        (
            spec(g.clone(), "/queue", AnyPerm(REVIEWING), Page),
            get(work::queue),
        ),
        // Parameters: the region's rule sets (Art 6).
        (
            spec(g.clone(), "/rules", AnyPerm(REVIEWING), Page),
            get(work::rule_sets),
        ),
        (
            spec(g.clone(), "/rules/{version}", AnyPerm(REVIEWING), Page),
            get(work::rule_set),
        ),
        (
            spec(g.clone(), "/applications/{id}", AnyPerm(REVIEWING), Page),
            get(work::application),
        ),
        (
            spec(
                p.clone(),
                "/applications/{id}/decision",
                AnyPerm(DECIDING),
                Page,
            ),
            post(work::decide),
        ),
        (
            spec(
                p.clone(),
                "/applications/{id}/resubmit",
                AnyPerm(TAKING),
                Page,
            )
            .body(B::Application),
            post(work::resubmit),
        ),
        (
            spec(
                p.clone(),
                "/applications/{id}/withdraw",
                AnyPerm(TAKING),
                Page,
            ),
            post(work::withdraw),
        ),
        (
            spec(
                g.clone(),
                "/applications/{id}/materials/{sha256}",
                AnyPerm(REVIEWING),
                Page,
            ),
            get(work::material),
        ),
        (
            spec(g.clone(), "/maintenance-log", Perm(P::PersonQuery), Page),
            get(work::maintenance_log),
        ),
        (
            spec(p.clone(), "/maintenance-log", Perm(P::PersonQuery), Page),
            post(work::maintenance_log_post),
        ),
        (
            spec(
                p.clone(),
                "/maintenance-log/export.csv",
                Perm(P::PersonQuery),
                Page,
            ),
            post(work::maintenance_csv_post),
        ),
        (
            spec(
                g.clone(),
                "/maintenance-log/export.csv",
                Perm(P::PersonQuery),
                Page,
            ),
            get(work::maintenance_csv),
        ),
        (
            spec(
                g.clone(),
                "/medical/settlements/new",
                Perm(P::RecordCollect),
                Page,
            ),
            get(pages::medical::upload_form),
        ),
        (
            spec(
                p.clone(),
                "/medical/settlements",
                Perm(P::RecordCollect),
                Page,
            )
            .body(B::Declaration),
            post(pages::medical::upload),
        ),
        (
            spec(g.clone(), "/declarations/new", Perm(P::RecordCollect), Page),
            get(upload::upload_form),
        ),
        (
            spec(p.clone(), "/declarations", Perm(P::RecordCollect), Page).body(B::Declaration),
            post(upload::upload),
        ),
        (
            spec(
                g.clone(),
                "/declarations/jobs/{token}",
                Perm(P::RecordCollect),
                Page,
            ),
            get(upload::job_page),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/declarations/jobs/{token}",
                Perm(P::RecordCollect),
                Api,
            ),
            get(upload::job_api),
        ),
        (
            spec(g.clone(), "/arrears", Perm(P::PersonQuery), Page),
            get(work::arrears),
        ),
        (
            spec(g.clone(), "/arrears/export.csv", Perm(P::PersonQuery), Page),
            get(work::arrears_csv),
        ),
        (
            spec(g.clone(), "/api/v1/arrears", Perm(P::PersonQuery), Api),
            get(work::arrears_api),
        ),
        (
            spec(p.clone(), "/api/v1/applications", AnyPerm(TAKING), Api).body(B::Application),
            post(api::collection::submit),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/applications/queue",
                AnyPerm(REVIEWING),
                Api,
            ),
            get(api::collection::queue),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/applications/{id}",
                AnyPerm(REVIEWING),
                Api,
            ),
            get(api::collection::get),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/applications/{id}/decision",
                AnyPerm(DECIDING),
                Api,
            ),
            post(api::collection::decide),
        ),
        (
            spec(g.clone(), "/api/v1/prepared", AnyPerm(PREPARING), Api),
            get(api::prepared::list),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/prepared/{id}/take",
                Perm(P::RecordMaintain),
                Api,
            ),
            post(api::prepared::take),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/prepared/{id}/decline",
                Perm(P::RecordMaintain),
                Api,
            ),
            post(api::prepared::decline),
        ),
        (
            spec(g.clone(), "/prepared", AnyPerm(PREPARING), Page),
            get(work::prepared),
        ),
        (
            spec(
                p.clone(),
                "/prepared/{id}/{action}",
                Perm(P::RecordMaintain),
                Page,
            ),
            post(work::prepared_action),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/maintenance-log",
                Perm(P::PersonQuery),
                Api,
            ),
            get(api::collection::maintenance_log),
        ),
        // The yearly pension adjustment as the batch would write it.
        (
            spec(
                g.clone(),
                "/api/v1/pension-adjustments",
                AnyPerm(ADJUSTMENT_READERS),
                Api,
            ),
            get(api::life::preview),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/pension-adjustments.csv",
                AnyPerm(ADJUSTMENT_READERS),
                Api,
            ),
            get(api::life::preview_csv),
        ),
        // Queries.
        (
            spec(g.clone(), "/persons", Perm(P::PersonQuery), Page),
            get(home::persons_form),
        ),
        (
            spec(p.clone(), "/persons", Perm(P::PersonQuery), Page),
            post(home::persons),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/persons/lookup",
                Perm(P::PersonQuery),
                Api,
            ),
            post(id::person),
        ),
        (
            spec(g.clone(), "/my/record", AnyPerm(OWN), Page),
            get(portal::my_record),
        ),
        (
            spec(g.clone(), "/my/statement", AnyPerm(OWN), Page),
            get(statement::statement),
        ),
        (
            spec(g.clone(), "/my/queries", Perm(P::OwnRecordRead), Page),
            get(portal::my_queries),
        ),
        (
            spec(g.clone(), "/my/queries.csv", Perm(P::OwnRecordRead), Page),
            get(portal::my_queries_csv),
        ),
        (
            spec(g.clone(), "/my/certificates", AnyPerm(OWN), Page),
            get(cert::my_certificates),
        ),
        (
            spec(p.clone(), "/my/certificates", AnyPerm(OWN), Page),
            post(cert::issue_form),
        ),
        (
            spec(g.clone(), "/my/certificates/{code}/pdf", AnyPerm(OWN), Page),
            get(cert::download),
        ),
        (
            spec(p.clone(), "/api/v1/my/certificates", AnyPerm(OWN), Api),
            post(cert::issue_api),
        ),
        (
            spec(
                p.clone(),
                "/persons/certificates",
                Perm(P::PersonQuery),
                Page,
            ),
            post(cert::counter_issue),
        ),
        (
            spec(g.clone(), "/certificates", Perm(P::RecordMaintain), Page),
            get(cert::staff_page),
        ),
        (
            spec(
                p.clone(),
                "/certificates/revoke",
                Perm(P::RecordMaintain),
                Page,
            ),
            post(cert::revoke),
        ),
        (
            spec(g.clone(), "/api/v1/my/record", AnyPerm(OWN), Api),
            get(portal::record_api),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/employer",
                Perm(P::EmployerRecordRead),
                Api,
            ),
            get(portal::employer_api),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/employer/employees/{id}",
                Perm(P::EmployerRecordRead),
                Api,
            ),
            get(portal::employee_api),
        ),
        (
            spec(g.clone(), "/organ", Perm(P::OrganQuery), Page),
            get(crate::pages::organ::organ_form),
        ),
        (
            spec(p.clone(), "/organ", Perm(P::OrganQuery), Page),
            post(crate::pages::organ::organ_submit),
        ),
        (
            spec(p.clone(), "/api/v1/organ-queries", Perm(P::OrganQuery), Api),
            post(api::disclosure::organ_query),
        ),
        // Other units (Art 19–20): reads under a disclosure grant, and the
        // counter's copy of a written refusal.
        (
            spec(g.clone(), "/unit", Perm(P::GrantRead), Page),
            get(pages::unit::home),
        ),
        (
            spec(p.clone(), "/unit/read", Perm(P::GrantRead), Page),
            post(pages::unit::read_page),
        ),
        (
            spec(g.clone(), "/api/v1/unit/grants", Perm(P::GrantRead), Api),
            get(pages::unit::grants_api),
        ),
        (
            spec(p.clone(), "/api/v1/unit/reads", Perm(P::GrantRead), Api),
            post(pages::unit::read_api),
        ),
        (
            spec(
                g.clone(),
                "/disclosure/letters/{code}/pdf",
                Perm(P::RecordCollect),
                Page,
            ),
            get(pages::unit::letter_pdf),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/applications/{id}/refusal-letters",
                Perm(P::RecordCollect),
                Api,
            ),
            get(pages::unit::letters_api),
        ),
        (
            spec(g.clone(), "/employer", Perm(P::EmployerRecordRead), Page),
            get(portal::employer_home),
        ),
        (
            spec(
                g.clone(),
                "/employer/employees/{id}",
                Perm(P::EmployerRecordRead),
                Page,
            ),
            get(portal::employee),
        ),
        // The employer agent's own declaration (Art 6 互联网经办): the
        // credit code is the agent's own (checked again in the use case).
        (
            spec(
                g.clone(),
                "/employer/declarations/new",
                Perm(P::EmployerRecordRead),
                Page,
            ),
            get(ed::new_form),
        ),
        (
            spec(
                g.clone(),
                "/employer/declarations/template.csv",
                Perm(P::EmployerRecordRead),
                Page,
            ),
            get(ed::template),
        ),
        (
            spec(
                g.clone(),
                "/employer/declarations",
                Perm(P::EmployerRecordRead),
                Page,
            ),
            get(ed::to_form),
        ),
        (
            spec(
                p.clone(),
                "/employer/declarations",
                Perm(P::EmployerRecordRead),
                Page,
            )
            .body(B::Declaration)
            .rate(R::Pages),
            post(ed::check),
        ),
        (
            spec(
                g.clone(),
                "/employer/declarations/checks/{token}",
                Perm(P::EmployerRecordRead),
                Page,
            ),
            get(ed::checked_page),
        ),
        (
            spec(
                g.clone(),
                "/employer/declarations/checks/{token}/rejected.csv",
                Perm(P::EmployerRecordRead),
                Page,
            ),
            get(ed::rejected_csv),
        ),
        (
            spec(
                g.clone(),
                "/employer/declarations/checks/{token}/submit",
                Perm(P::EmployerRecordRead),
                Page,
            ),
            get(ed::to_checked),
        ),
        (
            spec(
                p.clone(),
                "/employer/declarations/checks/{token}/submit",
                Perm(P::EmployerRecordRead),
                Page,
            )
            .rate(R::Pages),
            post(ed::submit),
        ),
        // Objections (异议核查, Art 16): the objector's side, then the
        // maintenance officer's.
        (
            spec(g.clone(), "/my/objections", AnyPerm(OWN), Page),
            get(pages::objections::my_objections),
        ),
        (
            spec(p.clone(), "/my/objections", AnyPerm(OWN), Page).body(B::Application),
            post(pages::objections::file_form),
        ),
        (
            spec(g.clone(), "/my/objections/{number}", AnyPerm(OWN), Page),
            get(pages::objections::my_objection),
        ),
        (
            spec(
                g.clone(),
                "/my/objections/{number}/letter.pdf",
                AnyPerm(OBJECTION_READERS),
                Page,
            ),
            get(pages::objections::letter_pdf),
        ),
        (
            spec(p.clone(), "/api/v1/objections", AnyPerm(OBJECTORS), Api).body(B::Application),
            post(pages::objections::file_api),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/my/objections",
                Perm(P::OwnRecordRead),
                Api,
            ),
            get(pages::objections::list_api),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/objections/{number}",
                AnyPerm(OBJECTION_READERS),
                Api,
            ),
            get(pages::objections::detail_api),
        ),
        (
            spec(g.clone(), "/objections", Perm(P::RecordMaintain), Page),
            get(pages::objections::work::queue),
        ),
        (
            spec(
                g.clone(),
                "/objections/{number}",
                Perm(P::RecordMaintain),
                Page,
            ),
            get(pages::objections::work::detail),
        ),
        (
            spec(
                p.clone(),
                "/objections/{number}/link",
                Perm(P::RecordMaintain),
                Page,
            ),
            post(pages::objections::work::link_form),
        ),
        (
            spec(
                p.clone(),
                "/objections/{number}/answer",
                Perm(P::RecordMaintain),
                Page,
            ),
            post(pages::objections::work::answer_form),
        ),
        (
            spec(
                g.clone(),
                "/objections/{number}/evidence/{sha256}",
                AnyPerm(OBJECTION_READERS),
                Page,
            ),
            get(pages::objections::work::evidence),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/objections/{number}/link",
                Perm(P::RecordMaintain),
                Api,
            ),
            post(pages::objections::work::link_api),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/objections/{number}/answer",
                Perm(P::RecordMaintain),
                Api,
            ),
            post(pages::objections::work::answer_api),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/objection-queue",
                Perm(P::RecordMaintain),
                Api,
            ),
            get(pages::objections::work::queue_api),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/objection-report",
                Perm(P::RecordMaintain),
                Api,
            ),
            get(pages::objections::work::report_api),
        ),
        (
            spec(
                g.clone(),
                "/objection-report",
                Perm(P::RecordMaintain),
                Page,
            ),
            get(pages::objections::work::report),
        ),
        (
            spec(
                g.clone(),
                "/objection-report.csv",
                Perm(P::RecordMaintain),
                Page,
            ),
            get(pages::objections::work::report_csv),
        ),
        (
            spec(
                g.clone(),
                "/counter/objections",
                Perm(P::RecordCollect),
                Page,
            ),
            get(pages::objections::filers::counter_form),
        ),
        (
            spec(
                p.clone(),
                "/counter/objections",
                Perm(P::RecordCollect),
                Page,
            )
            .body(B::Application),
            post(pages::objections::filers::counter_file),
        ),
        (
            spec(
                g.clone(),
                "/employer/objections",
                Perm(P::EmployerRecordRead),
                Page,
            ),
            get(pages::objections::filers::employer_form),
        ),
        (
            spec(
                p.clone(),
                "/employer/objections",
                Perm(P::EmployerRecordRead),
                Page,
            )
            .body(B::Application),
            post(pages::objections::filers::employer_file),
        ),
        // Cross-checking with other departments (Art 5): the maintenance officer's.
        (
            spec(g.clone(), "/crosscheck", Perm(P::RecordMaintain), Page),
            get(pages::crosscheck::queue_page),
        ),
        (
            spec(p.clone(), "/crosscheck", Perm(P::RecordMaintain), Page).body(B::Declaration),
            post(pages::crosscheck::upload),
        ),
        (
            spec(
                p.clone(),
                "/crosscheck/{id}/resolve",
                Perm(P::RecordMaintain),
                Page,
            ),
            post(pages::crosscheck::resolve),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/crosscheck/discrepancies",
                Perm(P::RecordMaintain),
                Api,
            ),
            get(pages::crosscheck::list_api),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/crosscheck/discrepancies/{id}",
                Perm(P::RecordMaintain),
                Api,
            ),
            post(pages::crosscheck::resolve_api),
        ),
        // ... and the employer's or person's side: the questions asked of them.
        (
            spec(g.clone(), "/questions", AnyPerm(ASKED), Page),
            get(pages::questions::questions_page),
        ),
        (
            spec(p.clone(), "/questions/{id}/answer", AnyPerm(ASKED), Page),
            post(pages::questions::answer),
        ),
        (
            spec(g, "/api/v1/questions", AnyPerm(ASKED), Api),
            get(pages::questions::list_api),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/questions/{id}/answer",
                AnyPerm(ASKED),
                Api,
            ),
            post(pages::questions::answer_api),
        ),
    ]
}
