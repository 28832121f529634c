#include "daemon/doctor_report.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace llmon {

namespace json = boost::json;
using tuning::CheckResult;
using tuning::CheckState;

namespace {

constexpr int kCheckColumn = 20;  // width of the check name column

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string percent(double ratio) {
  char text[16];
  std::snprintf(text, sizeof text, "%.0f %%", ratio * 100);
  return text;
}

std::string pool(const char* name, const std::optional<double>& used,
                 const std::optional<double>& total) {
  if (!total) return "";
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  char text[64];
  if (used) {
    std::snprintf(text, sizeof text, ", %s %.1f/%.1f GiB", name, *used / kGiB, *total / kGiB);
  } else {
    std::snprintf(text, sizeof text, ", %s %.1f GiB", name, *total / kGiB);
  }
  return text;
}

const char* mark(CheckState state) {
  switch (state) {
    case CheckState::kOk:
      return "OK      ";
    case CheckState::kDrift:
      return "DRIFT   ";
    case CheckState::kUnknown:
      break;
  }
  return "UNKNOWN ";
}

void check_lines(std::string& out, const CheckResult& r) {
  const std::string indent(2 + 8 + kCheckColumn, ' ');
  out += "  " + std::string(mark(r.state)) + pad(r.check, kCheckColumn);
  std::vector<std::string> lines;
  if (r.state == CheckState::kUnknown) {
    lines.push_back(r.unknown_reason);
  } else if (r.state == CheckState::kOk) {
    if (!r.evidence.empty()) lines.push_back(r.evidence.front());
  } else {
    lines = r.evidence;
  }
  if (!r.fix.empty() && r.state == CheckState::kDrift) lines.push_back("fix: " + r.fix);
  if (lines.empty()) lines.emplace_back();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += (i ? indent : "") + lines[i] + "\n";
  }
}

struct Counts {
  int ok = 0, drift = 0, unknown = 0;
  void add(const std::vector<CheckResult>& results) {
    for (const CheckResult& r : results) {
      if (r.state == CheckState::kOk) ++ok;
      if (r.state == CheckState::kDrift) ++drift;
      if (r.state == CheckState::kUnknown) ++unknown;
    }
  }
};

Counts count(const DoctorReport& report) {
  Counts c;
  c.add(report.host_checks);
  for (const auto& i : report.instances) c.add(i.checks);
  return c;
}

json::value check_json(const CheckResult& r) {
  json::array evidence;
  for (const auto& e : r.evidence) evidence.emplace_back(e);
  json::object o{{"check", r.check}, {"state", tuning::state_name(r.state)}};
  if (!r.instance.empty()) o["ollama"] = r.instance;
  if (r.state == CheckState::kDrift) {
    o["expected"] = r.expected;
    o["actual"] = r.actual;
  }
  o["evidence"] = std::move(evidence);
  if (!r.fix.empty()) o["fix"] = r.fix;
  if (r.state == CheckState::kUnknown) o["reason"] = r.unknown_reason;
  return o;
}

json::value opt(const std::optional<double>& v) { return v ? json::value(*v) : nullptr; }

// Byte counts as JSON integers: 536870912, not 5.36870912E8.
json::value opt_bytes(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v) || *v < 0) return nullptr;
  return json::value(static_cast<std::uint64_t>(std::llround(*v)));
}

}  // namespace

std::string render_doctor_text(const DoctorReport& report) {
  std::string out = "GPUs\n";
  if (!report.gpu_problem.empty()) out += "  " + report.gpu_problem + "\n";
  std::size_t loaded = 0;
  for (const auto& i : report.instances) loaded += i.models_loaded;
  bool all_idle = !report.gpus.empty();
  for (const DoctorGpu& g : report.gpus) {
    out += "  gpu " + g.gpu + ": " + g.name;
    if (!g.gfx_target.empty()) out += " (" + g.gfx_target + ")";
    out += pool("VRAM", g.vram_used, g.vram_total) + pool("GTT", g.gtt_used, g.gtt_total);
    if (g.busy_ratio) out += ", busy " + percent(*g.busy_ratio);
    out += "\n";
    all_idle = all_idle && g.busy_ratio && *g.busy_ratio < 0.005;
  }
  if (all_idle && loaded > 0) {
    out += "  note: the GPU is idle with " + std::to_string(loaded) +
           " model(s) loaded; normal between requests, but a request running now is not using "
           "the GPU\n";
  }
  out += "\nHost\n";
  for (const CheckResult& r : report.host_checks) check_lines(out, r);
  for (const DoctorInstance& i : report.instances) {
    out += "\nOllama \"" + i.name + "\" at " + i.url;
    if (i.up) {
      out += ": version " + i.version + ", " + std::to_string(i.models_loaded) + " model(s) loaded";
    } else {
      out += ": DOWN (" + i.problem + ")";
    }
    if (i.pid) out += ", pid " + std::to_string(*i.pid);
    out += "\n";
    for (const CheckResult& r : i.checks) check_lines(out, r);
  }
  const Counts c = count(report);
  out += "\n" + std::to_string(c.drift) + " drift, " + std::to_string(c.unknown) + " unknown, " +
         std::to_string(c.ok) + " ok";
  if (c.unknown > 0) out += " (UNKNOWN: llmon could not look; see docs/tuning-drift.md)";
  return out + "\n";
}

std::string render_doctor_json(const DoctorReport& report) {
  json::array gpus;
  for (const DoctorGpu& g : report.gpus) {
    gpus.push_back(json::object{{"gpu", g.gpu},
                                {"name", g.name},
                                {"gfx_target", g.gfx_target},
                                {"vram_used_bytes", opt_bytes(g.vram_used)},
                                {"vram_total_bytes", opt_bytes(g.vram_total)},
                                {"gtt_used_bytes", opt_bytes(g.gtt_used)},
                                {"gtt_total_bytes", opt_bytes(g.gtt_total)},
                                {"busy_ratio", opt(g.busy_ratio)}});
  }
  json::array host;
  for (const CheckResult& r : report.host_checks) host.push_back(check_json(r));
  json::array instances;
  for (const DoctorInstance& i : report.instances) {
    json::array checks;
    for (const CheckResult& r : i.checks) checks.push_back(check_json(r));
    json::object o{{"name", i.name}, {"url", i.url}, {"up", i.up}};
    if (i.up) {
      o["version"] = i.version;
      o["models_loaded"] = i.models_loaded;
    } else {
      o["problem"] = i.problem;
    }
    o["pid"] = i.pid ? json::value(*i.pid) : nullptr;
    o["checks"] = std::move(checks);
    instances.push_back(std::move(o));
  }
  const Counts c = count(report);
  json::object root{
      {"gpus", std::move(gpus)},
      {"host_checks", std::move(host)},
      {"instances", std::move(instances)},
      {"summary", json::object{{"drift", c.drift}, {"unknown", c.unknown}, {"ok", c.ok}}}};
  if (!report.gpu_problem.empty()) root["gpu_problem"] = report.gpu_problem;
  return json::serialize(root) + "\n";
}

int doctor_exit_code(const DoctorReport& report) { return count(report).drift > 0 ? 1 : 0; }

}  // namespace llmon
