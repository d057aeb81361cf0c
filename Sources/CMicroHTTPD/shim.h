#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

// MHD_start_daemon is variadic, which Swift cannot call: one fixed-argument wrapper per option set we use.
// A pool of 0 or 1 threads means "no pool": the option is then left out, since MHD warns about it.
static inline struct MHD_Daemon *statml_mhd_start(unsigned int flags, uint16_t port,
                                                  MHD_AccessHandlerCallback handler, void *context,
                                                  unsigned int threadPoolSize,
                                                  unsigned int connectionTimeoutSeconds,
                                                  size_t connectionMemoryLimit) {
    if (threadPoolSize <= 1) {
        return MHD_start_daemon(flags, port, NULL, NULL, handler, context,
                                MHD_OPTION_CONNECTION_TIMEOUT, connectionTimeoutSeconds,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, connectionMemoryLimit,
                                MHD_OPTION_END);
    }
    return MHD_start_daemon(flags, port, NULL, NULL, handler, context,
                            MHD_OPTION_THREAD_POOL_SIZE, threadPoolSize,
                            MHD_OPTION_CONNECTION_TIMEOUT, connectionTimeoutSeconds,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, connectionMemoryLimit,
                            MHD_OPTION_END);
}

// MHD_get_daemon_info is variadic and answers with a union: the port the daemon is bound to (useful
// after starting on port 0), or 0 when the daemon cannot tell.
static inline uint16_t statml_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

// The server core's daemon: it listens on a socket we bound ourselves (so that a taken port is a clear
// error of ours), and MHD tells `completed` when each request is done, so per-request state is freed
// even when a client disconnects mid-upload.
static inline struct MHD_Daemon *statml_mhd_start_on_socket(unsigned int flags, int listenSocket,
                                                            MHD_AccessHandlerCallback handler, void *context,
                                                            MHD_RequestCompletedCallback completed,
                                                            unsigned int threadPoolSize,
                                                            unsigned int connectionTimeoutSeconds,
                                                            size_t connectionMemoryLimit) {
    if (threadPoolSize <= 1) {
        return MHD_start_daemon(flags, 0, NULL, NULL, handler, context,
                                MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listenSocket,
                                MHD_OPTION_NOTIFY_COMPLETED, completed, context,
                                MHD_OPTION_CONNECTION_TIMEOUT, connectionTimeoutSeconds,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, connectionMemoryLimit,
                                MHD_OPTION_END);
    }
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, context,
                            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listenSocket,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, context,
                            MHD_OPTION_THREAD_POOL_SIZE, threadPoolSize,
                            MHD_OPTION_CONNECTION_TIMEOUT, connectionTimeoutSeconds,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, connectionMemoryLimit,
                            MHD_OPTION_END);
}

// The client's IP address as text ("127.0.0.1", "::1") into `buffer`; false when MHD cannot tell.
// MHD_get_connection_info is variadic and answers with a union holding a sockaddr.
static inline _Bool statml_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t size) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL || size == 0) return 0;
    const struct sockaddr *address = info->client_addr;
    const void *raw = NULL;
    if (address->sa_family == AF_INET) {
        raw = &((const struct sockaddr_in *)address)->sin_addr;
    } else if (address->sa_family == AF_INET6) {
        raw = &((const struct sockaddr_in6 *)address)->sin6_addr;
    } else {
        return 0;
    }
    return inet_ntop(address->sa_family, raw, buffer, (socklen_t)size) != NULL;
}

// The connection's socket, or -1. MHD_get_connection_info is variadic.
static inline int statml_mhd_connection_socket(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : (int)info->connect_fd;
}
