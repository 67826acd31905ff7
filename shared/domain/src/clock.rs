//! Time and randomness are passed in, so every time rule has a deterministic test.

use jiff::{SignedDuration, Timestamp};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// Waits `d` before answering (the throttle's soft delay). A test clock moves on instead.
    fn sleep(&self, d: SignedDuration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

pub trait Entropy: Send + Sync {
    fn fill(&self, buf: &mut [u8]);
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
    fn sleep(&self, d: SignedDuration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(d.unsigned_abs()))
    }
}

/// The operating system's RNG.
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) {
        // getrandom fails only where the OS has no RNG at all; nothing secret may be made then.
        getrandom::fill(buf).expect("the operating system RNG is unavailable");
    }
}

/// A clock a test sets and moves. Sleeping moves it on at once and is counted in [`ManualClock::slept`].
pub struct ManualClock {
    now: Mutex<Timestamp>,
    slept: Mutex<SignedDuration>,
}

impl ManualClock {
    pub fn new(at: Timestamp) -> Self {
        ManualClock { now: Mutex::new(at), slept: Mutex::new(SignedDuration::ZERO) }
    }
    pub fn set(&self, at: Timestamp) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
    pub fn advance(&self, by: SignedDuration) {
        let mut t = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *t = t.checked_add(by).unwrap_or(*t);
    }
    /// How long flows have slept on this clock, in all.
    pub fn slept(&self) -> SignedDuration {
        *self.slept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn sleep(&self, d: SignedDuration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.advance(d);
        let mut s = self.slept.lock().unwrap_or_else(|e| e.into_inner());
        *s = s.checked_add(d).unwrap_or(*s);
        Box::pin(std::future::ready(()))
    }
}

pub fn random_bytes<const N: usize>(entropy: &dyn Entropy) -> [u8; N] {
    let mut b = [0u8; N];
    entropy.fill(&mut b);
    b
}
