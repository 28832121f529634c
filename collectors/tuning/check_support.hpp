#pragma once
// Shared pieces of the check implementations (not a public interface). Pure.
#include <string>

#include "collectors/tuning/checks.hpp"

namespace llmon::tuning::detail {

CheckResult result(std::string_view check, const std::string& instance, CheckState state);
CheckResult unknown(std::string_view check, const std::string& instance, std::string reason);
// "ollama" for "ollama.service": how users type it after systemctl.
std::string short_unit(const std::string& unit);
// "sudo systemctl daemon-reload && sudo systemctl restart ollama"
std::string reload_and_restart(const std::string& unit);
// Why there is no server view, for UNKNOWN results.
std::string no_server_reason(const InstanceView& instance);
// Ollama trims spaces and quotes from every value it reads (envconfig.Var).
std::string ollama_clean(std::string_view value);
// "NAME=value" for expected/actual labels; "NAME unset" when absent.
std::string assignment(const std::string& name, const std::optional<std::string>& value);

}  // namespace llmon::tuning::detail
