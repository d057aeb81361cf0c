internal import CMicroHTTPD
import Glibc
import StatMLCore

/// The server's listening TCP socket, bound here rather than by libmicrohttpd so that a port in use,
/// or an address that is not ours, is an error that says so.
enum ListenSocket {
    /// A non-blocking socket listening on `host:port` (IPv4; port 0 picks a free port), and the port
    /// it is bound to.
    static func open(host: String, port: UInt16, backlog: Int32) throws -> (fd: Int32, port: UInt16) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw StatMLError.invalidInput("'\(host)' is not an IPv4 address to listen on")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("cannot create a socket") }
        var reuse: Int32 = 1
        // Lets a restarted server bind while connections of the previous one linger in TIME_WAIT; on
        // Linux it does not let two servers listen on one port.
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 }
        }
        guard bound else {
            let code = errno
            close(fd)
            switch code {
            case EADDRINUSE: throw StatMLError.io("port \(port) is already in use")
            case EACCES: throw StatMLError.io("no permission to listen on port \(port)")
            case EADDRNOTAVAIL: throw StatMLError.io("address \(host) is not an address of this machine")
            default: throw failure("cannot listen on \(host):\(port)", errno: code)
            }
        }
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                listen(fd, backlog) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard listening else {
            let code = errno
            close(fd)
            throw failure("cannot listen on \(host):\(port)", errno: code)
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    private static func failure(_ message: String, errno code: Int32 = errno) -> StatMLError {
        StatMLError.io("\(message): \(String(cString: strerror(code)))")
    }
}
