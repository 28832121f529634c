#pragma once
// Loading the TLS plugin (llmon-tls.so) and TLS contexts through it. The plugin is dlopen()ed on
// first use and kept for the life of the process; nothing of OpenSSL is mapped before that.
// Thread-safe.
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "exporters/tls_backend.hpp"

namespace llmon {

// Where the plugin is looked for, in order: $LLMON_TLS_PLUGIN (a file, for unusual layouts and
// the tests), the directory of the running binary (a build tree), then lib/llmon/ beside the
// binary's bin/ (an installed tree, whatever its prefix).
std::vector<std::string> tls_plugin_candidates();

// The loaded plugin, or why it cannot be loaded (every place tried, with dlerror()).
Expected<const TlsBackend*> tls_backend();

// Loads certificate, key and client CAs; the error names the file and OpenSSL's reason.
Expected<std::shared_ptr<const TlsContext>> load_tls_context(const TlsSettings& settings);

}  // namespace llmon
