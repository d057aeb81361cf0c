#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

// MHD_start_daemon is variadic, which Swift cannot call: one fixed-argument wrapper per option set we use.
static inline struct MHD_Daemon *statml_mhd_start(unsigned int flags, uint16_t port,
                                                  MHD_AccessHandlerCallback handler, void *context,
                                                  unsigned int threadPoolSize,
                                                  unsigned int connectionTimeoutSeconds,
                                                  size_t connectionMemoryLimit) {
    return MHD_start_daemon(flags, port, NULL, NULL, handler, context,
                            MHD_OPTION_THREAD_POOL_SIZE, threadPoolSize,
                            MHD_OPTION_CONNECTION_TIMEOUT, connectionTimeoutSeconds,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, connectionMemoryLimit,
                            MHD_OPTION_END);
}
