import Glibc

/// Buffered output to a file or to standard output ("-"), shared by the CSV and JSON Lines writers.
///
/// Writing to a path goes to a temporary file in the same directory (`.NAME.tmp-PID-N`), renamed
/// over the path by `close()`. A run that fails or is interrupted before `close()` therefore never
/// leaves a half-written file where a complete one (or none) was: the temporary file is removed
/// when the sink is dropped without being closed. A replaced file's permission bits are kept.
public final class ByteSink {
    /// The path as given, or "<stdout>".
    public let name: String
    private let descriptor: Int32
    private let finalPath: String?
    private let temporaryPath: String?
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 18
    private var count = 0
    private var isClosed = false

    private static let sequence = Counter()

    public init(path: String) throws {
        buffer = .allocate(capacity: capacity)
        if path == "-" {
            name = "<stdout>"
            descriptor = 1
            finalPath = nil
            temporaryPath = nil
            return
        }
        name = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let file = slash.map { String(path[path.index(after: $0)...]) } ?? path
        if file.isEmpty {
            buffer.deallocate()
            throw StatMLError.io("cannot write \(path): it names a directory")
        }
        let temporary = "\(directory).\(file).tmp-\(getpid())-\(Self.sequence.next())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if fd < 0 {
            let code = errno
            buffer.deallocate()
            throw StatMLError.io("cannot write \(path): \(systemErrorMessage(code))")
        }
        var existing = stat()
        if stat(path, &existing) == 0 {
            if (existing.st_mode & S_IFMT) == S_IFDIR {
                Glibc.close(fd)
                unlink(temporary)
                buffer.deallocate()
                throw StatMLError.io("cannot write \(path): it is a directory")
            }
            _ = fchmod(fd, existing.st_mode & 0o7777)
        }
        descriptor = fd
        finalPath = path
        temporaryPath = temporary
    }

    deinit {
        if !isClosed {
            if let temporaryPath {
                Glibc.close(descriptor)
                unlink(temporaryPath)
            } else {
                try? drain()
            }
        }
        buffer.deallocate()
    }

    /// Appends bytes to the output.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        try write(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try write($0.baseAddress!, count: $0.count) }
    }

    public func write(_ string: String) throws {
        var string = string
        try string.withUTF8 { if let base = $0.baseAddress { try write(base, count: $0.count) } }
    }

    @inline(__always)
    func write(byte: UInt8) throws {
        if count == capacity { try drain() }
        buffer[count] = byte
        count += 1
    }

    func write(_ bytes: UnsafePointer<UInt8>, count n: Int) throws {
        precondition(!isClosed, "ByteSink: write after close")
        if n > capacity - count {
            try drain()
            if n >= capacity {
                try writeAll(bytes, count: n)
                return
            }
        }
        (buffer + count).update(from: bytes, count: n)
        count += n
    }

    /// Hands the buffered bytes to the operating system.
    public func flush() throws {
        precondition(!isClosed, "ByteSink: flush after close")
        try drain()
    }

    /// Flushes, closes, and for a path moves the finished file into place. Closing twice does nothing.
    public func close() throws {
        if isClosed { return }
        isClosed = true
        do {
            try drain()
        } catch {
            if let temporaryPath {
                Glibc.close(descriptor)
                unlink(temporaryPath)
            }
            throw error
        }
        guard let temporaryPath, let finalPath else { return }
        if Glibc.close(descriptor) != 0 {
            let code = errno
            unlink(temporaryPath)
            throw StatMLError.io("cannot write \(name): \(systemErrorMessage(code))")
        }
        if rename(temporaryPath, finalPath) != 0 {
            let code = errno
            unlink(temporaryPath)
            throw StatMLError.io("cannot write \(name): \(systemErrorMessage(code))")
        }
    }

    private func drain() throws {
        if count == 0 { return }
        let n = count
        count = 0
        try writeAll(buffer, count: n)
    }

    private func writeAll(_ bytes: UnsafePointer<UInt8>, count n: Int) throws {
        var done = 0
        while done < n {
            let written = Glibc.write(descriptor, bytes + done, n - done)
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                throw StatMLError.io("cannot write \(name): \(systemErrorMessage(code))")
            }
            done += written
        }
    }
}

/// A process-wide counter for unique temporary file names.
private final class Counter: @unchecked Sendable {
    private var value = 0
    private var lock = pthread_mutex_t()

    init() { pthread_mutex_init(&lock, nil) }

    func next() -> Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        value += 1
        return value
    }
}
