// handle_request and immediate_reply: the Ollama API surface of the fake.
#include "routes.hpp"

#include <array>

#include "inference.hpp"
#include "responses.hpp"

namespace fake_ollama {

namespace {

struct Route {
  std::string_view path;
  std::array<std::string_view, 2> methods;
  bool implemented;
};

// Ollama 0.12's routes (server/routes.go GenerateRoutes), for gin's 404-versus-405 decision.
constexpr Route kRoutes[] = {
    {"/", {"GET", "HEAD"}, true},
    {"/api/version", {"GET", "HEAD"}, true},
    {"/api/tags", {"GET", "HEAD"}, true},
    {"/api/ps", {"GET", ""}, true},
    {"/api/show", {"POST", ""}, true},
    {"/api/generate", {"POST", ""}, true},
    {"/api/chat", {"POST", ""}, true},
    {"/api/pull", {"POST", ""}, false},
    {"/api/push", {"POST", ""}, false},
    {"/api/create", {"POST", ""}, false},
    {"/api/copy", {"POST", ""}, false},
    {"/api/delete", {"DELETE", ""}, false},
    {"/api/embed", {"POST", ""}, false},
    {"/api/embeddings", {"POST", ""}, false},
    {"/v1/chat/completions", {"POST", ""}, false},
    {"/v1/completions", {"POST", ""}, false},
    {"/v1/embeddings", {"POST", ""}, false},
    {"/v1/models", {"GET", ""}, false},
};

const Route* find_route(std::string_view path) {
  for (const auto& r : kRoutes) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

bool allows(const Route& r, std::string_view method) {
  return r.methods[0] == method || (!r.methods[1].empty() && r.methods[1] == method);
}

Reply show(State& state, const Request& request) {
  DecodedBody decoded = decode_request_body(request.body, "api.ShowRequest");
  if (!decoded.object) return error_reply(400, decoded.error);
  GoFields fields(*decoded.object, "ShowRequest");
  std::string model = fields.string("model").value_or("");
  const std::string name = fields.string("name").value_or("");  // deprecated spelling
  fields.boolean("verbose");
  if (!fields.ok()) return error_reply(400, fields.error());
  if (model.empty()) model = name;
  if (model.empty()) return error_reply(400, "model is required");
  const ModelSpec* spec = state.scenario().find(model);
  if (spec == nullptr) return error_reply(404, "model '" + model + "' not found");
  return json_reply(200, show_json(state.scenario().server, *spec));
}

}  // namespace

Reply immediate_reply(State& state, const Request& request) {
  const Route* route = find_route(request.path);
  if (route == nullptr) return Reply{404, std::string(kGinTextType), "404 page not found"};
  if (!allows(*route, request.method)) {
    return Reply{405, std::string(kGinTextType), "405 method not allowed"};
  }
  if (!route->implemented) {
    return error_reply(501,
                       "fake_ollama does not implement " + request.method + " " + request.path);
  }
  const std::string_view path = request.path;
  if (path == "/") return Reply{200, std::string(kTextType), "Ollama is running"};
  if (path == "/api/version") {
    boost::json::object v;
    v["version"] = state.scenario().server.version;
    return json_reply(200, v);
  }
  if (path == "/api/tags") return json_reply(200, tags_json(state.scenario()));
  if (path == "/api/ps")
    return json_reply(200, ps_json(state.scenario().server, state.scheduler.running()));
  if (path == "/api/show") return show(state, request);
  const Endpoint endpoint = path == "/api/chat" ? Endpoint::kChat : Endpoint::kGenerate;
  return instant_inference(state.scenario(), endpoint, request.body);
}

void handle_request(State& state, const std::shared_ptr<Connection>& conn, Request request) {
  if (handle_control(state, conn, request)) return;
  state.log.record(request);
  const std::optional<FaultSpec> fault = state.faults.take(request.path);
  const bool inference =
      request.method == "POST" && (request.path == "/api/generate" || request.path == "/api/chat");
  // These two play the real generation and distort it on the way; others answer at once.
  const bool played = fault && (fault->kind == FaultKind::kMidStreamError ||
                                fault->kind == FaultKind::kBogusMetrics);
  if (fault && !(inference && played)) {
    return play_fault(state, conn, request, *fault);
  }
  if (!inference) {
    Reply r = immediate_reply(state, request);
    return conn->send(r.status, r.content_type, std::move(r.body));
  }
  const Endpoint endpoint = request.path == "/api/chat" ? Endpoint::kChat : Endpoint::kGenerate;
  auto parsed = parse_inference(state.scenario(), endpoint, request.body);
  if (auto* reply = std::get_if<Reply>(&parsed)) {
    return conn->send(reply->status, reply->content_type, std::move(reply->body));
  }
  run_inference(state, conn, std::move(std::get<InferenceRequest>(parsed)), fault);
}

}  // namespace fake_ollama
