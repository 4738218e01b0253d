//! The demo clock: a demo database runs its 2012 campaign as of a date of its own (the demo
//! starts on 2012-04-20), so its deadlines read as a campaign in progress. The date is the
//! database's (`store::campaign::demo_clock`: only when every campaign is a demo campaign); each
//! request runs within it, and `domain::dates::today` reads it from there. Background work (the
//! reminders, the outbox, checkpoints) and every time in milliseconds keep real time.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use time::Date;

tokio::task_local! {
    static DEMO_DAY: Option<Date>;
}

fn current() -> Option<Date> {
    DEMO_DAY.try_with(|d| *d).ok().flatten()
}

/// Points `dates::today` at the clock of the work at hand (once per process).
pub fn install() {
    pacesetter_domain::dates::install_clock(current);
}

/// Runs `f` as of `day` (None: the real date).
pub async fn within<F: Future>(day: Option<Date>, f: F) -> F::Output {
    install();
    DEMO_DAY.scope(day, f).await
}

/// A server's demo clock, as read from its database (0: none).
#[derive(Clone, Default)]
pub struct DemoClock(Arc<AtomicI32>);

impl DemoClock {
    pub fn get(&self) -> Option<Date> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            n => Date::from_julian_day(n).ok(),
        }
    }

    pub fn set(&self, day: Option<Date>) {
        self.0.store(day.map(Date::to_julian_day).unwrap_or(0), Ordering::Relaxed);
    }

    /// Reads the clock again from the database (after a campaign is loaded: a real campaign
    /// stops it for good).
    pub async fn refresh(&self, store: &pacesetter_store::Store) -> Result<(), pacesetter_store::StoreError> {
        let mut c = store.read().await?;
        self.set(pacesetter_store::campaign::demo_clock(&mut c).await?);
        Ok(())
    }
}
