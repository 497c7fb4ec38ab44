//! Personal accounts: the year-end settlement (个人账户年度结算) of every
//! account, with monthly-accumulation interest (RULES.md).

use sirm_domain::records::{self, kind, AccountSettlement};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{Business, DraftStream};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// 个人账户年度结算: streamed at approval.
pub(crate) struct Settle;

impl Business for Settle {
    const NAME_ZH: &'static str = "个人账户年度结算";
    type Data = AccountSettlement;

    async fn check(sirm: &Sirm, _who: &Principal, a: &AccountSettlement) -> Result<(), AppError> {
        let this_year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
        if a.year > this_year {
            return Err(AppError::invalid(
                "year",
                format!("{} is in the future", a.year),
            ));
        }
        let set = sirm.rules_for_year(a.year).await?;
        let params = set.year(a.year).map_err(|e| AppError::invalid("year", e))?;
        if params.crediting_rate.is_none() {
            return Err(AppError::invalid(
                "year",
                format!("no crediting rate (记账利率) is published for {}", a.year),
            ));
        }
        if sirm.store.settled_count(a.year).await? > 0 {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!("personal accounts are already settled for {}", a.year),
            ));
        }
        Ok(())
    }

    /// Streamed at approval (see [`Business::on_approval`]).
    async fn drafts(_: &Sirm, _: &AccountSettlement, _: &str) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![])
    }

    fn subject(a: &AccountSettlement, _: &[EntryDraft]) -> String {
        format!("declaration:settlement:{}", a.year)
    }

    async fn on_approval(
        sirm: &Sirm,
        _who: &Principal,
        a: &AccountSettlement,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Option<DraftStream>, AppError> {
        let rows = settlement_drafts(sirm, a.year, application, actors).await?;
        Ok(Some(Box::new(rows.into_iter().map(Ok))))
    }
}

/// Year-end settlement of every account with an opening balance or paid
/// credits in `year` (monthly-accumulation interest, RULES.md).
async fn settlement_drafts(
    sirm: &Sirm,
    year: i32,
    application: &str,
    actors: Vec<String>,
) -> Result<Vec<EntryDraft>, AppError> {
    use std::collections::BTreeMap;
    let set = sirm.rules_for_year(year).await?;
    let params = set.year(year).map_err(|e| AppError::invalid("year", e))?;
    let rate = params
        .crediting_rate
        .ok_or_else(|| AppError::invalid("year", format!("no crediting rate for {year}")))?;
    let mut accounts: BTreeMap<String, (rust_decimal::Decimal, [rust_decimal::Decimal; 12])> =
        BTreeMap::new();
    for (person, b) in sirm.store.closings(year - 1).await? {
        accounts
            .entry(person)
            .or_insert((
                rust_decimal::Decimal::ZERO,
                [rust_decimal::Decimal::ZERO; 12],
            ))
            .0 = b;
    }
    for (person, month, credit) in sirm
        .store
        .paid_credits(&sirm.config.agency_code, year)
        .await?
    {
        let slot = accounts.entry(person).or_insert((
            rust_decimal::Decimal::ZERO,
            [rust_decimal::Decimal::ZERO; 12],
        ));
        // `month()` is 1–12 by construction.
        slot.1[month.month() as usize - 1] += credit;
    }
    let mut out = Vec::with_capacity(accounts.len());
    for (person, (opening, credits)) in accounts {
        let id: sirm_domain::id::PersonKey = person
            .parse()
            .map_err(|e| AppError::invalid("person_id", e))?;
        let result = sirm_domain::rules::engine::account_year(params, opening, rate, &credits)
            .map_err(|e| AppError::invalid("account", e))?;
        let p = records::AccountSettled {
            id: id.clone(),
            year,
            result,
        };
        let mut d = draft(
            &sirm.config,
            Stream::Business,
            kind::ACCOUNT_SETTLED,
            records::person_subject(&id),
            "sirm",
            &p,
        )?;
        d.application = Some(application.to_string());
        d.actors = actors.clone();
        out.push(d);
    }
    Ok(out)
}
