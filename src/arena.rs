//! The `ocgen` binary's allocator: one run renders one file and exits, so
//! small blocks are bump-allocated from one reserved region and never reused.
//! glibc's malloc/free were ~0.5 M instructions, a fifth of a whole render
//! (README, Benchmarks). Blocks above [`SMALL`], and everything once the region
//! is used up, go to the system allocator, so memory stays bounded by the
//! region plus what the system allocator would hold anyway. The library and
//! the tests use the system allocator; only `src/main.rs` installs this one.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Reserved address space (pages are only committed as they are touched).
const REGION: usize = 64 << 20;
/// Larger blocks go to the system allocator.
const SMALL: usize = 64 << 10;

pub struct Arena {
    /// Start of the region (0: not reserved yet, 1: reserving failed).
    base: AtomicUsize,
    /// Offset of the first free byte.
    next: AtomicUsize,
}

impl Arena {
    pub const fn new() -> Arena {
        Arena {
            base: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
        }
    }

    fn base(&self) -> Option<usize> {
        match self.base.load(Ordering::Acquire) {
            0 => {
                // SAFETY: a non-zero size with a valid alignment.
                let p = unsafe { System.alloc(Layout::from_size_align(REGION, 4096).ok()?) } as usize;
                let mine = if p == 0 { 1 } else { p };
                match self.base.compare_exchange(0, mine, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => (p != 0).then_some(p),
                    Err(theirs) => {
                        if p != 0 {
                            // SAFETY: allocated just above with this layout, never handed out.
                            unsafe { System.dealloc(p as *mut u8, Layout::from_size_align_unchecked(REGION, 4096)) };
                        }
                        (theirs != 1).then_some(theirs)
                    }
                }
            }
            1 => None,
            b => Some(b),
        }
    }

    fn owns(&self, p: *mut u8) -> bool {
        let b = self.base.load(Ordering::Acquire);
        b > 1 && (p as usize) >= b && (p as usize) < b + REGION
    }
}

impl Default for Arena {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: blocks from the region never overlap (the offset only grows, by
// compare-and-swap); every other block comes from and returns to `System`.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() <= SMALL
            && let Some(base) = self.base()
        {
            let mut next = self.next.load(Ordering::Relaxed);
            loop {
                let start = (base + next).next_multiple_of(layout.align()) - base;
                let end = start + layout.size();
                if end > REGION {
                    break;
                }
                match self
                    .next
                    .compare_exchange_weak(next, end, Ordering::Relaxed, Ordering::Relaxed)
                {
                    Ok(_) => return (base + start) as *mut u8,
                    Err(now) => next = now,
                }
            }
        }
        // SAFETY: the caller's layout, as GlobalAlloc requires.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if !self.owns(p) {
            // SAFETY: not from the region, so from System with this layout.
            unsafe { System.dealloc(p, layout) }
        }
    }
}
