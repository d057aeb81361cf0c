// A plain C API over sentencepiece (C++), so Swift needs no C++ interop (STYLE.md §2).
#ifndef STATML_SPM_H
#define STATML_SPM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct statml_spm statml_spm;

/// Loads a model file; on failure returns NULL and sets *error (free it with statml_spm_free_string).
statml_spm *statml_spm_load(const char *path, char **error);
void statml_spm_free(statml_spm *model);

/// Number of pieces in the vocabulary.
int statml_spm_vocab_size(const statml_spm *model);

/// Encodes UTF-8 text to piece ids. Writes at most `capacity` ids and returns how many the text
/// needs (call again with a larger buffer when the result exceeds `capacity`), or -1 on error.
int statml_spm_encode(const statml_spm *model, const char *text, int *ids, int capacity, char **error);

/// Decodes ids back to text; the result is malloc'ed (free with statml_spm_free_string), NULL on error.
char *statml_spm_decode(const statml_spm *model, const int *ids, int count, char **error);

/// Trains a model with sentencepiece's flag syntax ("--input=f --model_prefix=m --vocab_size=100").
/// Returns 0 on success, otherwise -1 and sets *error.
int statml_spm_train(const char *arguments, char **error);

void statml_spm_free_string(char *text);

#ifdef __cplusplus
}
#endif

#endif
