//! The unique-key hashes of a file's loaded rows, kept in bounded memory: duplicates are found while the
//! file is read when the first copy is still held, and when the file ends otherwise.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

/// A set of key hashes (already hashes: they are not hashed again).
type KeySet = HashSet<u64, BuildHasherDefault<PassThroughHasher>>;

/// Keys known to repeat in a file, sorted, each with whether the current read has met it yet.
#[derive(Debug, Default)]
pub struct RepeatingKeys {
    keys: Vec<u64>,
    seen: Vec<bool>,
}

impl RepeatingKeys {
    fn from_unsorted(mut keys: Vec<u64>) -> Self {
        keys.sort_unstable();
        keys.dedup();
        let seen = vec![false; keys.len()];
        Self { keys, seen }
    }

    /// The keys, sorted.
    pub fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// Whether `key` repeats and an earlier copy was met (the first copy is marked met).
    fn is_later_copy(&mut self, key: u64) -> bool {
        if self.keys.is_empty() {
            return false;
        }
        match self.keys.binary_search(&key) {
            Ok(index) => std::mem::replace(&mut self.seen[index], true),
            Err(_) => false,
        }
    }
}

/// Hashes of the unique keys seen so far in a file. Recent ones are in a hash set, older ones merged into
/// one sorted vector (a hash set alone needs twice the memory), and past `held` keys the sorted vector goes
/// to a temporary file as a run, so memory does not grow with the file: only with its duplicate rows, by the
/// 8 bytes of each one's key (kept for a second read).
///
/// A key whose first copy is in memory is found a duplicate at once. One whose first copy went to disk is
/// not: when the file ends, merging the runs finds such keys (`repeats_missed`), the load's write is
/// abandoned, and the file is read again with every repeating key known (`expect_repeats`). So a second
/// read happens only for a file longer than memory holds keys whose copies lie further apart than that.
#[derive(Debug)]
pub struct SeenKeys {
    recent: KeySet,
    older: SortedKeys,
    /// Keys kept in memory (recent and older) before the older ones go to disk.
    held: usize,
    runs: Vec<Run>,
    /// The key of every duplicate found while reading, for a second read should one be needed: run
    /// boundaries fall elsewhere in a read that rejects more rows, so every repeating key must be known.
    repeated: Vec<u64>,
    /// Keys known to repeat, from a first read.
    expected: RepeatingKeys,
}

impl Default for SeenKeys {
    fn default() -> Self {
        Self::holding(Self::HELD)
    }
}

impl SeenKeys {
    /// Keys held in memory by default: about 11 MB (8 sorted, 2.5 in the recent set), whatever the file's
    /// length; a longer file with a repeat further apart than this is read twice. (2M keys left 50M-row
    /// ingests at 245-268 MB peak RSS, around the 250 MB the ingest is meant to stay within.)
    pub const HELD: usize = 1 << 20;

    /// A set that holds `held` keys in memory (at least 8) before writing the older ones to disk.
    pub fn holding(held: usize) -> Self {
        let held = held.max(8);
        Self {
            recent: KeySet::default(),
            older: SortedKeys::default(),
            held,
            runs: Vec::new(),
            repeated: Vec::new(),
            expected: RepeatingKeys::default(),
        }
    }

    /// Keys known to repeat in the file (from `repeats_missed` of a first read): the first copy of each
    /// is kept and every later one is a duplicate, wherever it lies.
    pub fn expect_repeats(&mut self, keys: RepeatingKeys) {
        self.expected = keys;
    }

    /// Recent keys are merged into the sorted ones this many at a time.
    fn recent_limit(&self) -> usize {
        self.held / 8
    }

    /// Adds `keys` in order; returns the positions of those seen before (earlier in `keys` included).
    pub fn insert_all(&mut self, keys: &[u64]) -> io::Result<Vec<usize>> {
        let mut duplicates = Vec::new();
        for (group_index, group) in keys.chunks(SortedKeys::GROUP).enumerate() {
            let in_older = self.older.contains_group(group);
            for (offset, key) in group.iter().enumerate() {
                let expected_again = self.expected.is_later_copy(*key);
                if in_older[offset] || expected_again || !self.recent.insert(*key) {
                    duplicates.push(group_index * SortedKeys::GROUP + offset);
                    self.repeated.push(*key);
                }
            }
            // Between groups only: `in_older` was read before the group's keys were inserted.
            if self.recent.len() >= self.recent_limit() {
                let mut chunk: Vec<u64> = self.recent.drain().collect();
                chunk.sort_unstable();
                if self.older.keys.len() + chunk.len() > self.held {
                    self.runs.push(Run::write(&self.older.keys)?);
                    // Emptied, not freed: the next run fills the same memory.
                    self.older.keys.clear();
                }
                self.older.merge(&chunk);
            }
        }
        Ok(duplicates)
    }

    /// After the last row: `None` when every duplicate was found as it came, else every key that
    /// repeats in the file, for a second read (`expect_repeats`). A key in two runs repeated unseen,
    /// since each run holds a key once.
    pub fn repeats_missed(&mut self) -> io::Result<Option<RepeatingKeys>> {
        if self.runs.is_empty() {
            return Ok(None);
        }
        // The recent keys join the sorted ones in place: a copy of both would be the largest allocation of
        // the whole load.
        let mut recent: Vec<u64> = self.recent.drain().collect();
        recent.sort_unstable();
        self.older.merge(&recent);
        drop(recent);
        let mut sources: Vec<Box<dyn Iterator<Item = io::Result<u64>> + '_>> = Vec::with_capacity(self.runs.len() + 1);
        for run in &mut self.runs {
            sources.push(Box::new(run.read()?));
        }
        sources.push(Box::new(self.older.keys.iter().copied().map(Ok)));
        let mut heads = BinaryHeap::new();
        for (index, source) in sources.iter_mut().enumerate() {
            if let Some(key) = source.next().transpose()? {
                heads.push(Reverse((key, index)));
            }
        }
        let mut missed = Vec::new();
        let mut previous = None;
        while let Some(Reverse((key, index))) = heads.pop() {
            if previous == Some(key) {
                missed.push(key);
            }
            previous = Some(key);
            if let Some(next) = sources[index].next().transpose()? {
                heads.push(Reverse((next, index)));
            }
        }
        if missed.is_empty() {
            return Ok(None);
        }
        missed.append(&mut self.repeated);
        Ok(Some(RepeatingKeys::from_unsorted(missed)))
    }
}

/// Sorted keys written to an anonymous temporary file (removed when dropped).
#[derive(Debug)]
struct Run {
    file: File,
    len: usize,
}

impl Run {
    fn write(keys: &[u64]) -> io::Result<Self> {
        let mut out = BufWriter::with_capacity(1 << 16, tempfile::tempfile()?);
        for key in keys {
            out.write_all(&key.to_le_bytes())?;
        }
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        Ok(Self { file, len: keys.len() })
    }

    fn read(&mut self) -> io::Result<impl Iterator<Item = io::Result<u64>> + '_> {
        self.file.rewind()?;
        let mut input = BufReader::with_capacity(1 << 16, &self.file);
        Ok((0..self.len).map(move |_| {
            let mut bytes = [0; 8];
            input.read_exact(&mut bytes)?;
            Ok(u64::from_le_bytes(bytes))
        }))
    }
}

/// Sorted key hashes, with an index of where the keys of each value of the leading bits start. A lookup
/// reads one entry of the index (a quarter of a byte per key, so it stays in cache) and searches the few
/// keys of one bucket, which lie together. Searching the whole vector, even by interpolation, probed three
/// or four places pages apart, each a cache and TLB miss: at 10M rows, most of the converter's time.
#[derive(Debug, Default)]
struct SortedKeys {
    keys: Vec<u64>,
    /// `starts[b]..starts[b + 1]`: the keys whose leading bits are `b`.
    starts: Vec<usize>,
    /// `key >> shift` is the key's bucket.
    shift: u32,
}

impl SortedKeys {
    const KEYS_PER_BUCKET: usize = 32;
    /// Keys looked up together.
    const GROUP: usize = 8;

    /// Whether each of up to `GROUP` keys is present. The group's buckets are read before any is searched:
    /// each read is a miss to memory, and issued together they overlap; a search at a time waited for one
    /// miss after another (at 10M rows most of the converter thread's time). Safe Rust has no prefetch.
    fn contains_group(&self, group: &[u64]) -> [bool; Self::GROUP] {
        let mut found = [false; Self::GROUP];
        if self.keys.is_empty() {
            return found;
        }
        let mut buckets = [(0, 0); Self::GROUP];
        for (bucket, key) in buckets.iter_mut().zip(group) {
            // Below `starts.len() - 1` by construction: 2^(64 - shift) buckets.
            let index = (key >> self.shift) as usize;
            *bucket = (self.starts[index], self.starts[index + 1]);
        }
        let mut touched = 0u64;
        for &(start, end) in &buckets[..group.len()] {
            // One read per cache line of the bucket (eight keys).
            touched ^= self.keys[start..end].iter().step_by(8).fold(0, |acc, key| acc ^ key);
        }
        std::hint::black_box(touched);
        for ((found, &(start, end)), key) in found.iter_mut().zip(&buckets).zip(group) {
            *found = self.keys[start..end].binary_search(key).is_ok();
        }
        found
    }

    /// Adds sorted `chunk` and indexes the buckets again (linear, like the merge).
    fn merge(&mut self, chunk: &[u64]) {
        merge_sorted(&mut self.keys, chunk);
        // At least two buckets, so the shift stays below 64.
        let buckets = (self.keys.len() / Self::KEYS_PER_BUCKET).next_power_of_two().max(2);
        self.shift = 64 - buckets.trailing_zeros();
        // Refilled in place: a fresh index at every merge left freed blocks of every size behind.
        let mut starts = std::mem::take(&mut self.starts);
        starts.clear();
        starts.reserve_exact(buckets + 1);
        let mut index = 0;
        for bucket in 0..buckets as u64 {
            while index < self.keys.len() && self.keys[index] >> self.shift < bucket {
                index += 1;
            }
            starts.push(index);
        }
        starts.push(self.keys.len());
        self.starts = starts;
    }
}

/// Merges sorted `chunk` into sorted `into` in place, from the back, in linear time.
fn merge_sorted(into: &mut Vec<u64>, chunk: &[u64]) {
    let old = into.len();
    // Exactly: doubling the capacity would hold up to twice the memory the keys need.
    into.reserve_exact(chunk.len());
    into.resize(old + chunk.len(), 0);
    let (mut i, mut j, mut k) = (old, chunk.len(), old + chunk.len());
    while j > 0 {
        k -= 1;
        if i > 0 && into[i - 1] > chunk[j - 1] {
            into[k] = into[i - 1];
            i -= 1;
        } else {
            into[k] = chunk[j - 1];
            j -= 1;
        }
    }
}

/// The keys are already hashes: the set uses them as they are.
#[derive(Default)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl std::fmt::Debug for PassThroughHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PassThroughHasher")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(seen: &mut SeenKeys, keys: &[u64]) -> Vec<usize> {
        seen.insert_all(keys).expect("runs written to temporary files")
    }

    fn spread(i: u64) -> u64 {
        i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    #[test]
    fn seen_keys_find_duplicates_across_merged_chunks() {
        let mut seen = SeenKeys::default();
        let limit = seen.recent_limit();
        let keys: Vec<u64> = (0..(limit as u64 * 2 + 10)).map(spread).collect();
        assert!(insert(&mut seen, &keys).is_empty(), "all new");
        assert!(seen.older.keys.windows(2).all(|w| w[0] < w[1]), "merged runs stay sorted");
        assert_eq!(insert(&mut seen, &[keys[0], 1, keys[keys.len() - 1]]), [0, 2], "old and recent keys are both found");
        let again: Vec<u64> = keys.iter().step_by(97).copied().collect();
        assert_eq!(insert(&mut seen, &again).len(), again.len(), "every key is found again");
        assert!(seen.runs.is_empty() && seen.repeats_missed().expect("runs read back").is_none(), "all in memory: nothing missed");
        // A key repeated within one call, across a merge of the recent keys: the later one is the duplicate.
        let mut fresh = SeenKeys::default();
        let mut run: Vec<u64> = (1..=limit as u64 + 3).map(|i| i.wrapping_mul(0xD6E8_FEB8_6659_FD93)).collect();
        run.push(run[limit - 1]);
        run.push(run[5]);
        assert_eq!(insert(&mut fresh, &run), [limit + 3, limit + 4]);
    }

    /// The positions a set with unbounded memory calls duplicates.
    fn duplicates_in(keys: &[u64]) -> Vec<usize> {
        let mut seen = HashSet::new();
        (0..keys.len()).filter(|&i| !seen.insert(keys[i])).collect()
    }

    #[test]
    fn repeats_beyond_memory_are_missed_then_found_by_a_second_read() {
        // 10 000 keys through a set holding 64: copies 5 000 apart went to disk, copies 3 apart did not.
        let mut keys: Vec<u64> = (0..10_000).map(spread).collect();
        keys[7_000] = keys[2_000];
        keys[9_999] = keys[2_000];
        keys[4_003] = keys[4_000];
        keys[8_500] = keys[100];
        let expected = duplicates_in(&keys);
        assert_eq!(expected, [4_003, 7_000, 8_500, 9_999]);

        let mut first = SeenKeys::holding(64);
        let found: Vec<usize> = keys.chunks(1_000).enumerate().flat_map(|(c, chunk)| {
            insert(&mut first, chunk).into_iter().map(move |i| c * 1_000 + i)
        }).collect();
        assert_eq!(found, [4_003], "only the near copy is found while reading");
        assert!(first.runs.len() > 100, "older keys went to disk: {} runs", first.runs.len());
        let repeating = first.repeats_missed().expect("runs read back").expect("the far copies are missed");
        let mut want = vec![keys[2_000], keys[4_000], keys[100]];
        want.sort_unstable();
        assert_eq!(repeating.keys(), want, "every repeating key, the near one too");

        let mut second = SeenKeys::holding(64);
        second.expect_repeats(repeating);
        let found: Vec<usize> = keys.chunks(1_000).enumerate().flat_map(|(c, chunk)| {
            insert(&mut second, chunk).into_iter().map(move |i| c * 1_000 + i)
        }).collect();
        assert_eq!(found, expected, "the second read finds what unbounded memory would");
        assert!(second.repeats_missed().expect("runs read back").is_none(), "and misses nothing");
    }

    #[test]
    fn random_keys_with_repeats_match_unbounded_memory_in_at_most_two_reads() {
        // Keys from a small range, so repeats come near and far; several sizes of memory.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let keys: Vec<u64> = (0..20_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                spread(state % 15_000)
            })
            .collect();
        let expected = duplicates_in(&keys);
        // At least 64 held: each run is an open file, and 8 would open thousands.
        let mut second_reads = Vec::new();
        for held in [64, 100, 4_096, 100_000] {
            let read = |seen: &mut SeenKeys| -> Vec<usize> {
                keys.chunks(777).enumerate().flat_map(|(c, chunk)| insert(seen, chunk).into_iter().map(move |i| c * 777 + i)).collect::<Vec<_>>()
            };
            let mut first = SeenKeys::holding(held);
            let found = read(&mut first);
            match first.repeats_missed().expect("runs read back") {
                None => assert_eq!(found, expected, "held {held}: one read"),
                Some(repeating) => {
                    second_reads.push(held);
                    let mut second = SeenKeys::holding(held);
                    second.expect_repeats(repeating);
                    assert_eq!(read(&mut second), expected, "held {held}: second read");
                    assert!(second.repeats_missed().expect("runs read back").is_none(), "held {held}: no third read");
                }
            }
        }
        assert_eq!(second_reads, [64, 100, 4_096], "memories smaller than the file read twice, a larger one once");
    }

    fn contains(keys: &SortedKeys, key: u64) -> bool {
        keys.contains_group(&[key])[0]
    }

    #[test]
    fn sorted_keys_are_found_in_their_bucket_and_uneven_ones_still_are() {
        let mut spread_keys = SortedKeys::default();
        assert!(!contains(&spread_keys, 7), "nothing is in an empty set");
        let mut keys: Vec<u64> = (1..100_000u64).map(spread).collect();
        keys.sort_unstable();
        spread_keys.merge(&keys[..50_000]);
        spread_keys.merge(&keys[50_000..]);
        assert!(keys.iter().all(|k| contains(&spread_keys, *k)), "every key, across two merges");
        assert!(!contains(&spread_keys, 0) && !contains(&spread_keys, keys[500] + 1) && !contains(&spread_keys, u64::MAX));
        assert_eq!(spread_keys.starts.len(), (keys.len() / SortedKeys::KEYS_PER_BUCKET).next_power_of_two() + 1);
        // Cubes crowd the lowest buckets: those buckets are long, and a lookup still finds every key.
        let mut uneven = SortedKeys::default();
        let cubes: Vec<u64> = (0..50_000u64).map(|i| i * i * i).collect();
        uneven.merge(&cubes);
        assert!(cubes.iter().all(|k| contains(&uneven, *k)));
        assert!(!contains(&uneven, 8 * 8 * 8 + 1) && !contains(&uneven, u64::MAX));
    }
}
