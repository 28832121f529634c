#include "collectors/ollama/api.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <tuple>

#include "collectors/ollama/model_blob.hpp"
#include "common/label_value.hpp"

namespace llmon::ollama {

namespace json = boost::json;

namespace {

// Parses a whole document into `storage` (default: the heap); errors carry the byte offset where
// parsing stopped.
Expected<json::value> parse_document(std::string_view text, std::string_view what,
                                     json::storage_ptr storage = {}) {
  json::parse_options options;
  options.max_depth = 64;
  json::stream_parser parser({}, options);
  parser.reset(std::move(storage));
  boost::system::error_code ec;
  const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return make_error(std::string(what) + ": invalid JSON at byte " + std::to_string(consumed) +
                      " of " + std::to_string(text.size()) + ": " + ec.message());
  }
  return parser.release();
}

std::string bounded(std::string_view text) { return bounded_text(text, kMaxTextBytes); }

// The strings of a JSON array, each bounded, at most kMaxListItems of them; other kinds skipped.
std::vector<std::string> bounded_strings(const json::array& array) {
  std::vector<std::string> out;
  for (const json::value& e : array) {
    if (out.size() == kMaxListItems) break;
    if (e.is_string()) out.push_back(bounded(e.get_string()));
  }
  return out;
}

const char* kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "?";
}

// Field accessors: absent (or null) -> nullopt; present with the wrong type -> error text.
struct Fields {
  const json::object& obj;
  std::string path;  // "models[2]"
  std::string error;

  const json::value* find(std::string_view key) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->value().is_null()) return nullptr;
    return &it->value();
  }
  void wrong(std::string_view key, const char* expected, const json::value& v) {
    if (error.empty()) {
      error = path + "." + std::string(key) + ": expected " + expected + ", found " + kind(v);
    }
  }
  std::optional<std::string> str(std::string_view key) {
    const json::value* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
      wrong(key, "a string", *v);
      return std::nullopt;
    }
    return bounded(v->get_string());
  }
  std::optional<std::int64_t> integer(std::string_view key) {
    const json::value* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(v->get_uint64());
    }
    if (v->is_double() && std::trunc(v->get_double()) == v->get_double() &&
        std::abs(v->get_double()) < 9.2e18) {
      return static_cast<std::int64_t>(v->get_double());
    }
    wrong(key, "an integer", *v);
    return std::nullopt;
  }
};

ModelDetails parse_details(Fields& parent) {
  ModelDetails d;
  const json::value* v = parent.find("details");
  if (v == nullptr) return d;
  if (!v->is_object()) {
    parent.wrong("details", "an object", *v);
    return d;
  }
  Fields f{v->get_object(), parent.path + ".details", {}};
  d.parent_model = f.str("parent_model").value_or("");
  d.format = f.str("format").value_or("");
  d.family = f.str("family").value_or("");
  d.parameter_size = f.str("parameter_size").value_or("");
  d.quantization_level = f.str("quantization_level").value_or("");
  if (const json::value* fam = f.find("families")) {
    if (!fam->is_array()) {
      f.wrong("families", "an array", *fam);
    } else {
      d.families = bounded_strings(fam->get_array());
    }
  }
  if (parent.error.empty()) parent.error = f.error;
  return d;
}

// The "models" array of /api/ps or /api/tags; null means none.
Expected<const json::array*> models_array(const json::value& doc, std::string_view what) {
  static const json::array kEmpty;
  if (!doc.is_object()) {
    return make_error(std::string(what) + ": expected a JSON object, found " + kind(doc));
  }
  auto it = doc.get_object().find("models");
  if (it == doc.get_object().end()) {
    return make_error(std::string(what) + ": no \"models\" field");
  }
  if (it->value().is_null()) return &kEmpty;
  if (!it->value().is_array()) {
    return make_error(std::string(what) + ": models: expected an array, found " +
                      kind(it->value()));
  }
  return &it->value().get_array();
}

template <typename Model>
struct Numbered {
  Model model;
  std::size_t index;  // position in the document
};

// Keeps the `limit` entries whose (name, position) sort first.
template <typename Model>
void keep_first(std::vector<Numbered<Model>>& entries, std::size_t limit) {
  if (entries.size() <= limit) return;
  const auto less = [](const Numbered<Model>& a, const Numbered<Model>& b) {
    return std::tie(a.model.name, a.index) < std::tie(b.model.name, b.index);
  };
  const auto end = entries.begin() + static_cast<std::ptrdiff_t>(limit);
  std::nth_element(entries.begin(), end, entries.end(), less);
  entries.erase(end, entries.end());
}

template <typename Model>
struct ModelList {
  std::vector<Model> models;
  std::size_t left_out = 0;
};

// Every entry is checked, but at most 2 * limit are held at a time. The document itself lives in
// a monotonic arena released at once, so a large one leaves no heap fragments behind.
template <typename Model, typename Fill>
Expected<ModelList<Model>> parse_models(std::string_view text, std::string_view what,
                                        std::size_t limit, Fill fill) {
  json::monotonic_resource arena;
  auto doc = parse_document(text, what, &arena);
  if (!doc) return doc.error();
  auto arr = models_array(*doc, what);
  if (!arr) return arr.error();
  std::vector<Numbered<Model>> kept;
  std::size_t i = 0;
  for (const json::value& element : **arr) {
    const std::string path = "models[" + std::to_string(i) + "]";
    if (!element.is_object()) {
      return make_error(std::string(what) + ": " + path + ": expected an object, found " +
                        kind(element));
    }
    Fields f{element.get_object(), path, {}};
    Model m;
    m.name = f.str("name").value_or("");
    m.model = f.str("model").value_or(m.name);
    if (m.name.empty()) m.name = m.model;
    m.digest = f.str("digest").value_or("");
    m.size = f.integer("size").value_or(0);
    m.details = parse_details(f);
    fill(f, m);
    if (!f.error.empty()) return make_error(std::string(what) + ": " + f.error);
    if (m.name.empty()) return make_error(std::string(what) + ": " + path + ": no model name");
    kept.push_back({std::move(m), i++});
    if (kept.size() >= 2 * limit && kept.size() > limit) keep_first(kept, limit);
  }
  keep_first(kept, limit);
  std::sort(kept.begin(), kept.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  ModelList<Model> out;
  out.left_out = i - kept.size();
  out.models.reserve(kept.size());
  for (auto& k : kept) out.models.push_back(std::move(k.model));
  return out;
}

constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max() / 2;

void note(std::string& notes, std::string_view field, std::int64_t value) {
  notes += (notes.empty() ? "" : "; ") + std::string(field) + " " + std::to_string(value);
}

// A byte count no server can report (negative, or past kMaxPlausibleBytes) is noted and becomes
// 0, "unknown", as Ollama's own zero is read.
void check_size(std::int64_t& size, std::string& notes) {
  if (size >= 0 && size <= kMaxPlausibleBytes) return;
  note(notes, "size", size);
  size = 0;
}

// /api/ps's numbers: a value out of range is noted and absent; a context length of 0 is a
// server that does not know it yet (before its runner reported one): absent, not impossible.
void drop_impossible(LoadedModel& m) {
  check_size(m.size, m.impossible);
  if (m.size_vram && (*m.size_vram < 0 || *m.size_vram > kMaxPlausibleBytes)) {
    note(m.impossible, "size_vram", *m.size_vram);
    m.size_vram.reset();
  } else if (m.size_vram && m.size > 0 && *m.size_vram > m.size) {
    // size is the model's whole footprint, of which size_vram is the GPU's part.
    note(m.impossible, "size_vram", *m.size_vram);
    m.impossible += " above size " + std::to_string(m.size);
    m.size_vram.reset();
  }
  if (m.context_length == 0) m.context_length.reset();
  if (m.context_length &&
      (*m.context_length < 0 || *m.context_length > kMaxPlausibleContextLength)) {
    note(m.impossible, "context_length", *m.context_length);
    m.context_length.reset();
  }
}

std::optional<double> timestamp(Fields& f, std::string_view key) {
  auto text = f.str(key);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  if (!t) {
    if (f.error.empty()) f.error = f.path + "." + std::string(key) + ": " + t.error().message;
    return std::nullopt;
  }
  // Go's zero time (year 1) means "not set".
  if (*t < -62135596800.0 + 1) return std::nullopt;
  return *t;
}

}  // namespace

Expected<std::string> parse_version(std::string_view text) {
  auto doc = parse_document(text, "/api/version");
  if (!doc) return doc.error();
  if (!doc->is_object()) return make_error("/api/version: expected a JSON object");
  Fields f{doc->get_object(), "", {}};
  auto version = f.str("version");
  if (!f.error.empty()) return make_error("/api/version: " + f.error.substr(1));
  if (!version) return make_error("/api/version: no \"version\" field");
  return *version;
}

Expected<LoadedModels> parse_ps(std::string_view text, std::size_t limit) {
  auto list = parse_models<LoadedModel>(text, "/api/ps", limit, [](Fields& f, LoadedModel& m) {
    m.size_vram = f.integer("size_vram");
    m.context_length = f.integer("context_length");
    m.expires_at = timestamp(f, "expires_at");
    drop_impossible(m);
  });
  if (!list) return list.error();
  return LoadedModels{std::move(list->models), list->left_out};
}

Expected<std::vector<LoadedModel>> parse_ps(std::string_view text) {
  auto list = parse_ps(text, kAll);
  if (!list) return list.error();
  return std::move(list->models);
}

Expected<std::vector<AvailableModel>> parse_tags(std::string_view text) {
  auto list =
      parse_models<AvailableModel>(text, "/api/tags", kAll, [](Fields& f, AvailableModel& m) {
        m.modified_at = timestamp(f, "modified_at");
        check_size(m.size, m.impossible);
      });
  if (!list) return list.error();
  return std::move(list->models);
}

Expected<ShowInfo> parse_show(std::string_view text) {
  auto doc = parse_document(text, "/api/show");
  if (!doc) return doc.error();
  if (!doc->is_object()) return make_error("/api/show: expected a JSON object");
  const json::object& o = doc->get_object();
  ShowInfo out;
  if (auto it = o.find("capabilities"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_array()) {
      return make_error(std::string("/api/show: capabilities: expected an array, found ") +
                        kind(it->value()));
    }
    out.capabilities = bounded_strings(it->value().get_array());
  }
  // Both are optional (older servers, a model without details): absent reads as empty.
  if (const json::value* details = o.if_contains("details"); details && details->is_object()) {
    if (const json::value* f = details->get_object().if_contains("family"); f && f->is_string()) {
      out.family = bounded(f->get_string());
    }
  }
  if (const json::value* t = o.if_contains("template"); t && t->is_string()) {
    const std::string_view tmpl = t->get_string();
    out.harmony_template = tmpl.find("<|start|>") != std::string_view::npos &&
                           tmpl.find("<|end|>") != std::string_view::npos;
  }
  if (const json::value* m = o.if_contains("modelfile"); m && m->is_string()) {
    out.weights_digest = parse_modelfile_from(m->get_string());
  }
  return out;
}

Expected<std::vector<std::string>> parse_show_capabilities(std::string_view text) {
  auto show = parse_show(text);
  if (!show) return show.error();
  return std::move(show).value().capabilities;
}

bool can_generate(const std::vector<std::string>& capabilities) {
  return capabilities.empty() ||
         std::find(capabilities.begin(), capabilities.end(), "completion") != capabilities.end();
}

Expected<std::string> ok_body(const std::string& request, Expected<HttpResponse> response) {
  if (!response) return response.error();
  if (response->status != 200) {
    return make_error(request + ": HTTP " + std::to_string(response->status) + ": " +
                      error_message(response->body));
  }
  return std::move(response).value().body;
}

std::string error_message(std::string_view body) {
  json::parse_options options;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, options);
  if (!ec && v.is_object()) {
    if (auto it = v.get_object().find("error");
        it != v.get_object().end() && it->value().is_string()) {
      // It goes into log lines: one line, control characters visible, bounded.
      return label_value(it->value().get_string());
    }
  }
  std::string out;
  for (char c : body.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  return out;
}

std::string short_digest(std::string_view digest) {
  if (const auto colon = digest.find(':'); colon != std::string_view::npos) {
    digest.remove_prefix(colon + 1);
  }
  return std::string(digest.substr(0, 12));
}

}  // namespace llmon::ollama
