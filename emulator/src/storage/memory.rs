//! The in-memory database's file: fixed-size chunks, so that growing it allocates new chunks
//! outside the lock instead of reallocating one vector under it. redb's own
//! `InMemoryBackend` resizes a single `Vec<u8>` with its lock held for writing, which copies
//! and zero-fills the whole database while every reader waits: a profile of a loadgen run
//! with a few hundred MB in memory showed the storage writer doing that for about 0.35 s, and
//! every request of the process stalled with it.

use std::io;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use redb::StorageBackend;

/// Bytes per chunk.
const CHUNK: usize = 1 << 20;

#[derive(Debug, Default)]
pub struct ChunkedMemory {
    file: RwLock<File>,
}

#[derive(Debug, Default)]
struct File {
    len: usize,
    /// `len.div_ceil(CHUNK)` chunks; bytes past `len` are zero.
    chunks: Vec<Box<[u8]>>,
}

fn out_of_range() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "offset past the end of the file",
    )
}

fn zeroed_chunk() -> Box<[u8]> {
    vec![0; CHUNK].into_boxed_slice()
}

/// `offset` as an index, when `offset..offset + len` lies within a file of `file_len` bytes.
fn within(offset: u64, len: usize, file_len: usize) -> io::Result<usize> {
    let offset = usize::try_from(offset).map_err(|_| out_of_range())?;
    match offset.checked_add(len) {
        Some(end) if end <= file_len => Ok(offset),
        _ => Err(out_of_range()),
    }
}

/// The chunk-sized pieces of `offset..offset + len`: (chunk, start in it, length).
fn pieces(offset: usize, len: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    let mut at = offset;
    let end = offset + len;
    std::iter::from_fn(move || {
        (at < end).then(|| {
            let (chunk, start) = (at / CHUNK, at % CHUNK);
            let n = (CHUNK - start).min(end - at);
            at += n;
            (chunk, start, n)
        })
    })
}

impl ChunkedMemory {
    fn file(&self) -> RwLockReadGuard<'_, File> {
        self.file.read().unwrap_or_else(|e| e.into_inner())
    }

    fn file_mut(&self) -> RwLockWriteGuard<'_, File> {
        self.file.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl StorageBackend for ChunkedMemory {
    fn len(&self) -> io::Result<u64> {
        Ok(self.file().len as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        let file = self.file();
        let offset = within(offset, out.len(), file.len)?;
        let mut written = 0;
        for (chunk, start, n) in pieces(offset, out.len()) {
            out[written..written + n].copy_from_slice(&file.chunks[chunk][start..start + n]);
            written += n;
        }
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let len = usize::try_from(len).map_err(|_| out_of_range())?;
        let needed = len.div_ceil(CHUNK);
        let have = self.file().chunks.len();
        let mut fresh: Vec<Box<[u8]>> = (have..needed).map(|_| zeroed_chunk()).collect();
        let mut file = self.file_mut();
        if len < file.len {
            // Bytes cut off must read as zero if the file grows again: those in the last
            // chunk kept are cleared, the chunks after it dropped.
            file.chunks.truncate(needed);
            let kept_end = file.len.min(needed * CHUNK);
            for (chunk, start, n) in pieces(len, kept_end - len) {
                file.chunks[chunk][start..start + n].fill(0);
            }
        }
        while file.chunks.len() < needed {
            let chunk = fresh.pop().unwrap_or_else(zeroed_chunk);
            file.chunks.push(chunk);
        }
        file.len = len;
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut file = self.file_mut();
        let offset = within(offset, data.len(), file.len)?;
        let mut read = 0;
        for (chunk, start, n) in pieces(offset, data.len()) {
            file.chunks[chunk][start..start + n].copy_from_slice(&data[read..read + n]);
            read += n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(memory: &ChunkedMemory, offset: usize, len: usize) -> Vec<u8> {
        let mut out = vec![0xAA; len];
        memory.read(offset as u64, &mut out).expect("in range");
        out
    }

    #[test]
    fn writes_across_chunk_boundaries_read_back() {
        let memory = ChunkedMemory::default();
        memory.set_len(3 * CHUNK as u64).expect("grow");
        let data: Vec<u8> = (0..CHUNK + 10).map(|i| (i % 251) as u8).collect();
        memory.write((CHUNK - 5) as u64, &data).expect("in range");
        assert_eq!(read(&memory, CHUNK - 5, data.len()), data);
        assert_eq!(read(&memory, 0, 4), [0; 4]);
        assert_eq!(memory.len().expect("len"), 3 * CHUNK as u64);
    }

    #[test]
    fn past_the_end_is_an_error() {
        let memory = ChunkedMemory::default();
        memory.set_len(100).expect("grow");
        assert!(memory.write(90, &[1; 11]).is_err());
        assert!(memory.read(95, &mut [0; 6]).is_err());
        assert!(memory.read(u64::MAX, &mut [0; 1]).is_err());
        memory.write(90, &[1; 10]).expect("up to the end");
    }

    #[test]
    fn bytes_cut_off_come_back_as_zero() {
        let memory = ChunkedMemory::default();
        memory.set_len(2 * CHUNK as u64).expect("grow");
        memory
            .write(10, &vec![7; 2 * CHUNK - 10])
            .expect("in range");
        memory.set_len(20).expect("shrink");
        memory.set_len(2 * CHUNK as u64).expect("grow again");
        assert_eq!(read(&memory, 10, 10), [7; 10]);
        assert_eq!(read(&memory, 20, 2 * CHUNK - 20), vec![0; 2 * CHUNK - 20]);
    }
}
