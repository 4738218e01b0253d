//! Login throttling: failed attempts only, counted per address and per account-and-address pair,
//! with growing delays that are capped, so a flood against one account slows it but never locks
//! its owner out (the owner's own address has its own pair).

/// What a throttle key counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThrottleKind {
    /// All failures from one address.
    Address,
    /// Failures for one account from one address.
    AccountAtAddress,
}

/// Failures are forgotten after this long without a new one.
pub const FORGET_AFTER_MS: i64 = 30 * 60 * 1000;

impl ThrottleKind {
    fn free_attempts(self) -> u32 {
        match self {
            ThrottleKind::Address => 20,
            ThrottleKind::AccountAtAddress => 3,
        }
    }

    fn cap_ms(self) -> i64 {
        match self {
            ThrottleKind::Address => 5 * 60 * 1000,
            ThrottleKind::AccountAtAddress => 60 * 1000,
        }
    }

    /// How long to wait after `failures` failures before the next attempt is heard.
    pub fn delay_ms(self, failures: u32) -> i64 {
        let free = self.free_attempts();
        if failures < free {
            return 0;
        }
        let doublings = (failures - free).min(20);
        (1000i64 << doublings).min(self.cap_ms())
    }

    /// Milliseconds still to wait at `now`, given the stored count and time of the last failure.
    /// A failure dated in the future (the clock was set back since) counts as now, so it never
    /// blocks longer than the delay itself.
    pub fn wait_ms(self, failures: u32, last_failure_ms: i64, now_ms: i64) -> i64 {
        let last_failure_ms = last_failure_ms.min(now_ms);
        if now_ms - last_failure_ms > FORGET_AFTER_MS {
            return 0;
        }
        (last_failure_ms + self.delay_ms(failures) - now_ms).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let k = ThrottleKind::AccountAtAddress;
        assert_eq!(k.delay_ms(0), 0);
        assert_eq!(k.delay_ms(2), 0);
        assert_eq!(k.delay_ms(3), 1000);
        assert_eq!(k.delay_ms(4), 2000);
        assert_eq!(k.delay_ms(100), 60_000);
        assert_eq!(ThrottleKind::Address.delay_ms(19), 0);
        assert_eq!(ThrottleKind::Address.delay_ms(1000), 300_000);
    }

    #[test]
    fn waiting_ends_and_old_failures_are_forgotten() {
        let k = ThrottleKind::AccountAtAddress;
        assert_eq!(k.wait_ms(5, 10_000, 10_500), 3_500);
        assert_eq!(k.wait_ms(5, 10_000, 20_000), 0);
        assert_eq!(k.wait_ms(50, 0, FORGET_AFTER_MS + 1), 0);
    }

    #[test]
    fn a_failure_dated_in_the_future_waits_no_longer_than_its_delay() {
        let k = ThrottleKind::Address;
        let day = 24 * 3600 * 1000;
        assert_eq!(k.wait_ms(20, 10_000 + day, 10_000), k.delay_ms(20));
        assert_eq!(k.wait_ms(3, 10_000 + day, 10_000), 0);
    }
}

/// A limit of `count` requests per `period_ms` for one key, kept as a generic cell rate: the
/// whole state is one time per key (the theoretical arrival time), so it fits a row of the
/// database that every server shares, and a burst of `count` is allowed after a quiet period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub period_ms: i64,
}

impl Rate {
    /// The time one request uses up.
    fn interval_ms(self) -> i64 {
        self.period_ms / i64::from(self.count.max(1))
    }

    /// Whether a request at `now_ms` is allowed for a key whose stored time is `tat_ms` (0 for a
    /// key never seen): `Ok(new_tat)` to store, or `Err(wait_ms)` until the next one is.
    pub fn decide(self, tat_ms: i64, now_ms: i64) -> Result<i64, i64> {
        let tat = tat_ms.max(now_ms);
        let burst = self.period_ms - self.interval_ms();
        if tat - now_ms > burst { Err(tat - now_ms - burst) } else { Ok(tat + self.interval_ms()) }
    }
}

#[cfg(test)]
mod rate_tests {
    use super::Rate;

    #[test]
    fn ten_an_hour_allows_a_burst_of_ten_then_one_every_six_minutes() {
        let r = Rate { count: 10, period_ms: 3_600_000 };
        let mut tat = 0;
        for _ in 0..10 {
            tat = r.decide(tat, 1_000).expect("within the burst");
        }
        let wait = r.decide(tat, 1_000).expect_err("the eleventh waits");
        assert_eq!(wait, 360_000);
        assert!(r.decide(tat, 1_000 + 359_999).is_err());
        let tat2 = r.decide(tat, 1_000 + 360_000).expect("one more after six minutes");
        assert!(r.decide(tat2, 1_000 + 360_000).is_err());
        // After an hour of quiet the full burst is back.
        let mut t = tat2;
        for _ in 0..10 {
            t = r.decide(t, 10_000_000).expect("a new burst");
        }
    }
}
