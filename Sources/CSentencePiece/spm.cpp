#include "spm.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct statml_spm {
    sentencepiece::SentencePieceProcessor processor;
};

static char *copy_string(const std::string &text) {
    char *out = static_cast<char *>(std::malloc(text.size() + 1));
    if (out != nullptr) {
        std::memcpy(out, text.data(), text.size());
        out[text.size()] = '\0';
    }
    return out;
}

static void set_error(char **error, const std::string &message) {
    if (error != nullptr) *error = copy_string(message);
}

extern "C" statml_spm *statml_spm_load(const char *path, char **error) {
    auto *model = new (std::nothrow) statml_spm();
    if (model == nullptr) {
        set_error(error, "out of memory");
        return nullptr;
    }
    const auto status = model->processor.Load(path);
    if (!status.ok()) {
        set_error(error, status.ToString());
        delete model;
        return nullptr;
    }
    return model;
}

extern "C" void statml_spm_free(statml_spm *model) { delete model; }

extern "C" int statml_spm_vocab_size(const statml_spm *model) { return model->processor.GetPieceSize(); }

extern "C" int statml_spm_encode(const statml_spm *model, const char *text, int *ids, int capacity,
                                 char **error) {
    std::vector<int> pieces;
    const auto status = model->processor.Encode(text, &pieces);
    if (!status.ok()) {
        set_error(error, status.ToString());
        return -1;
    }
    const int count = static_cast<int>(pieces.size());
    for (int i = 0; i < count && i < capacity; ++i) ids[i] = pieces[static_cast<size_t>(i)];
    return count;
}

extern "C" char *statml_spm_decode(const statml_spm *model, const int *ids, int count, char **error) {
    std::vector<int> pieces(ids, ids + count);
    std::string text;
    const auto status = model->processor.Decode(pieces, &text);
    if (!status.ok()) {
        set_error(error, status.ToString());
        return nullptr;
    }
    return copy_string(text);
}

extern "C" int statml_spm_train(const char *arguments, char **error) {
    const auto status = sentencepiece::SentencePieceTrainer::Train(arguments);
    if (!status.ok()) {
        set_error(error, status.ToString());
        return -1;
    }
    return 0;
}

extern "C" void statml_spm_free_string(char *text) { std::free(text); }
