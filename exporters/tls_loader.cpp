#include "exporters/tls_loader.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>

#ifndef LLMON_PLUGIN_RELATIVE_DIR
#define LLMON_PLUGIN_RELATIVE_DIR "lib/llmon"
#endif

namespace llmon {

std::vector<std::string> tls_plugin_candidates() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("LLMON_TLS_PLUGIN"); env != nullptr && *env != '\0') {
    paths.emplace_back(env);
  }
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    paths.push_back((self.parent_path() / kTlsPluginFile).string());
    // PREFIX/bin/llmon next to PREFIX/lib/llmon: right for make install's prefix, the package's
    // /usr and a DESTDIR tree alike, which a path fixed at build time is not.
    paths.push_back(
        (self.parent_path().parent_path() / LLMON_PLUGIN_RELATIVE_DIR / kTlsPluginFile).string());
  }
  return paths;
}

namespace {

Expected<const TlsBackend*> open_plugin() {
  std::string tried;
  const std::string build = tls_plugin_build();
  for (const std::string& path : tls_plugin_candidates()) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      tried += "\n  " + path + ": not found";
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      tried += "\n  " + path + ": " + (why != nullptr ? why : "dlopen failed");
      continue;
    }
    auto entry = reinterpret_cast<TlsPluginEntry>(dlsym(handle, kTlsPluginSymbol));
    const TlsBackend* backend = entry != nullptr ? entry(build.c_str()) : nullptr;
    if (backend == nullptr) {
      tried += "\n  " + path + ": not the plugin of this llmon build (" + build + ")";
      dlclose(handle);
      continue;
    }
    return backend;  // the handle stays open for the life of the process
  }
  return make_error("TLS needs the plugin " + std::string(kTlsPluginFile) +
                    " (installed with llmon), tried:" + tried);
}

}  // namespace

Expected<const TlsBackend*> tls_backend() {
  static std::mutex mutex;
  static std::optional<Expected<const TlsBackend*>> loaded;
  std::lock_guard lock(mutex);
  // A missing plugin is looked for again next time (it may have been installed since).
  if (!loaded || !loaded->ok()) loaded = open_plugin();
  return *loaded;
}

Expected<std::shared_ptr<const TlsContext>> load_tls_context(const TlsSettings& settings) {
  auto backend = tls_backend();
  if (!backend) return backend.error();
  std::string error;
  auto context = (*backend)->load(settings, error);
  if (!context) return make_error(error);
  return context;
}

}  // namespace llmon
