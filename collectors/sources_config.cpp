#include "collectors/sources_config.hpp"

namespace llmon {

void read_sources_config(const TableReader& top, SourcesConfig& s) {
  if (const toml::table* t = top.table("gpu")) {
    read_gpu_config(TableReader(*t, "gpu", top.errors()), s.gpu);
  }
  if (const toml::table* t = top.table("host")) {
    read_host_config(TableReader(*t, "host", top.errors()), s.host);
  }
  read_ollama_configs(top, s.ollama);
  // After [[ollama]]: bench.instances names instances.
  if (const toml::table* t = top.table("bench")) {
    read_bench_config(TableReader(*t, "bench", top.errors()), s.ollama, s.bench);
  }
  if (const toml::table* t = top.table("tuning")) {
    read_tuning_config(TableReader(*t, "tuning", top.errors()), s.tuning);
  }
}

void render_sources_config(std::ostream& out, const SourcesConfig& s) {
  render_gpu_config(out, s.gpu);
  out << "\n";
  render_host_config(out, s.host);
  for (const OllamaConfig& o : s.ollama) {
    out << "\n";
    render_ollama_config(out, o);
  }
  out << "\n";
  render_bench_config(out, s.bench);
  out << "\n";
  render_tuning_config(out, s.tuning);
}

}  // namespace llmon
