import Glibc

/// The text of the C library's message for an `errno` value.
func systemErrorMessage(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// Owns a file descriptor open for reading: a path, or standard input for "-" (STYLE.md §2: one
/// owner per OS handle, closed in `deinit`).
final class InputFile {
    let descriptor: Int32
    /// The name errors use: the path as given, or "<stdin>".
    let name: String
    private let ownsDescriptor: Bool
    /// Bytes read so far, and the file's size when it is a regular file: for progress reports.
    private(set) var bytesRead = 0
    private(set) var size: Int?

    init(path: String) throws {
        if path == "-" {
            descriptor = 0
            name = "<stdin>"
            ownsDescriptor = false
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { throw StatMLError.notFound("no such file: \(path)") }
            throw StatMLError.io("cannot open \(path): \(systemErrorMessage(code))")
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw StatMLError.io("cannot read \(path): it is a directory")
        }
        descriptor = fd
        name = path
        ownsDescriptor = true
        if (info.st_mode & S_IFMT) == S_IFREG { size = Int(info.st_size) }
    }

    /// Reads up to `count` bytes into `destination`; 0 means end of file. Retries on EINTR.
    func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        while true {
            let n = Glibc.read(descriptor, destination, count)
            if n >= 0 {
                bytesRead += n
                return n
            }
            let code = errno
            if code == EINTR { continue }
            throw StatMLError.io("cannot read \(name): \(systemErrorMessage(code))")
        }
    }

    /// Fills `destination` as far as the input allows (several `read(2)` calls on a pipe); returns
    /// the number of bytes read, less than `count` only at end of file.
    func readFully(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var total = 0
        while total < count {
            let n = try read(into: destination + total, count: count - total)
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Slides the unread bytes `[start, end)` of a reader's buffer to its front and reads more after them.
    /// A buffer that grew for one long record shrinks back to `standardCapacity` once little is kept; a
    /// buffer the kept bytes fill doubles. Returns true when the input is exhausted.
    func refill(
        _ buffer: inout UnsafeMutablePointer<UInt8>, capacity: inout Int, start: inout Int, end: inout Int,
        standardCapacity: Int, allocate: (Int) -> UnsafeMutablePointer<UInt8>
    ) throws -> Bool {
        let kept = end - start
        if capacity > standardCapacity && kept < standardCapacity / 2 {
            let smaller = allocate(standardCapacity)
            smaller.update(from: buffer + start, count: kept)
            buffer.deallocate()
            buffer = smaller
            capacity = standardCapacity
        } else if start > 0 {
            memmove(buffer, buffer + start, kept)
        }
        start = 0
        end = kept
        if end == capacity {
            let larger = allocate(capacity * 2)
            larger.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = larger
            capacity *= 2
        }
        let wanted = capacity - end
        let got = try readFully(into: buffer + end, count: wanted)
        end += got
        return got < wanted
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }
}
