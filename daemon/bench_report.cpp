#include "daemon/bench_report.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <functional>
#include <sstream>

#include "collectors/bench/baseline.hpp"
#include "common/number_format.hpp"

namespace llmon {

namespace {

namespace json = boost::json;
using bench::Outcome;

// One column's values over a model's runs; summarised as median (min-max).
struct Stat {
  std::vector<double> values;
  bool empty() const { return values.empty(); }
  double med() const { return bench::median(values); }
  double min() const { return *std::min_element(values.begin(), values.end()); }
  double max() const { return *std::max_element(values.begin(), values.end()); }
};

struct Summary {
  std::size_t runs = 0, ok = 0, correct = 0, checked = 0;
  Stat total, tokens, eval_tps, prompt_tps, ttft, load, jpt, busy;
  std::string energy_domain;  // of the runs with joules per token ("mixed" when they differ)
};

Summary summarise(const ModelRuns& m) {
  Summary s;
  for (const auto& run : m.runs) {
    const auto& r = run.result;
    const auto& x = r.measurement;
    ++s.runs;
    if (r.outcome == Outcome::kOk) ++s.ok;
    if (r.correct) {
      ++s.checked;
      if (*r.correct) ++s.correct;
    }
    // Runs that generated to the end have real timings, whatever the answer.
    if (r.outcome != Outcome::kOk && r.outcome != Outcome::kMismatch &&
        r.outcome != Outcome::kTruncated) {
      continue;
    }
    if (x.total_duration_ns)
      s.total.values.push_back(static_cast<double>(*x.total_duration_ns) / 1e9);
    if (x.eval_count) s.tokens.values.push_back(static_cast<double>(*x.eval_count));
    if (auto v = x.eval_tokens_per_second()) s.eval_tps.values.push_back(*v);
    if (auto v = x.prompt_tokens_per_second()) s.prompt_tps.values.push_back(*v);
    if (x.ttft_seconds) s.ttft.values.push_back(*x.ttft_seconds);
    s.load.values.push_back(static_cast<double>(x.load_duration_ns.value_or(0)) / 1e9);
    if (r.joules_per_token) {
      s.jpt.values.push_back(*r.joules_per_token);
      if (s.energy_domain.empty()) s.energy_domain = r.energy_domain;
      if (s.energy_domain != r.energy_domain) s.energy_domain = "mixed";
    }
    if (r.gpu_busy_ratio) s.busy.values.push_back(*r.gpu_busy_ratio);
  }
  return s;
}

std::string fmt(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string cell(const Stat& s, int decimals, bool spread) {
  if (s.empty()) return "-";
  std::string out = fmt(s.med(), decimals);
  if (spread && s.values.size() > 1) {
    out += " (" + fmt(s.min(), decimals) + "-" + fmt(s.max(), decimals) + ")";
  }
  return out;
}

json::value stat_json(const Stat& s) {
  if (s.empty()) return nullptr;
  json::array values;
  for (double v : s.values) values.push_back(v);
  return json::object{
      {"median", s.med()}, {"min", s.min()}, {"max", s.max()}, {"values", std::move(values)}};
}

json::value opt(const std::optional<double>& v) {
  if (!v) return nullptr;
  return *v;
}

json::value run_json(const ModelRuns::Run& run) {
  const auto& r = run.result;
  const auto& x = r.measurement;
  json::object o{{"prompt", run.prompt},
                 {"run", run.index},
                 {"result", bench::outcome_name(r.outcome)},
                 {"eval_tokens_per_second", opt(x.eval_tokens_per_second())},
                 {"prompt_eval_tokens_per_second", opt(x.prompt_tokens_per_second())},
                 {"ttft_seconds", opt(x.ttft_seconds)},
                 {"mean_chunk_gap_seconds", opt(x.mean_gap_seconds)},
                 {"max_chunk_gap_seconds", opt(x.max_gap_seconds)},
                 {"queue_seconds", opt(x.queue_seconds())},
                 {"done_reason", x.done_reason},
                 {"wall_seconds", r.wall_seconds},
                 {"gpu_busy_ratio", opt(r.gpu_busy_ratio)},
                 {"energy_joules", opt(r.energy_joules)},
                 {"joules_per_token", opt(r.joules_per_token)}};
  if (!r.energy_domain.empty()) o["energy_domain"] = r.energy_domain;
  auto ns = [&](const char* key, const std::optional<std::int64_t>& v) {
    o[key] = v ? json::value(*v) : json::value(nullptr);
  };
  ns("total_duration_ns", x.total_duration_ns);
  ns("load_duration_ns", x.load_duration_ns);
  ns("prompt_eval_count", x.prompt_eval_count);
  ns("prompt_eval_duration_ns", x.prompt_eval_duration_ns);
  ns("eval_count", x.eval_count);
  ns("eval_duration_ns", x.eval_duration_ns);
  o["correct"] = r.correct ? json::value(*r.correct) : json::value(nullptr);
  if (!r.error.empty()) o["error"] = r.error;
  // Values Ollama claimed that no server can measure (they are null above).
  if (!x.impossible.empty()) o["impossible"] = x.impossible;
  return o;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string render_bench_report(const std::string& ollama_url, const std::vector<ModelRuns>& models,
                                const std::string& format, bool spread_wanted) {
  std::ostringstream out;
  if (format == "json") {
    json::array rows;
    for (const auto& m : models) {
      const Summary s = summarise(m);
      json::array runs;
      for (const auto& run : m.runs) runs.push_back(run_json(run));
      rows.push_back(json::object{{"model", m.model},
                                  {"was_loaded", m.was_loaded},
                                  {"runs", s.runs},
                                  {"ok", s.ok},
                                  {"correct", s.correct},
                                  {"checked", s.checked},
                                  {"total_seconds", stat_json(s.total)},
                                  {"eval_tokens", stat_json(s.tokens)},
                                  {"eval_tokens_per_second", stat_json(s.eval_tps)},
                                  {"prompt_eval_tokens_per_second", stat_json(s.prompt_tps)},
                                  {"ttft_seconds", stat_json(s.ttft)},
                                  {"load_seconds", stat_json(s.load)},
                                  {"joules_per_token", stat_json(s.jpt)},
                                  {"gpu_busy_ratio", stat_json(s.busy)},
                                  {"details", std::move(runs)}});
      if (!s.energy_domain.empty()) rows.back().as_object()["energy_domain"] = s.energy_domain;
    }
    out << json_text(json::object{{"ollama", ollama_url}, {"models", std::move(rows)}}) << "\n";
    return out.str();
  }
  const bool csv = format == "csv";
  if (csv) {
    // One row per model, every column a plain value a spreadsheet can sum: the instance in its
    // own column, correct and checked as two numbers.
    out << "ollama,model,runs,ok,total_s,tokens,gen_tok_s,prompt_tok_s,ttft_s,load_s,correct,"
           "checked,j_per_token,gpu_busy\n";
    for (const auto& m : models) {
      const Summary s = summarise(m);
      const std::vector<std::string> row = {ollama_url,
                                            m.model,
                                            std::to_string(s.runs),
                                            std::to_string(s.ok),
                                            cell(s.total, 2, false),
                                            cell(s.tokens, 0, false),
                                            cell(s.eval_tps, 1, false),
                                            cell(s.prompt_tps, 1, false),
                                            cell(s.ttft, 3, false),
                                            cell(s.load, 2, false),
                                            std::to_string(s.correct),
                                            std::to_string(s.checked),
                                            cell(s.jpt, 3, false),
                                            cell(s.busy, 2, false)};
      for (std::size_t i = 0; i < row.size(); ++i) {
        out << (i ? "," : "") << csv_field(row[i] == "-" ? "" : row[i]);
      }
      out << "\n";
    }
    return out.str();
  }
  const std::vector<std::string> header = {"model",  "runs",      "ok",           "total_s",
                                           "tokens", "gen_tok_s", "prompt_tok_s", "ttft_s",
                                           "load_s", "correct",   "j_per_token",  "gpu_busy"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : models) {
    const Summary s = summarise(m);
    const bool spread = spread_wanted;  // min-max beside the median
    rows.push_back({m.model, std::to_string(s.runs), std::to_string(s.ok), cell(s.total, 2, spread),
                    cell(s.tokens, 0, spread), cell(s.eval_tps, 1, spread),
                    cell(s.prompt_tps, 1, spread), cell(s.ttft, 3, spread), cell(s.load, 2, false),
                    s.checked ? std::to_string(s.correct) + "/" + std::to_string(s.checked) : "-",
                    cell(s.jpt, 3, spread), cell(s.busy, 2, spread)});
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (std::size_t i = 0; i < row.size(); ++i) {
      text += (i ? "  " : "") + row[i] + std::string(width[i] - row[i].size(), ' ');
    }
    // Padding only separates columns: none after the last one.
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << "\n";
  };
  out << "Ollama " << ollama_url << ": medians over all prompts and runs"
      << (spread_wanted ? ", min-max in parentheses" : "") << "\n";
  line(header);
  for (const auto& row : rows) line(row);
  // Which power the joules are of matters: an APU's package power includes its CPU cores.
  std::string domain;
  for (const auto& m : models) {
    const std::string d = summarise(m).energy_domain;
    if (d.empty()) continue;
    domain = domain.empty() || domain == d ? d : "mixed";
  }
  if (domain == "gfx") out << "j_per_token: the GPU's own power (gpu_metrics)\n";
  if (domain == "package") out << "j_per_token: the package power (an APU's includes its CPU)\n";
  if (domain == "mixed") out << "j_per_token: GPU-only power where reported, else package power\n";
  return out.str();
}

}  // namespace llmon
