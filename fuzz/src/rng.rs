//! A small deterministic random number generator.
//!
//! Every input of a run is a pure function of the run's seed and the
//! input's index ([`Rng::for_input`]), so a finding can be regenerated from
//! two numbers and two workers never need to agree on shared state. The
//! generator is SplitMix64: one multiply-xorshift round per number, good
//! enough statistics for picking grammar productions, and no dependency.

/// A SplitMix64 stream.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A stream starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The stream of input `index` of a run with `seed`: the two are mixed
    /// so that neighbouring indices give unrelated streams.
    pub fn for_input(seed: u64, index: u64) -> Rng {
        let mut mixer = Rng::new(seed ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03));
        Rng::new(mixer.next_u64() ^ index)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is `0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for n far below 2^64.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high.saturating_sub(low).saturating_add(1))
    }

    /// True with probability `numerator / denominator`.
    pub fn chance(&mut self, numerator: usize, denominator: usize) -> bool {
        self.below(denominator) < numerator
    }

    /// One element of a non-empty slice of small values.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// One element of a non-empty slice, borrowed.
    pub fn pick_ref<'s, T>(&mut self, items: &'s [T]) -> &'s T {
        &items[self.below(items.len())]
    }

    /// A size between 1 and `max` whose logarithm is uniform: small sizes
    /// are common, and every order of magnitude up to `max` is reached.
    pub fn log_size(&mut self, max: usize) -> usize {
        let bits = usize::BITS - max.max(1).leading_zeros();
        let bound = 1usize << self.below(bits as usize + 1).min(usize::BITS as usize - 1);
        self.between(1, bound.min(max).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct_per_index() {
        let a: Vec<u64> = (0..4)
            .map(|_| Rng::for_input(7, 3))
            .map(|mut r| r.next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::for_input(7, 3).next_u64(),
            Rng::for_input(7, 4).next_u64()
        );
        assert_ne!(
            Rng::for_input(7, 3).next_u64(),
            Rng::for_input(8, 3).next_u64()
        );
    }

    #[test]
    fn ranges_are_respected() {
        let mut rng = Rng::new(1);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            let n = rng.between(3, 5);
            assert!((3..=5).contains(&n));
            let size = rng.log_size(1000);
            assert!((1..=1000).contains(&size));
        }
        assert_eq!(rng.below(0), 0);
    }
}
