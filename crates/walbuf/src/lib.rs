//! A SQLite VFS that buffers writes to the write-ahead log.
//!
//! SQLite appends a transaction to the WAL one frame at a time, each frame
//! with two `pwrite` calls: its 24-byte header, then its page. A batch of
//! messages dirties about two pages per message, so a loaded Helpline made
//! some seven `pwrite` calls per stored message, each a trip through the
//! file system for a few kilobytes (decision 0017). This VFS wraps the
//! platform's default one and changes one
//! thing: writes to a `-wal` file that continue the previous one are
//! gathered in memory and reach the file in one call.
//!
//! What must not change is *when* frames reach the file. A transaction is
//! published to other connections by the WAL index (shared memory) after
//! its frames are written, and its commit returns after that. The last
//! frame of a transaction is marked in its header (the database size
//! after the commit, non-zero only there), so the buffer is written out
//! when that header arrives and again when its page does: before SQLite
//! publishes the commit, with any error returned to the committing
//! statement as before. (The header on its own, because after the last
//! page SQLite may rewrite the transaction's frame headers with new
//! checksums, and the last rewrite is followed by no other write.) It is
//! also written out before anything that looks at the file (a read, a
//! size, a truncation, a sync, closing) and when it holds [`FLUSH_AT`]
//! bytes. Every other file (the database, rollback journals) is the
//! default VFS's own, untouched.
//!
//! Use [`register`] once, then open connections with the name it returns.

mod file;

use rusqlite::ffi;
use std::ffi::{CStr, c_char, c_int};
use std::sync::OnceLock;

/// The name connections use to choose this VFS.
pub const NAME: &CStr = c"helpline-walbuf";

/// Bytes gathered before they are written anyway (a transaction larger
/// than this is written in pieces of about this size).
pub const FLUSH_AT: usize = 4 << 20;

/// The default VFS this one wraps, and the outcome of registering.
struct Registered {
    /// The wrapped VFS (SQLite's default when [`register`] first ran).
    inner: usize,
    /// SQLite's result code for the registration.
    code: c_int,
}

static REGISTERED: OnceLock<Registered> = OnceLock::new();

/// Registers the VFS (once per process; later calls return the first
/// outcome) and returns its name, for `open_with_flags_and_vfs` and sqlx's
/// `SqliteConnectOptions::vfs`. It is not made the default. Fails with
/// SQLite's result code if the default VFS is not SQLite's `unix` one
/// (the only one this wraps) or SQLite refuses the registration.
pub fn register() -> Result<&'static str, c_int> {
    let registered = REGISTERED.get_or_init(|| {
        // SAFETY: sqlite3_vfs_find(NULL) returns the default VFS or NULL;
        // it initializes SQLite if needed and is thread-safe.
        let inner = unsafe { ffi::sqlite3_vfs_find(std::ptr::null()) };
        if inner.is_null() {
            return Registered {
                inner: 0,
                code: ffi::SQLITE_ERROR,
            };
        }
        // SAFETY: `inner` is a registered VFS, which SQLite never frees.
        let mut vfs = unsafe { *inner };
        // Only the default Unix VFS is known to give its files version-3
        // methods (shared memory, memory maps), which the WAL methods
        // here pass on; anything else is left alone.
        // SAFETY: a VFS's name is a NUL-terminated string it owns.
        if vfs.zName.is_null() || unsafe { CStr::from_ptr(vfs.zName) } != c"unix" {
            return Registered {
                inner: 0,
                code: ffi::SQLITE_ERROR,
            };
        }
        // Every method but xOpen is the wrapped VFS's own: they receive
        // this struct, whose fields other than the ones set here are
        // copies of the wrapped one's (pAppData included).
        vfs.szOsFile = file::os_file_size(vfs.szOsFile);
        vfs.zName = NAME.as_ptr() as *const c_char;
        vfs.pNext = std::ptr::null_mut();
        vfs.xOpen = Some(file::open);
        let leaked: &'static mut ffi::sqlite3_vfs = Box::leak(Box::new(vfs));
        // SAFETY: `leaked` lives for the rest of the process, as SQLite
        // requires of a registered VFS; 0 = not the default.
        let code = unsafe { ffi::sqlite3_vfs_register(leaked, 0) };
        Registered {
            inner: inner as usize,
            code,
        }
    });
    if registered.code == ffi::SQLITE_OK {
        NAME.to_str().map_err(|_| ffi::SQLITE_ERROR)
    } else {
        Err(registered.code)
    }
}

/// The wrapped VFS, once registered.
fn inner_vfs() -> *mut ffi::sqlite3_vfs {
    REGISTERED
        .get()
        .map_or(std::ptr::null_mut(), |r| r.inner as *mut ffi::sqlite3_vfs)
}
