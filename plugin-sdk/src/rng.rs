//! Deterministic randomness for rules.
//!
//! Rules may not use the system's random source: a replay of a game must roll
//! the same dice. Every random draw comes from a [`Rng`] seeded by the host
//! (the game's seed at setup, the move's `entropy` afterwards).

/// A small, fast, deterministic generator (SplitMix64).
///
/// Good enough for dice and shuffles; not for cryptography.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose draws are a function of `seed` alone.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `0..bound` (`bound` must be at least 1), without
    /// modulo bias.
    pub fn below(&mut self, bound: u64) -> u64 {
        let bound = bound.max(1);
        // Reject the top partial range so every residue is equally likely.
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let draw = self.next_u64();
            if draw < zone {
                return draw % bound;
            }
        }
    }

    /// A die roll: `1..=sides`.
    pub fn roll(&mut self, sides: u32) -> u32 {
        // `below` returns less than `sides`, so the cast cannot truncate.
        self.below(u64::from(sides)) as u32 + 1
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let draws_a: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let draws_b: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(draws_a, draws_b);
        assert_ne!(Rng::new(8).next_u64(), draws_a[0]);
    }

    #[test]
    fn rolls_stay_in_range_and_cover_every_face() {
        let mut rng = Rng::new(1);
        let mut seen = [false; 6];
        for _ in 0..600 {
            let face = rng.roll(6);
            assert!((1..=6).contains(&face));
            seen[face as usize - 1] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    /// The TypeScript SDK (plugin-sdk/js) tests itself against the same
    /// file: the same seed gives the same numbers in both languages.
    #[test]
    fn draws_match_the_shared_vectors() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../js/test/rng-vectors.json")).unwrap();
        let vectors = vectors.as_array().unwrap();
        assert!(vectors.len() >= 5);
        for v in vectors {
            let seed: u64 = v["seed"].as_str().unwrap().parse().unwrap();
            let mut rng = Rng::new(seed);
            for expected in v["nextU64"].as_array().unwrap() {
                assert_eq!(
                    rng.next_u64().to_string(),
                    expected.as_str().unwrap(),
                    "seed {seed}"
                );
            }
            let mut rng = Rng::new(seed);
            let bounds = v["below"]["bounds"].as_array().unwrap();
            let draws = v["below"]["draws"].as_array().unwrap();
            for (bound, draw) in bounds.iter().zip(draws) {
                assert_eq!(
                    Some(rng.below(bound.as_u64().unwrap())),
                    draw.as_u64(),
                    "seed {seed}"
                );
            }
            let mut items: Vec<u64> = (0..10).collect();
            Rng::new(seed).shuffle(&mut items);
            let expected: Vec<u64> = v["shuffle10"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|n| n.as_u64())
                .collect();
            assert_eq!(items, expected, "seed {seed}");
        }
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut items: Vec<u32> = (0..20).collect();
        Rng::new(3).shuffle(&mut items);
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
        assert_ne!(items, sorted);
    }
}
