//! Key choice: which of `n` keys (users) an operation touches, from a seeded generator so
//! that `--seed` repeats a run's keys exactly.

use rand::Rng;

use crate::scenario::KeyDistribution;

/// Draws key indexes in `0..n`.
#[derive(Debug, Clone)]
pub struct KeyChooser {
    n: u64,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Uniform,
    Zipfian(Zipfian),
    /// Zipfian ranks counted from the last key: the newest keys are the hottest.
    Latest(Zipfian),
    Hotspot {
        hot: u64,
        share: f64,
    },
}

impl KeyChooser {
    pub fn new(distribution: KeyDistribution, n: u64) -> KeyChooser {
        let n = n.max(1);
        let kind = match distribution {
            KeyDistribution::Uniform => Kind::Uniform,
            KeyDistribution::Zipfian { theta } => Kind::Zipfian(Zipfian::new(n, theta)),
            KeyDistribution::Latest { theta } => Kind::Latest(Zipfian::new(n, theta)),
            KeyDistribution::Hotspot { fraction, share } => Kind::Hotspot {
                hot: ((n as f64 * fraction).ceil() as u64).clamp(1, n),
                share,
            },
        };
        KeyChooser { n, kind }
    }

    pub fn next(&self, rng: &mut impl Rng) -> u64 {
        match &self.kind {
            Kind::Uniform => rng.random_range(0..self.n),
            Kind::Zipfian(z) => z.sample(rng),
            Kind::Latest(z) => self.n - 1 - z.sample(rng),
            Kind::Hotspot { hot, share } => {
                if *hot == self.n || rng.random::<f64>() < *share {
                    rng.random_range(0..*hot)
                } else {
                    rng.random_range(*hot..self.n)
                }
            }
        }
    }
}

/// The zipfian generator of Gray et al. ("Quickly generating billion-record synthetic
/// databases", 1994), as YCSB uses it: rank `i` (from 0) is drawn with probability
/// proportional to 1 / (i + 1)^theta, in constant time per draw after an O(n) set-up.
#[derive(Debug, Clone)]
struct Zipfian {
    n: u64,
    theta: f64,
    alpha: f64,
    zeta_n: f64,
    eta: f64,
}

impl Zipfian {
    fn new(n: u64, theta: f64) -> Zipfian {
        let zeta = |count: u64| {
            (1..=count)
                .map(|i| 1.0 / (i as f64).powf(theta))
                .sum::<f64>()
        };
        let zeta_n = zeta(n);
        let zeta_2 = zeta(2.min(n));
        let eta = if n <= 2 {
            0.0
        } else {
            (1.0 - (2.0 / n as f64).powf(1.0 - theta)) / (1.0 - zeta_2 / zeta_n)
        };
        Zipfian {
            n,
            theta,
            alpha: 1.0 / (1.0 - theta),
            zeta_n,
            eta,
        }
    }

    fn sample(&self, rng: &mut impl Rng) -> u64 {
        let u: f64 = rng.random();
        let uz = u * self.zeta_n;
        if uz < 1.0 {
            return 0;
        }
        if uz < 1.0 + 0.5f64.powf(self.theta) {
            return 1.min(self.n - 1);
        }
        let rank = (self.n as f64 * (self.eta * u - self.eta + 1.0).powf(self.alpha)) as u64;
        rank.min(self.n - 1)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    use super::*;

    fn histogram(chooser: &KeyChooser, n: usize, draws: usize) -> Vec<u64> {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut counts = vec![0u64; n];
        for _ in 0..draws {
            counts[chooser.next(&mut rng) as usize] += 1;
        }
        counts
    }

    #[test]
    fn uniform_keys_spread_evenly() {
        let counts = histogram(&KeyChooser::new(KeyDistribution::Uniform, 10), 10, 100_000);
        for c in counts {
            // Expected 10,000 each; 5 standard deviations is about ±475.
            assert!((9_500..=10_500).contains(&c), "{c}");
        }
    }

    #[test]
    fn zipfian_frequencies_follow_the_power_law() {
        let n = 100;
        let theta = 0.99;
        let draws = 400_000;
        let counts = histogram(
            &KeyChooser::new(KeyDistribution::Zipfian { theta }, n as u64),
            n,
            draws,
        );
        let zeta: f64 = (1..=n).map(|i| 1.0 / (i as f64).powf(theta)).sum();
        for rank in [0usize, 1, 2, 9, 49] {
            let expected = draws as f64 / ((rank + 1) as f64).powf(theta) / zeta;
            let got = counts[rank] as f64;
            // The generator approximates the law; within 15% for these ranks.
            assert!(
                (got - expected).abs() / expected < 0.15,
                "rank {rank}: {got} vs {expected:.0}"
            );
        }
        assert!(counts[0] > counts[10] && counts[10] > counts[90]);
    }

    #[test]
    fn latest_makes_the_last_keys_hot_and_hotspot_keeps_its_share() {
        let latest = histogram(
            &KeyChooser::new(KeyDistribution::Latest { theta: 0.9 }, 50),
            50,
            50_000,
        );
        assert!(latest[49] > latest[0] * 5);
        let hotspot = histogram(
            &KeyChooser::new(
                KeyDistribution::Hotspot {
                    fraction: 0.1,
                    share: 0.9,
                },
                100,
            ),
            100,
            100_000,
        );
        let hot: u64 = hotspot[..10].iter().sum();
        // Expected 90,000; 5 standard deviations is about ±475.
        assert!((89_500..=90_500).contains(&hot), "{hot}");
    }

    #[test]
    fn a_seed_repeats_the_keys() {
        let chooser = KeyChooser::new(KeyDistribution::Zipfian { theta: 0.8 }, 1000);
        let draw = |seed| {
            let mut rng = SmallRng::seed_from_u64(seed);
            (0..20).map(|_| chooser.next(&mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }
}
