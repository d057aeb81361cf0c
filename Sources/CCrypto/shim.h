// OpenSSL's libcrypto, for SHA-256 only: its block function uses the CPU's SHA extensions when present
// (about ten times the speed of portable code), which matters for checksumming model files of tens of MB.
// The low-level SHA256_* calls are deprecated in OpenSSL 3 in favour of EVP but remain supported; they
// keep the state in a plain struct, so a Swift value copy is a real copy of the hasher.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

typedef struct { SHA256_CTX context; } statml_sha256;

static inline void statml_sha256_init(statml_sha256 *s) { SHA256_Init(&s->context); }
static inline void statml_sha256_update(statml_sha256 *s, const void *bytes, size_t count) {
    SHA256_Update(&s->context, bytes, count);
}
static inline void statml_sha256_final(statml_sha256 *s, unsigned char digest[32]) {
    SHA256_Final(digest, &s->context);
}
