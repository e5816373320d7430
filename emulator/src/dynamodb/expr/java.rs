//! The iteration order of Java's `HashMap`, which decides the order of names in some of the
//! service's messages (unused placeholders, the second path of an overlap error).
//!
//! A `HashMap` with capacity `c` (a power of two) keeps an entry in bucket
//! `(h ^ (h >>> 16)) & (c - 1)` and iterates buckets in order, each bucket in insertion
//! order (resizing keeps that relative order).

/// `String.hashCode()`: over UTF-16 code units, wrapping.
pub(crate) fn string_hash(s: &str) -> u32 {
    let mut h: u32 = 0;
    for unit in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(u32::from(unit));
    }
    h
}

/// The bucket of a key with hash `h` in a table of `capacity` buckets.
pub(crate) fn bucket(h: u32, capacity: usize) -> usize {
    ((h ^ (h >> 16)) as usize) & (capacity - 1)
}

/// Capacity of a `HashMap` that had `n` entries put into it one by one (default capacity
/// 16, doubled whenever the size exceeds three quarters of it).
pub(crate) fn grown_capacity(n: usize) -> usize {
    let mut capacity = 16;
    while n * 4 > capacity * 3 {
        capacity *= 2;
    }
    capacity
}

/// Capacity of a `HashSet` copied from a collection of `n` elements:
/// `max((int) (n / .75f) + 1, 16)` rounded up to a power of two.
pub(crate) fn copied_capacity(n: usize) -> usize {
    let wanted = (n as f32 / 0.75f32) as usize + 1;
    wanted.max(16).next_power_of_two()
}

/// Sorts `keys` (in insertion order) into the order a `HashMap` of `capacity` iterates them.
pub(crate) fn sort_in_hash_order<T>(keys: &mut [T], capacity: usize, hash: impl Fn(&T) -> u32) {
    // A stable sort keeps insertion order within a bucket.
    keys.sort_by_key(|k| bucket(hash(k), capacity));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_as_java_does() {
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("a"), 97);
        assert_eq!(string_hash(":bad"), 1_825_163);
        // "é" is one UTF-16 unit; "😀" two.
        assert_eq!(string_hash("é"), 0xE9);
        assert_eq!(string_hash("😀"), 0xD83D * 31 + 0xDE00);
        assert_eq!(string_hash("polygenelubricants"), i32::MIN as u32);
    }

    #[test]
    fn capacities() {
        assert_eq!(grown_capacity(0), 16);
        assert_eq!(grown_capacity(12), 16);
        assert_eq!(grown_capacity(13), 32);
        assert_eq!(copied_capacity(11), 16);
        assert_eq!(copied_capacity(12), 32);
        assert_eq!(copied_capacity(24), 64);
        assert_eq!(copied_capacity(30), 64);
    }

    #[test]
    fn unused_value_order_of_dynamodb_local() {
        // DynamoDB Local listed these unused values as {:bad, :l, :n, :b, :s, :t}.
        let mut keys = vec![":s", ":n", ":b", ":l", ":t", ":bad"];
        sort_in_hash_order(&mut keys, 16, |k| string_hash(k));
        assert_eq!(keys, [":bad", ":l", ":n", ":b", ":s", ":t"]);
    }
}
