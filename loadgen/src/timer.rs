//! A timer with microsecond resolution for the open-loop pacer, on the async runtime.
//! tokio's timer wheel counts milliseconds, too coarse to start an operation within a
//! fraction of a millisecond of its intended time; a thread of its own sleeping on the
//! operating system's timer is precise but costs two context switches and a cross-thread
//! wake-up of the runtime every time it releases operations. On Linux a timerfd registered
//! with the runtime's event loop wakes the pacer task instead, with neither; elsewhere
//! tokio's timer stands in.

use std::io;
use std::time::Instant;

pub struct PreciseTimer {
    #[cfg(target_os = "linux")]
    fd: tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>,
}

#[cfg(target_os = "linux")]
impl PreciseTimer {
    /// A timer on the current runtime's event loop.
    pub fn new() -> io::Result<PreciseTimer> {
        use rustix::time::{TimerfdClockId, TimerfdFlags, timerfd_create};
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        // `new` is deprecated in favour of the unsafe `register`, whose contract (the
        // descriptor stays open and the same while registered) an `OwnedFd` owned by the
        // `AsyncFd` upholds by construction; this workspace forbids unsafe code.
        #[allow(deprecated)]
        let fd = tokio::io::unix::AsyncFd::new(fd)?;
        Ok(PreciseTimer { fd })
    }

    /// Waits until `deadline` (at once if it has passed).
    pub async fn sleep_until(&mut self, deadline: Instant) -> io::Result<()> {
        use rustix::time::{Itimerspec, TimerfdTimerFlags, Timespec, timerfd_settime};
        let wait = deadline.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            return Ok(());
        }
        let once = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            // A zero value would disarm the timer; `wait` is at least a nanosecond.
            it_value: Timespec {
                tv_sec: wait.as_secs().try_into().unwrap_or(i64::MAX),
                tv_nsec: wait.subsec_nanos().into(),
            },
        };
        timerfd_settime(self.fd.get_ref(), TimerfdTimerFlags::empty(), &once)?;
        loop {
            let mut ready = self.fd.readable().await?;
            let mut expirations = [0u8; 8];
            match ready.try_io(|fd| Ok(rustix::io::read(fd.get_ref(), &mut expirations)?)) {
                Ok(read) => {
                    // Read, the one-shot timer stays unreadable until it is armed again:
                    // without this the next wait would learn that with a read of its own.
                    ready.clear_ready();
                    return read.map(drop);
                }
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl PreciseTimer {
    pub fn new() -> io::Result<PreciseTimer> {
        Ok(PreciseTimer {})
    }

    /// Waits until `deadline`, to tokio's millisecond.
    pub async fn sleep_until(&mut self, deadline: Instant) -> io::Result<()> {
        tokio::time::sleep_until(deadline.into()).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn sleeps_until_the_deadline_to_a_fraction_of_a_millisecond() {
        let mut timer = PreciseTimer::new().unwrap();
        let mut late = Vec::new();
        for _ in 0..50 {
            let deadline = Instant::now() + Duration::from_micros(300);
            timer.sleep_until(deadline).await.unwrap();
            let now = Instant::now();
            assert!(now >= deadline);
            late.push(now - deadline);
        }
        late.sort();
        // The median: a busy test machine may delay a few wake-ups, not most.
        assert!(late[25] < Duration::from_micros(900), "{late:?}");
        let passed = Instant::now() - Duration::from_millis(1);
        timer.sleep_until(passed).await.unwrap();
    }
}
