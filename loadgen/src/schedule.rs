//! The open-loop schedule: every operation's intended start, fixed in advance by the arrival
//! process and the seed, whatever the system under test does. Latency is measured from the
//! intended start, so a stalled server is charged for every operation it delayed
//! (no coordinated omission, as in wrk2).

use std::time::Duration;

use rand::Rng;

use crate::scenario::Arrival;

/// Intended start offsets from the run's start, in order.
#[derive(Debug, Clone)]
pub struct Schedule {
    arrival: Arrival,
    next: Duration,
    count: u64,
}

impl Schedule {
    pub fn new(arrival: Arrival) -> Schedule {
        Schedule {
            arrival,
            next: Duration::ZERO,
            count: 0,
        }
    }

    /// The next intended start.
    pub fn next(&mut self, rng: &mut impl Rng) -> Duration {
        let at = self.next;
        self.count += 1;
        self.next = match self.arrival {
            // Computed from the count, not accumulated, so rounding never drifts.
            Arrival::Constant { rate } => Duration::from_secs_f64(self.count as f64 / rate),
            Arrival::Poisson { rate } => {
                // Inverse transform of the exponential distribution; 1 - u is in (0, 1].
                let u: f64 = rng.random();
                self.next + Duration::from_secs_f64(-(1.0 - u).ln() / rate)
            }
        };
        at
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use super::*;

    #[test]
    fn constant_arrivals_are_evenly_spaced_without_drift() {
        let mut rng = SmallRng::seed_from_u64(1);
        let mut s = Schedule::new(Arrival::Constant { rate: 3.0 });
        let starts: Vec<Duration> = (0..4).map(|_| s.next(&mut rng)).collect();
        assert_eq!(starts[0], Duration::ZERO);
        assert_eq!(starts[3], Duration::from_secs(1));
        for _ in 0..2_999_996 {
            s.next(&mut rng);
        }
        assert_eq!(s.next(&mut rng), Duration::from_secs(1_000_000));
    }

    #[test]
    fn poisson_arrivals_keep_the_rate_and_the_spread() {
        let mut rng = SmallRng::seed_from_u64(2);
        let mut s = Schedule::new(Arrival::Poisson { rate: 1000.0 });
        let mut last = Duration::ZERO;
        let mut gaps = Vec::new();
        for _ in 0..100_000 {
            let at = s.next(&mut rng);
            gaps.push((at - last).as_secs_f64());
            last = at;
        }
        // 100,000 arrivals at 1000/s take 100 s (± about 1 s at 3 standard deviations).
        assert!((99.0..101.0).contains(&last.as_secs_f64()), "{last:?}");
        // Exponential gaps: the standard deviation equals the mean.
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
        assert!((var.sqrt() / mean - 1.0).abs() < 0.03);
    }
}
