#include "common/config.hpp"

#include <cctype>
#include <sstream>

#include "common/config_reader.hpp"
#include "common/fs.hpp"
#include "common/log.hpp"
#include "common/ollama_url.hpp"
#include "exporters/listen_address.hpp"

namespace llmon {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr milliseconds kMinInterval{100};

void read_web(const TableReader& t, WebConfig& web) {
  t.reject_unknown({"listen"});
  t.get("listen", web.listen);
  if (auto endpoint = parse_listen_address(web.listen); !endpoint) {
    if (const toml::node* node = t.raw().get("listen")) {
      t.errors().add(node->source(), "web.listen: " + endpoint.error().message);
    }
  }
}

void read_log(const TableReader& t, LogConfig& log) {
  t.reject_unknown({"level"});
  t.get_enum("level", log.level, {"trace", "debug", "info", "warn", "error"});
}

void read_gpu(const TableReader& t, GpuConfig& gpu) {
  t.reject_unknown({"backend", "sysfs_root", "rocm_smi_library", "interval", "sample_interval"});
  t.get_enum("backend", gpu.backend, {"auto", "rocm_smi", "sysfs", "none"});
  t.get("sysfs_root", gpu.sysfs_root);
  t.get("rocm_smi_library", gpu.rocm_smi_library);
  t.get("interval", gpu.interval, kMinInterval, hours(1));
  t.get("sample_interval", gpu.sample_interval, kMinInterval, minutes(1));
  if (gpu.sample_interval > gpu.interval) {
    const toml::node* node = t.raw().get("sample_interval");
    if (node == nullptr) node = t.raw().get("interval");
    if (node != nullptr) {
      t.errors().add(node->source(), "gpu.sample_interval (" +
                                         format_duration(gpu.sample_interval) +
                                         ") must not be longer than gpu.interval (" +
                                         format_duration(gpu.interval) + ")");
    }
  }
}

void read_host(const TableReader& t, HostConfig& host) {
  t.reject_unknown({"procfs_root", "interval"});
  t.get("procfs_root", host.procfs_root);
  t.get("interval", host.interval, kMinInterval, hours(1));
}

bool valid_instance_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

void read_ollama(const TableReader& top, std::vector<OllamaConfig>& out) {
  const toml::node* node = top.raw().get("ollama");
  if (node == nullptr) return;
  const toml::array* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    top.errors().add(node->source(), "ollama: expected [[ollama]] tables (an array of tables), "
                                     "found " + describe_node(*node));
    return;
  }
  out.clear();
  std::size_t index = 0;
  for (const toml::node& element : *arr) {
    const toml::table& table = *element.as_table();
    const TableReader t(table, "ollama[" + std::to_string(index++) + "]", top.errors());
    t.reject_unknown({"name", "url", "interval", "timeout", "max_body_bytes", "process"});
    OllamaConfig o;
    if (arr->size() > 1) o.name.clear();  // several instances: each needs its own name
    t.get("name", o.name);
    t.get("url", o.url);
    t.get("interval", o.interval, kMinInterval, hours(1));
    t.get("timeout", o.timeout, kMinInterval, minutes(5));
    t.get("max_body_bytes", o.max_body_bytes, 1024, std::int64_t{1} << 30);
    t.get("process", o.process);
    if (!valid_instance_name(o.name)) {
      const toml::node* n = table.get("name");
      top.errors().add(n ? n->source() : table.source(),
                       t.qualified("name") + ": expected a unique name of letters, digits, '_', "
                                             "'-' or '.' (it becomes the `ollama` label), found \"" +
                           o.name + "\"");
    }
    for (const auto& other : out) {
      if (other.name == o.name && !o.name.empty()) {
        const toml::node* n = table.get("name");
        top.errors().add(n ? n->source() : table.source(),
                         t.qualified("name") + ": \"" + o.name + "\" is already used by another "
                                                                 "[[ollama]] table");
      }
    }
    if (auto address = parse_ollama_address(o.url); !address) {
      const toml::node* n = table.get("url");
      top.errors().add(n ? n->source() : table.source(),
                       t.qualified("url") + ": " + address.error().message);
    }
    out.push_back(std::move(o));
  }
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

Expected<Config> parse_config(std::string_view toml_text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return make_error(source + ":" + std::to_string(begin.line) + ":" +
                      std::to_string(begin.column) + ": " + std::string(e.description()));
  }
  Config config;
  ConfigErrors errors;
  errors.source = source;
  const TableReader top(root, "", errors);
  top.reject_unknown({"web", "log", "gpu", "host", "ollama"});
  if (const toml::table* t = top.table("web")) read_web(TableReader(*t, "web", errors), config.web);
  if (const toml::table* t = top.table("log")) read_log(TableReader(*t, "log", errors), config.log);
  if (const toml::table* t = top.table("gpu")) read_gpu(TableReader(*t, "gpu", errors), config.gpu);
  if (const toml::table* t = top.table("host")) {
    read_host(TableReader(*t, "host", errors), config.host);
  }
  read_ollama(top, config.ollama);
  if (!errors.errors.empty()) return make_error(errors.sorted_message());
  return config;
}

Expected<Config> load_config(const std::filesystem::path& path) {
  ReadResult file = read_file(path, 1024 * 1024);
  if (!file.ok()) return make_error("cannot read configuration " + file.error);
  return parse_config(file.content, path.string());
}

std::string render_config(const Config& c) {
  std::ostringstream out;
  out << "[web]\n"
      << "listen = " << quote(c.web.listen) << "\n\n"
      << "[log]\n"
      << "level = " << quote(c.log.level) << "\n\n"
      << "[gpu]\n"
      << "backend = " << quote(c.gpu.backend) << "\n"
      << "sysfs_root = " << quote(c.gpu.sysfs_root.string()) << "\n"
      << "rocm_smi_library = " << quote(c.gpu.rocm_smi_library) << "\n"
      << "interval = " << quote(format_duration(c.gpu.interval)) << "\n"
      << "sample_interval = " << quote(format_duration(c.gpu.sample_interval)) << "\n\n"
      << "[host]\n"
      << "procfs_root = " << quote(c.host.procfs_root.string()) << "\n"
      << "interval = " << quote(format_duration(c.host.interval)) << "\n";
  for (const OllamaConfig& o : c.ollama) {
    out << "\n[[ollama]]\n"
        << "name = " << quote(o.name) << "\n"
        << "url = " << quote(o.url) << "\n"
        << "interval = " << quote(format_duration(o.interval)) << "\n"
        << "timeout = " << quote(format_duration(o.timeout)) << "\n"
        << "max_body_bytes = " << o.max_body_bytes << "\n"
        << "process = " << quote(o.process) << "\n";
  }
  return out.str();
}

}  // namespace llmon
