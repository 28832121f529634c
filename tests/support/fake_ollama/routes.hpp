#pragma once
// Request dispatch: the Ollama API routes (with gin's 404/405 pages), the /_fake/ control
// routes, and the faults that distort API answers. Runs on the io_context's thread; not
// thread-safe.
#include <memory>

#include "connection.hpp"
#include "reply.hpp"
#include "state.hpp"

namespace fake_ollama {

// Answers one request on `conn` (now, or later for generate/chat and slow faults).
void handle_request(State& state, const std::shared_ptr<Connection>& conn, Request request);

// The answer an API endpoint gives at once, with no waiting and no change of model state: the
// real answer of the listing endpoints, and the body that faults distort for all of them.
Reply immediate_reply(State& state, const Request& request);

// /_fake/... (see README.md); false when `request` is not a control route.
bool handle_control(State& state, const std::shared_ptr<Connection>& conn, const Request& request);

// Plays `fault` on `conn` for `request` (which the caller has already logged).
void play_fault(State& state, const std::shared_ptr<Connection>& conn, const Request& request,
                const FaultSpec& fault);

}  // namespace fake_ollama
