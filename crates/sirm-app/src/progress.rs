//! Progress of long-running work (a declaration file being checked at the
//! counter, a large approval being written), for the workbench to show.
//! In memory only: progress is a view, never a record; what is done is in
//! the ledger.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sirm_domain::RuleId;

/// Why a job failed, as the request that started it would have answered:
/// the stable error code, the rule or reason when one names it, and the
/// English message (pages show Chinese by rule, else by code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JobFailure {
    pub code: &'static str,
    pub rule: Option<RuleId>,
    pub message: String,
}

/// One job's state as shown to the user.
#[derive(Clone, Debug, Serialize)]
pub struct JobView {
    pub id: String,
    pub owner: String,
    /// What is being done, e.g. "checking" or "writing".
    pub phase: String,
    /// Rows done so far.
    pub done: u64,
    /// Rows in all, when known.
    pub total: Option<u64>,
    /// `None` while running; then the outcome (an application id, or an error).
    pub finished: Option<Result<String, JobFailure>>,
}

/// Phase, total rows if known, outcome once finished.
type JobState = (String, Option<u64>, Option<Result<String, JobFailure>>);

#[derive(Debug)]
pub struct Job {
    pub id: String,
    pub owner: String,
    done: AtomicU64,
    state: Mutex<JobState>,
}

impl Job {
    pub fn set_done(&self, n: u64) {
        self.done.store(n, Ordering::Relaxed);
    }
    pub fn add_done(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    pub fn phase(&self, phase: &str, total: Option<u64>) {
        if let Ok(mut s) = self.state.lock() {
            s.0 = phase.to_string();
            s.1 = total;
        }
        self.done.store(0, Ordering::Relaxed);
    }
    pub fn finish(&self, outcome: Result<String, JobFailure>) {
        if let Ok(mut s) = self.state.lock() {
            s.2 = Some(outcome);
        }
    }
    pub fn view(&self) -> JobView {
        let (phase, total, finished) = self
            .state
            .lock()
            .map(|s| (s.0.clone(), s.1, s.2.clone()))
            .unwrap_or_default();
        JobView {
            id: self.id.clone(),
            owner: self.owner.clone(),
            phase,
            done: self.done.load(Ordering::Relaxed),
            total,
            finished,
        }
    }
}

/// All jobs of this server process, by id. Finished jobs are kept for an
/// hour so their page can still be read.
#[derive(Debug, Default)]
pub struct Board {
    jobs: Mutex<HashMap<String, (std::time::Instant, Arc<Job>)>>,
}

impl Board {
    /// Start a job under `id` (an unguessable id, or an application id).
    pub fn start(&self, id: &str, owner: &str, phase: &str) -> Arc<Job> {
        let job = Arc::new(Job {
            id: id.to_string(),
            owner: owner.to_string(),
            done: AtomicU64::new(0),
            state: Mutex::new((phase.to_string(), None, None)),
        });
        if let Ok(mut m) = self.jobs.lock() {
            let hour = std::time::Duration::from_secs(3600);
            m.retain(|_, (t, j)| t.elapsed() < hour || j.view().finished.is_none());
            m.insert(id.to_string(), (std::time::Instant::now(), job.clone()));
        }
        job
    }

    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.jobs
            .lock()
            .ok()
            .and_then(|m| m.get(id).map(|(_, j)| j.clone()))
    }

    pub fn remove(&self, id: &str) {
        if let Ok(mut m) = self.jobs.lock() {
            m.remove(id);
        }
    }
}
