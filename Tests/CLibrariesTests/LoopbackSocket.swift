// The socket declarations reach this target through CMicroHTTPD's shim, which includes <sys/socket.h>
// (Clang attributes the header to the first module that includes it, hiding it from plain Glibc here).
import CMicroHTTPD
import Glibc

/// An IPv4 TCP socket with a 5-second receive timeout, or -1.
func makeTCPSocket() -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if fd >= 0 {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
    return fd
}

/// 127.0.0.1:port.
func loopbackAddress(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
}

/// Connects `fd` to 127.0.0.1:port; true on success.
func connectLoopback(_ fd: Int32, port: UInt16) -> Bool {
    var address = loopbackAddress(port: port)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

/// Binds `fd` to an ephemeral loopback port without listening and returns the port (0 on failure).
/// Connections to that port are refused.
func bindWithoutListening(_ fd: Int32) -> UInt16 {
    var address = loopbackAddress(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    return bound ? UInt16(bigEndian: address.sin_port) : 0
}
