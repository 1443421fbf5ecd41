// A read-only memory map of a whole file through the C library's mmap (std has no API for it): the engine reads
// 16 MiB runs of lines straight from the page cache instead of copying them into a buffer first.
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

extern "C" {
    fn mmap(addr: *mut u8, len: usize, prot: i32, flags: i32, fd: i32, offset: i64) -> *mut u8;
    fn munmap(addr: *mut u8, len: usize) -> i32;
    fn madvise(addr: *mut u8, len: usize, advice: i32) -> i32;
}

const PROT_READ: i32 = 1;
const MAP_PRIVATE: i32 = 2;
const MADV_SEQUENTIAL: i32 = 2;
const MADV_DONTNEED: i32 = 4;
const PAGE: usize = 4096;

pub struct Mapped {
    ptr: *mut u8,
    len: usize,
}

impl Mapped {
    /// The file mapped, or None where it cannot be (an empty file, a pipe, a platform without mmap): the caller
    /// then reads it.
    pub fn new(file: &File) -> io::Result<Option<Mapped>> {
        let len = file.metadata()?.len() as usize;
        if len == 0 || !cfg!(target_os = "linux") {
            return Ok(None);
        }
        // SAFETY: a fresh read-only private mapping of `len` bytes of an open file; checked for MAP_FAILED (-1).
        let ptr = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                PROT_READ,
                MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr as isize == -1 {
            return Ok(None);
        }
        // SAFETY: advice on the mapping just made; failure only loses read-ahead.
        unsafe { madvise(ptr, len, MADV_SEQUENTIAL) };
        Ok(Some(Mapped { ptr, len }))
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping is `len` readable bytes and lives as long as self. The file must not shrink while
        // mapped (a truncated file raises SIGBUS); Sluice reads inputs it downloaded or was pointed at, not logs
        // being rotated.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Drops the whole pages of bytes `from..to` from this process's memory; they are read again if touched.
    pub fn release(&self, from: usize, to: usize) {
        let start = from / PAGE * PAGE;
        let end = to / PAGE * PAGE;
        if end > start {
            // SAFETY: a page-aligned range inside the mapping; DONTNEED on a private read-only file mapping
            // only unmaps pages, whose contents stay in the page cache.
            unsafe { madvise(self.ptr.add(start), end - start, MADV_DONTNEED) };
        }
    }
}

// SAFETY: the mapping is read-only and only ever read through shared slices; threads may share it (a Parquet file's
// chunks are read on several at once).
unsafe impl Send for Mapped {}
unsafe impl Sync for Mapped {}

impl Drop for Mapped {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`; no slice of it outlives self (`bytes` borrows self).
        unsafe { munmap(self.ptr, self.len) };
    }
}
