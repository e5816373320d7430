//! A background thread that runs a round of work every interval until stopped: what the TTL
//! sweeper, the Timestream retention sweeper and the stream retention sweeper share.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// The running thread.
pub struct PeriodicThread {
    name: &'static str,
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl PeriodicThread {
    /// Runs `round` every `interval` on a thread called `name`; `round` is given a function
    /// that tells whether a stop was asked, to end a long round early.
    pub fn start(
        name: &'static str,
        interval: Duration,
        mut round: impl FnMut(&dyn Fn() -> bool) + Send + 'static,
    ) -> PeriodicThread {
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    round(&|| !matches!(stopped.try_recv(), Err(mpsc::TryRecvError::Empty)));
                }
            })
            .unwrap_or_else(|e| panic!("spawning the {name} thread: {e}"));
        PeriodicThread { name, stop, thread }
    }

    /// Stops the thread after its current round's step, and waits for it.
    pub fn stop(self) {
        let PeriodicThread { name, stop, thread } = self;
        let _ = stop.send(());
        // A round that is running takes the message to end early; the closed channel then
        // ends the wait that follows it, which would otherwise last a whole interval.
        drop(stop);
        if thread.join().is_err() {
            tracing::error!("the {name} thread panicked");
        }
    }
}
