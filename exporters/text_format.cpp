#include "exporters/text_format.hpp"

#include <cmath>

#include "common/number_format.hpp"

namespace llmon {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// HELP text escapes backslash and newline; label values also escape the double quote.
void append_escaped(std::string& out, const std::string& text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// name{labels[,extra="value"]} value
void append_sample(std::string& out, const MetricFamily& family, const ClientMetric& metric,
                   const char* suffix, const char* extra_name, const std::string& extra_value,
                   const std::string& value) {
  out += family.name;
  out += suffix;
  if (!metric.label.empty() || extra_name != nullptr) {
    out += '{';
    bool first = true;
    for (const auto& label : metric.label) {
      if (!first) out += ',';
      first = false;
      out += label.name;
      out += "=\"";
      append_escaped(out, label.value, true);
      out += '"';
    }
    if (extra_name != nullptr) {
      if (!first) out += ',';
      out += extra_name;
      out += "=\"";
      out += extra_value;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

void append_sample(std::string& out, const MetricFamily& family, const ClientMetric& metric,
                   const std::string& value) {
  append_sample(out, family, metric, "", nullptr, "", value);
}

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      break;
  }
  return "untyped";
}

// The sample lines of one series, in prometheus-cpp's order (count, sum, then buckets or
// quantiles), which every parser accepts and which keeps the golden files stable.
void append_series(std::string& out, const MetricFamily& family, const ClientMetric& m) {
  switch (family.type) {
    case MetricType::Counter:
      return append_sample(out, family, m, format_number(m.counter.value));
    case MetricType::Gauge:
      return append_sample(out, family, m, format_number(m.gauge.value));
    case MetricType::Untyped:
      return append_sample(out, family, m, format_number(m.untyped.value));
    case MetricType::Summary:
      append_sample(out, family, m, "_count", nullptr, "", std::to_string(m.summary.sample_count));
      append_sample(out, family, m, "_sum", nullptr, "", format_number(m.summary.sample_sum));
      for (const auto& q : m.summary.quantile) {
        append_sample(out, family, m, "", "quantile", format_number(q.quantile),
                      format_number(q.value));
      }
      return;
    case MetricType::Histogram: {
      const auto& h = m.histogram;
      append_sample(out, family, m, "_count", nullptr, "", std::to_string(h.sample_count));
      append_sample(out, family, m, "_sum", nullptr, "", format_number(h.sample_sum));
      bool has_inf = false;
      for (const auto& b : h.bucket) {
        has_inf = has_inf || (std::isinf(b.upper_bound) && b.upper_bound > 0);
        append_sample(out, family, m, "_bucket", "le", format_number(b.upper_bound),
                      std::to_string(b.cumulative_count));
      }
      if (!has_inf) {
        append_sample(out, family, m, "_bucket", "le", "+Inf", std::to_string(h.sample_count));
      }
      return;
    }
  }
}

}  // namespace

std::string render_text(const MetricFamilies& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    if (family.metric.empty()) continue;
    if (!family.help.empty()) {
      out += "# HELP ";
      out += family.name;
      out += ' ';
      append_escaped(out, family.help, false);
      out += '\n';
    }
    out += "# TYPE ";
    out += family.name;
    out += ' ';
    out += type_name(family.type);
    out += '\n';
    for (const ClientMetric& metric : family.metric) append_series(out, family, metric);
  }
  return out;
}

}  // namespace llmon
