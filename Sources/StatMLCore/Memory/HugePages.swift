import Glibc

/// Large buffers read at random places (a model's weight matrix, a vocabulary's hash table) backed by
/// transparent huge pages when the system allows them (`/sys/kernel/mm/transparent_hugepage/enabled` is
/// `always` or `madvise`): one 2 MiB page instead of 512 pages of 4 KiB, so far fewer page faults while
/// the buffer is filled and far fewer TLB misses while it is read. Where huge pages are off or not
/// available, the advice is ignored and the buffer works as any other.
public enum HugePages {
    /// The huge page size on x86-64 and on ARM64 with 4 KiB base pages.
    public static let size = 2 << 20

    /// Arrays smaller than this are left alone: they would not fill a huge page.
    public static let threshold = 2 << 20

    /// Asks for huge pages over the 2 MiB-aligned part of `buffer`, before its pages are first touched
    /// (pages touched already stay as they are).
    public static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count >= threshold else { return }
        let start = (Int(bitPattern: base) + size - 1) & ~(size - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(size - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, MADV_HUGEPAGE)
    }

    /// An array of `count` elements that `initialize` sets, all of them, on storage advised as above.
    /// Large arrays come from `malloc` as fresh, untouched memory mappings, so the advice takes effect.
    public static func array<T>(
        count: Int, _ initialize: (UnsafeMutableBufferPointer<T>) throws -> Void
    ) rethrows -> [T] {
        try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            advise(UnsafeMutableRawBufferPointer(buffer))
            try initialize(buffer)
            initialized = count
        }
    }

    /// `count` copies of `value`, on advised storage.
    public static func array<T>(repeating value: T, count: Int) -> [T] {
        array(count: count) { $0.initialize(repeating: value) }
    }
}
