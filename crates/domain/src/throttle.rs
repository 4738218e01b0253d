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
