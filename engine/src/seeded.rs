// Seeded pseudo-random numbers for the property tests (Knuth's MMIX linear congruential generator): the same
// sequence on every run, no crate needed.

/// A generator of numbers below `n`, from `seed`.
pub fn seeded(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |n| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    }
}
