//! Failed sign-ins, counted per account and per address in a sliding window.
//!
//! In memory on purpose: a restart forgets the count, which is harmless for
//! a town server, and a guessing attack costs a hash per try either way.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when any key has used up its failures.
    pub fn check(&self, keys: &[String]) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("limiter lock");
        let mut wait = 0;
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    q.pop_front();
                }
                if q.len() as u32 >= self.max_failures
                    && let Some(oldest) = q.front()
                {
                    let left = self.window.saturating_sub(now.duration_since(*oldest));
                    wait = wait.max(left.as_secs().max(1));
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn fail(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.failures.lock().expect("limiter lock");
        // Keep the map from growing without bound under a spray of names.
        if map.len() > 100_000 {
            map.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        for k in keys {
            map.entry(k.clone()).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the account's count (not the address's).
    pub fn succeed(&self, key: &str) {
        self.failures.lock().expect("limiter lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit_and_names_the_wait() {
        let l = LoginLimiter::new(2, Duration::from_secs(60));
        let keys = vec!["user:a".to_owned()];
        assert!(l.check(&keys).is_ok());
        l.fail(&keys);
        l.fail(&keys);
        let wait = l.check(&keys).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(l.check(&["user:b".to_owned()]).is_ok());
        l.succeed("user:a");
        assert!(l.check(&keys).is_ok());
    }
}
