//! The write-ahead log, `<data-dir>/drydock.wal`, of a durable on-disk store.
//!
//! redb's durable commit rewrites dozens of scattered pages and costs about a millisecond of
//! fsync. With a WAL the writer commits each batch to redb without fsync and instead appends
//! the batch's physical records to this file, fdatasyncs it (one short sequential write) and
//! only then answers. A checkpoint (a durable redb commit that also stores the last applied
//! sequence in `meta` under `wal.checkpoint_seq`) makes the log's contents redundant, and the
//! log is emptied (see [`Wal`]). After a crash, redb reopens at its last durable commit and
//! [`recover`] replays every intact record newer than the checkpoint.
//!
//! Frame: `len: u32 LE` ‖ `crc32(payload): u32 LE` ‖ payload, where payload =
//! `seq: u64 LE` ‖ ops. One frame per batch, sequences increasing by one. Op: `code: u8` ‖
//! `schema: u8` ‖ `name_len: u16 LE` ‖ name ‖ (put, remove) `key_len: u32 LE` ‖ key ‖ (put)
//! `value_len: u32 LE` ‖ value. Ops are physical, so replaying one twice is harmless.
//! Reading stops at the first frame that is short or fails its checksum: its batch was
//! never acknowledged (its fsync had not returned), and nothing after it was written.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, TableDefinition, WriteTransaction};

use super::StorageError;
use super::tables::META;

/// The `meta` key holding the sequence of the last batch a durable commit contains.
pub const CHECKPOINT_KEY: &str = "wal.checkpoint_seq";

pub const SCHEMA_STR_BYTES: u8 = 0;
pub const SCHEMA_STR_U64: u8 = 1;
pub const SCHEMA_BYTES_BYTES: u8 = 2;

const FRAME_HEADER: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum OpCode {
    Put = 1,
    Remove = 2,
    Create = 3,
    Drop = 4,
}

/// Appends one op to a batch's journal.
pub fn encode_op(out: &mut Vec<u8>, op: OpCode, schema: u8, name: &str, key: &[u8], value: &[u8]) {
    out.push(op as u8);
    out.push(schema);
    let name_len = u16::try_from(name.len()).expect("table names are short");
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    if matches!(op, OpCode::Put | OpCode::Remove) {
        put_bytes(out, key);
    }
    if op == OpCode::Put {
        put_bytes(out, value);
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).expect("records are far below 4 GiB");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Frames one batch's journal.
pub fn encode_frame(seq: u64, ops: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(FRAME_HEADER + 8 + ops.len());
    let len = u32::try_from(8 + ops.len()).expect("a batch journal is below 4 GiB");
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(&[0; 4]);
    frame.extend_from_slice(&seq.to_le_bytes());
    frame.extend_from_slice(ops);
    let crc = crc32fast::hash(&frame[FRAME_HEADER..]);
    frame[4..8].copy_from_slice(&crc.to_le_bytes());
    frame
}

/// The intact frames at the start of `bytes`, as (sequence, ops); stops at the first torn
/// or corrupt one.
pub fn decode_frames(bytes: &[u8]) -> Vec<(u64, &[u8])> {
    let mut frames = Vec::new();
    let mut rest = bytes;
    while let Some((header, body)) = rest.split_first_chunk::<FRAME_HEADER>() {
        let len = u32::from_le_bytes(header[..4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
        if len < 8 || body.len() < len {
            break;
        }
        let payload = &body[..len];
        if crc32fast::hash(payload) != crc {
            break;
        }
        let seq = u64::from_le_bytes(payload[..8].try_into().expect("8 bytes"));
        frames.push((seq, &payload[8..]));
        rest = &body[len..];
    }
    frames
}

fn corrupt(what: &str) -> StorageError {
    StorageError(redb::Error::Io(std::io::Error::other(format!(
        "write-ahead log: {what}"
    ))))
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StorageError> {
        if self.0.len() < n {
            return Err(corrupt("an op is cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, StorageError> {
        Ok(self.take(1)?[0])
    }
    fn bytes(&mut self) -> Result<&'a [u8], StorageError> {
        let len = u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")) as usize;
        self.take(len)
    }
}

/// Applies one batch's ops to `txn` (recovery).
pub fn apply(txn: &WriteTransaction, ops: &[u8]) -> Result<(), StorageError> {
    let mut r = Reader(ops);
    while !r.0.is_empty() {
        let code = r.u8()?;
        let schema = r.u8()?;
        let name_len = u16::from_le_bytes(r.take(2)?.try_into().expect("2 bytes")) as usize;
        let name = std::str::from_utf8(r.take(name_len)?)
            .map_err(|_| corrupt("a table name is not UTF-8"))?;
        match code {
            1 | 2 => {
                let key = r.bytes()?;
                let value = if code == 1 { Some(r.bytes()?) } else { None };
                apply_kv(txn, schema, name, key, value)?;
            }
            3 => match schema {
                SCHEMA_STR_BYTES => {
                    drop(txn.open_table(TableDefinition::<&str, &[u8]>::new(name))?)
                }
                SCHEMA_STR_U64 => drop(txn.open_table(TableDefinition::<&str, u64>::new(name))?),
                SCHEMA_BYTES_BYTES => {
                    drop(txn.open_table(TableDefinition::<&[u8], &[u8]>::new(name))?);
                }
                _ => return Err(corrupt("unknown table schema")),
            },
            4 => {
                txn.delete_table(TableDefinition::<&[u8], &[u8]>::new(name))?;
            }
            _ => return Err(corrupt("unknown op")),
        }
    }
    Ok(())
}

fn utf8(bytes: &[u8]) -> Result<&str, StorageError> {
    std::str::from_utf8(bytes).map_err(|_| corrupt("a string key is not UTF-8"))
}

fn apply_kv(
    txn: &WriteTransaction,
    schema: u8,
    name: &str,
    key: &[u8],
    value: Option<&[u8]>,
) -> Result<(), StorageError> {
    match schema {
        SCHEMA_STR_BYTES => {
            let mut t = txn.open_table(TableDefinition::<&str, &[u8]>::new(name))?;
            match value {
                Some(v) => drop(t.insert(utf8(key)?, v)?),
                None => drop(t.remove(utf8(key)?)?),
            }
        }
        SCHEMA_STR_U64 => {
            let mut t = txn.open_table(TableDefinition::<&str, u64>::new(name))?;
            match value {
                Some(v) => {
                    let v = u64::from_le_bytes(
                        v.try_into()
                            .map_err(|_| corrupt("a u64 value is not 8 bytes"))?,
                    );
                    drop(t.insert(utf8(key)?, v)?);
                }
                None => drop(t.remove(utf8(key)?)?),
            }
        }
        SCHEMA_BYTES_BYTES => {
            let mut t = txn.open_table(TableDefinition::<&[u8], &[u8]>::new(name))?;
            match value {
                Some(v) => drop(t.insert(key, v)?),
                None => drop(t.remove(key)?),
            }
        }
        _ => return Err(corrupt("unknown table schema")),
    }
    Ok(())
}

/// The log file, written from `pos` on.
///
/// After a checkpoint the log is *rewound* rather than truncated: new frames overwrite old
/// ones from the start of the file, so an append rarely changes the file's size and its
/// fdatasync need not wait for a filesystem metadata commit. Frames left behind the new tail
/// carry sequences at or below the checkpoint, which recovery skips; a torn new frame fails
/// its checksum and ends the log. Recovery and a clean shutdown truncate it for real.
pub struct Wal {
    file: File,
    pos: u64,
}

impl Wal {
    pub fn open(path: &Path) -> std::io::Result<Wal> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        let pos = file.metadata()?.len();
        Ok(Wal { file, pos })
    }

    /// Writes batch `seq`'s journal at the tail and fdatasyncs it.
    pub fn append(&mut self, seq: u64, ops: &[u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        let frame = encode_frame(seq, ops);
        self.file.write_all_at(&frame, self.pos)?;
        self.file.sync_data()?;
        self.pos += frame.len() as u64;
        Ok(())
    }

    /// Bytes of records written since the last checkpoint.
    pub fn size(&self) -> u64 {
        self.pos
    }

    /// Starts the log over (a checkpoint made its records redundant), keeping the file's
    /// blocks for the next frames.
    pub fn rewind(&mut self) {
        self.pos = 0;
    }

    /// Empties the log file.
    pub fn truncate(&mut self) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.sync_all()?;
        self.pos = 0;
        Ok(())
    }
}

/// The path of the log next to the database file.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("drydock.wal")
}

/// The sequence of the last batch the database's durable state contains.
pub fn checkpoint_seq(db: &Database) -> Result<u64, StorageError> {
    let txn = db.begin_read()?;
    let table = match txn.open_table(META) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    Ok(table
        .get(CHECKPOINT_KEY)?
        .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(0))
}

/// Records `seq` as the checkpoint inside `txn`.
pub fn store_checkpoint(txn: &WriteTransaction, seq: u64) -> Result<(), StorageError> {
    txn.open_table(META)?
        .insert(CHECKPOINT_KEY, seq.to_le_bytes().as_slice())?;
    Ok(())
}

/// Replays the log at `wal_path` into `db` past its checkpoint, makes the result durable
/// and empties the log. Returns the last sequence the database now contains.
pub fn recover(db: &Database, wal_path: &Path) -> Result<u64, StorageError> {
    let checkpoint = checkpoint_seq(db)?;
    let mut bytes = Vec::new();
    match File::open(wal_path) {
        Ok(mut file) => {
            file.read_to_end(&mut bytes).map_err(redb::Error::from)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(checkpoint),
        Err(e) => return Err(redb::Error::from(e).into()),
    }
    if bytes.is_empty() {
        return Ok(checkpoint);
    }
    let frames = decode_frames(&bytes);
    let mut last = checkpoint;
    let txn = db.begin_write()?;
    let mut replayed = 0usize;
    for (seq, ops) in frames {
        if seq <= last {
            continue;
        }
        if seq != last + 1 {
            tracing::warn!(
                expected = last + 1,
                found = seq,
                "write-ahead log has a gap; replay stops"
            );
            break;
        }
        apply(&txn, ops)?;
        last = seq;
        replayed += 1;
    }
    store_checkpoint(&txn, last)?;
    txn.commit()?;
    tracing::info!(replayed, checkpoint = last, "write-ahead log recovered");
    Wal::open(wal_path)
        .and_then(|mut wal| wal.truncate())
        .map_err(redb::Error::from)?;
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(key: &[u8], value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_op(&mut out, OpCode::Put, SCHEMA_BYTES_BYTES, "t", key, value);
        encode_op(&mut out, OpCode::Remove, SCHEMA_STR_BYTES, "m", b"k", &[]);
        encode_op(&mut out, OpCode::Drop, SCHEMA_BYTES_BYTES, "gone", &[], &[]);
        out
    }

    fn log(n: u64) -> Vec<u8> {
        (1..=n)
            .flat_map(|seq| encode_frame(seq, &ops(&seq.to_le_bytes(), b"value")))
            .collect()
    }

    #[test]
    fn frames_round_trip() {
        let bytes = log(3);
        let frames = decode_frames(&bytes);
        assert_eq!(frames.len(), 3);
        for (i, (seq, body)) in frames.iter().enumerate() {
            assert_eq!(*seq, i as u64 + 1);
            assert_eq!(*body, ops(&seq.to_le_bytes(), b"value").as_slice());
        }
        assert!(decode_frames(&[]).is_empty());
    }

    #[test]
    fn a_torn_tail_is_ignored() {
        let whole = log(3);
        let two = decode_frames(&whole)[..2]
            .iter()
            .map(|f| f.0)
            .collect::<Vec<_>>();
        let third_start = encode_frame(1, &ops(&1u64.to_le_bytes(), b"value")).len() * 2;
        // Every cut inside the third frame (header or body) leaves the first two.
        for cut in third_start..whole.len() {
            let seqs: Vec<u64> = decode_frames(&whole[..cut]).iter().map(|f| f.0).collect();
            assert_eq!(seqs, two, "cut at {cut}");
        }
        // Zeros after the last frame (a preallocated or half-written tail) read as the end.
        let mut padded = whole.clone();
        padded.extend_from_slice(&[0; 64]);
        assert_eq!(decode_frames(&padded).len(), 3);
    }

    #[test]
    fn a_corrupt_frame_stops_reading() {
        let whole = log(3);
        let frame_len = whole.len() / 3;
        for offset in [frame_len + 4, frame_len + 9, frame_len * 2 - 1] {
            let mut bad = whole.clone();
            bad[offset] ^= 0x40;
            let seqs: Vec<u64> = decode_frames(&bad).iter().map(|f| f.0).collect();
            assert_eq!(seqs, vec![1], "flip at {offset}");
        }
    }

    #[test]
    fn a_cut_op_is_an_error_not_a_panic() {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .expect("db");
        let txn = db.begin_write().expect("txn");
        let whole = ops(b"k", b"v");
        let mut one = Vec::new();
        encode_op(&mut one, OpCode::Put, SCHEMA_BYTES_BYTES, "t", b"k", b"v");
        for cut in 1..one.len() {
            assert!(apply(&txn, &one[..cut]).is_err(), "a cut at {cut} applied");
        }
        apply(&txn, &whole).expect("whole ops apply");
    }
}
