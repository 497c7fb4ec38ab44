//! The monthly payment runs (月度发放) as one driver: the pension's
//! (`benefit.payment_run`) and the unemployment benefit's
//! (`unemployment.payment_run`) share their checks — the month not ahead,
//! not paid already, something payable — and stream their entries at
//! approval; each run says only what it pays ([`MonthlyRun`]).

use std::future::Future;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use sirm_domain::rules::Month;
use sirm_domain::RuleId;
use sirm_ledger::EntryDraft;

use super::{Business, DraftStream};
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// What one monthly payment run pays.
pub(crate) trait MonthlyRun {
    /// The name the counter and the reviewers see.
    const NAME_ZH: &'static str;
    /// The application subject: `declaration:<SUBJECT>:<month>`.
    const SUBJECT: &'static str;
    /// What is paid, in the messages ("benefits", …).
    const WHAT: &'static str;
    /// The rule of "nothing payable", and what is missing ("a benefit").
    const NONE_PAYABLE: RuleId;
    const ONE_PAYABLE: &'static str;
    /// The raw data: the month.
    type Data: DeserializeOwned + Send + Sync;

    fn month(d: &Self::Data) -> Month;

    /// How many payments of the agency exist for the month.
    fn paid_in(
        sirm: &Sirm,
        agency: &str,
        month: Month,
    ) -> impl Future<Output = Result<i64, AppError>> + Send;

    /// Whether anything of the agency is payable for the month.
    fn any_payable(
        sirm: &Sirm,
        agency: &str,
        month: Month,
    ) -> impl Future<Output = Result<bool, AppError>> + Send;

    /// One entry per payment, stamped with the application and its actors.
    fn payments(
        sirm: &Sirm,
        agency: &str,
        month: Month,
        application: &str,
        actors: Vec<String>,
    ) -> impl Future<Output = Result<Vec<EntryDraft>, AppError>> + Send;
}

/// The business type of a monthly run `R`.
pub(crate) struct Run<R>(PhantomData<R>);

impl<R: MonthlyRun> Business for Run<R> {
    const NAME_ZH: &'static str = R::NAME_ZH;
    type Data = R::Data;

    async fn check(sirm: &Sirm, who: &Principal, d: &R::Data) -> Result<(), AppError> {
        let month = R::month(d);
        if month > Month::of_date(crate::clock::today()) {
            return Err(AppError::invalid_by(
                "month",
                RuleId::DateFuture,
                format!("{month} is in the future"),
            ));
        }
        if R::paid_in(sirm, &who.agency, month).await? > 0 {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!("{} for {month} are already paid", R::WHAT),
            ));
        }
        if !R::any_payable(sirm, &who.agency, month).await? {
            return Err(AppError::not_found(
                R::NONE_PAYABLE,
                format!("{} payable for {month}", R::ONE_PAYABLE),
            ));
        }
        Ok(())
    }

    /// Streamed at approval (see [`Business::on_approval`]).
    async fn drafts(_: &Sirm, _: &R::Data, _: &str) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![])
    }

    fn subject(d: &R::Data, _: &[EntryDraft]) -> String {
        format!("declaration:{}:{}", R::SUBJECT, R::month(d))
    }

    async fn on_approval(
        sirm: &Sirm,
        who: &Principal,
        d: &R::Data,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Option<DraftStream>, AppError> {
        let rows = R::payments(sirm, &who.agency, R::month(d), application, actors).await?;
        Ok(Some(Box::new(rows.into_iter().map(Ok))))
    }
}
