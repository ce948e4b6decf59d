//! The files of the VFS: `open`, which hands every file but a WAL to the
//! wrapped VFS as is, and the methods of a WAL file, which gather
//! consecutive writes (see the crate documentation for when they are
//! written out).

use crate::{FLUSH_AT, inner_vfs};
use rusqlite::ffi;
use std::ffi::{c_char, c_int, c_void};

/// A WAL file as SQLite sees it: its methods first (SQLite's layout for
/// every file), then ours, then the wrapped VFS's own file object in the
/// rest of the allocation (at [`INNER_OFFSET`]).
#[repr(C)]
struct WalFile {
    base: ffi::sqlite3_file,
    inner: *mut ffi::sqlite3_file,
    pending: *mut Pending,
}

/// Bytes written but not yet in the file.
#[derive(Default)]
struct Pending {
    /// File offset of `bytes[0]`.
    start: i64,
    bytes: Vec<u8>,
    /// The last write was the header of a transaction's last frame: the
    /// next one (its page) ends the transaction.
    commit_next: bool,
}

/// Where the wrapped file object starts: after ours, 16-byte aligned.
const INNER_OFFSET: usize = std::mem::size_of::<WalFile>().next_multiple_of(16);

/// SQLite's per-file allocation for this VFS: ours plus the wrapped one's.
pub(crate) fn os_file_size(inner: c_int) -> c_int {
    inner + INNER_OFFSET as c_int
}

/// The most one call to the wrapped `xWrite` is given: the Unix VFS
/// keeps only the low 17 bits of a write's length (no page is larger), so
/// a bigger write would be cut short. 31 pages of 4 KiB.
const MAX_WRITE: usize = 0x1F000;

/// Bytes in a WAL frame header; the second of its big-endian words is the
/// database size after a commit, zero for every frame but a commit's last.
const FRAME_HEADER: usize = 24;

/// `xOpen`: a WAL file is wrapped; anything else is opened by the wrapped
/// VFS in place (this allocation is larger than it needs), so SQLite calls
/// its methods directly.
pub(crate) unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let inner_vfs = inner_vfs();
    // SAFETY: registration stored a live VFS before this one could be
    // found by name.
    let Some(inner_open) = (unsafe { inner_vfs.as_ref() }).and_then(|v| v.xOpen) else {
        return ffi::SQLITE_ERROR;
    };
    if flags & ffi::SQLITE_OPEN_WAL == 0 {
        // SAFETY: `file` has room for the wrapped VFS's file object.
        return unsafe { inner_open(inner_vfs, name, file, flags, out_flags) };
    }
    let wal = file as *mut WalFile;
    // SAFETY: `file` is szOsFile bytes, so the wrapped object fits after
    // ours; SQLite zeroes nothing, so our fields are set before use, and
    // `pMethods` stays NULL unless the open succeeds (SQLite then never
    // calls xClose).
    unsafe {
        let inner = (file as *mut u8).add(INNER_OFFSET) as *mut ffi::sqlite3_file;
        (*wal).base.pMethods = std::ptr::null();
        (*wal).inner = inner;
        (*wal).pending = std::ptr::null_mut();
        let code = inner_open(inner_vfs, name, inner, flags, out_flags);
        if code != ffi::SQLITE_OK {
            return code;
        }
        (*wal).pending = Box::into_raw(Box::default());
        (*wal).base.pMethods = &WAL_METHODS;
    }
    ffi::SQLITE_OK
}

/// The wrapped file's methods.
///
/// # Safety
/// `wal` must be a WAL file this VFS opened and has not closed.
unsafe fn inner_methods(wal: &WalFile) -> &ffi::sqlite3_io_methods {
    // SAFETY: a successfully opened file always has its methods.
    unsafe { &*(*wal.inner).pMethods }
}

/// Writes out what is pending; SQLite's result code.
///
/// # Safety
/// As [`inner_methods`].
unsafe fn flush(wal: &mut WalFile) -> c_int {
    // SAFETY: `pending` lives from a successful open to close.
    let pending = unsafe { &mut *wal.pending };
    pending.commit_next = false;
    if pending.bytes.is_empty() {
        return ffi::SQLITE_OK;
    }
    // SAFETY: per this function's contract.
    let Some(write) = (unsafe { inner_methods(wal) }).xWrite else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    let mut code = ffi::SQLITE_OK;
    let mut offset = pending.start;
    for chunk in pending.bytes.chunks(MAX_WRITE) {
        // SAFETY: the wrapped file is open; `chunk` is its length in bytes
        // (at most MAX_WRITE, so the cast is exact). A failed write is the
        // committing statement's error; its frames are dropped with it
        // (SQLite rolls the transaction back).
        code = unsafe {
            write(
                wal.inner,
                chunk.as_ptr() as *const c_void,
                chunk.len() as c_int,
                offset,
            )
        };
        if code != ffi::SQLITE_OK {
            break;
        }
        offset += chunk.len() as i64;
    }
    pending.bytes.clear();
    code
}

/// The `WalFile` behind `file`.
///
/// # Safety
/// `file` must be a WAL file this VFS opened (SQLite calls the methods
/// below only on files whose `pMethods` is [`WAL_METHODS`]).
unsafe fn wal<'a>(file: *mut ffi::sqlite3_file) -> &'a mut WalFile {
    // SAFETY: per the contract; SQLite never calls one file's methods
    // concurrently.
    unsafe { &mut *(file as *mut WalFile) }
}

unsafe extern "C" fn wal_write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: SQLite calls this on our WAL files only.
    let wal = unsafe { wal(file) };
    let Ok(len) = usize::try_from(amount) else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    // SAFETY: SQLite passes `amount` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(data as *const u8, len) };
    // SAFETY: open until xClose.
    let pending = unsafe { &mut *wal.pending };
    let ends_commit = pending.commit_next;
    let continues = offset == pending.start + pending.bytes.len() as i64;
    if !pending.bytes.is_empty() && !continues {
        // SAFETY: the file is open.
        let code = unsafe { flush(wal) };
        if code != ffi::SQLITE_OK {
            return code;
        }
    }
    // SAFETY: as above (flush does not free it).
    let pending = unsafe { &mut *wal.pending };
    if pending.bytes.is_empty() {
        pending.start = offset;
    }
    pending.bytes.extend_from_slice(bytes);
    let commit_header = len == FRAME_HEADER && bytes[4..8] != [0; 4];
    if !(ends_commit || commit_header || pending.bytes.len() >= FLUSH_AT) {
        return ffi::SQLITE_OK;
    }
    // A commit frame's header goes out at once as well as with its page:
    // SQLite may rewrite the headers of a transaction's frames after its
    // last page (new checksums, when it overwrote a frame in place), and
    // the last of those rewrites is followed by no write at all.
    // SAFETY: the file is open.
    let code = unsafe { flush(wal) };
    // SAFETY: as above (flush does not free it).
    unsafe { &mut *wal.pending }.commit_next = commit_header && code == ffi::SQLITE_OK;
    code
}

/// Defines a method that writes out what is pending, then calls the
/// wrapped file's own (`$missing` when it has none).
macro_rules! flushing {
    ($name:ident, $method:ident, $missing:expr, ($($arg:ident: $ty:ty),*)) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> c_int {
            // SAFETY: SQLite calls this on our WAL files only.
            let wal = unsafe { wal(file) };
            // SAFETY: the file is open.
            let code = unsafe { flush(wal) };
            if code != ffi::SQLITE_OK {
                return code;
            }
            // SAFETY: the file is open.
            match unsafe { inner_methods(wal) }.$method {
                // SAFETY: the wrapped file is open; the arguments are
                // SQLite's own, passed on unchanged.
                Some(method) => unsafe { method(wal.inner $(, $arg)*) },
                None => $missing,
            }
        }
    };
}

flushing!(wal_read, xRead, ffi::SQLITE_IOERR_READ, (data: *mut c_void, amount: c_int, offset: i64));
flushing!(wal_truncate, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, (size: i64));
flushing!(wal_sync, xSync, ffi::SQLITE_IOERR_FSYNC, (flags: c_int));
flushing!(wal_file_size, xFileSize, ffi::SQLITE_IOERR_FSTAT, (size: *mut i64));
flushing!(wal_lock, xLock, ffi::SQLITE_OK, (level: c_int));
flushing!(wal_unlock, xUnlock, ffi::SQLITE_OK, (level: c_int));
flushing!(wal_check_reserved, xCheckReservedLock, ffi::SQLITE_OK, (out: *mut c_int));
flushing!(wal_file_control, xFileControl, ffi::SQLITE_NOTFOUND, (op: c_int, arg: *mut c_void));
flushing!(wal_shm_map, xShmMap, ffi::SQLITE_IOERR_SHMMAP, (page: c_int, size: c_int, extend: c_int, out: *mut *mut c_void));
flushing!(wal_shm_lock, xShmLock, ffi::SQLITE_IOERR_SHMLOCK, (offset: c_int, n: c_int, flags: c_int));
flushing!(wal_shm_unmap, xShmUnmap, ffi::SQLITE_OK, (delete: c_int));
flushing!(wal_fetch, xFetch, ffi::SQLITE_OK, (offset: i64, amount: c_int, out: *mut *mut c_void));
flushing!(wal_unfetch, xUnfetch, ffi::SQLITE_OK, (offset: i64, page: *mut c_void));

unsafe extern "C" fn wal_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls this on our WAL files only, once.
    let wal = unsafe { wal(file) };
    // SAFETY: the file is still open.
    let flushed = unsafe { flush(wal) };
    // SAFETY: as above.
    let closed = match unsafe { inner_methods(wal) }.xClose {
        // SAFETY: closing the wrapped file, once.
        Some(close) => unsafe { close(wal.inner) },
        None => ffi::SQLITE_OK,
    };
    // SAFETY: allocated by `open`, freed only here.
    drop(unsafe { Box::from_raw(wal.pending) });
    wal.pending = std::ptr::null_mut();
    if flushed != ffi::SQLITE_OK {
        flushed
    } else {
        closed
    }
}

unsafe extern "C" fn wal_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls this on our open WAL files only.
    let wal = unsafe { wal(file) };
    // SAFETY: the file is open.
    match unsafe { inner_methods(wal) }.xSectorSize {
        // SAFETY: as above.
        Some(method) => unsafe { method(wal.inner) },
        None => 4096,
    }
}

unsafe extern "C" fn wal_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls this on our open WAL files only.
    let wal = unsafe { wal(file) };
    // SAFETY: the file is open.
    match unsafe { inner_methods(wal) }.xDeviceCharacteristics {
        // SAFETY: as above.
        Some(method) => unsafe { method(wal.inner) },
        None => 0,
    }
}

unsafe extern "C" fn wal_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: SQLite calls this on our open WAL files only.
    let wal = unsafe { wal(file) };
    // SAFETY: the file is open.
    if let Some(method) = unsafe { inner_methods(wal) }.xShmBarrier {
        // SAFETY: as above.
        unsafe { method(wal.inner) }
    }
}

/// The methods of every WAL file this VFS opens.
static WAL_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(wal_close),
    xRead: Some(wal_read),
    xWrite: Some(wal_write),
    xTruncate: Some(wal_truncate),
    xSync: Some(wal_sync),
    xFileSize: Some(wal_file_size),
    xLock: Some(wal_lock),
    xUnlock: Some(wal_unlock),
    xCheckReservedLock: Some(wal_check_reserved),
    xFileControl: Some(wal_file_control),
    xSectorSize: Some(wal_sector_size),
    xDeviceCharacteristics: Some(wal_device_characteristics),
    xShmMap: Some(wal_shm_map),
    xShmLock: Some(wal_shm_lock),
    xShmBarrier: Some(wal_shm_barrier),
    xShmUnmap: Some(wal_shm_unmap),
    xFetch: Some(wal_fetch),
    xUnfetch: Some(wal_unfetch),
};
