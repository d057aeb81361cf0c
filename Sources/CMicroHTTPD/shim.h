#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
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
