// systemd unit files and drop-ins, the Environment=/EnvironmentFile=/UnsetEnvironment= values in
// them, and the word rules under those (quoting, C escapes, specifiers, unit names). Input: the
// unit's name, a NUL, then the text; without a NUL the whole input is the text.
#include "collectors/tuning/unit_environment.hpp"
#include "collectors/tuning/unit_syntax.hpp"
#include "collectors/tuning/unit_words.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

using llmon::fuzz::check;
namespace tuning = llmon::tuning;

void check_message(const std::string& message) {
  check(!message.empty(), "a problem has a message");
  check(message.size() <= 512, "a problem's message is bounded (printable cuts what it quotes)");
}

void check_unit_file(std::string_view text) {
  const tuning::UnitFile f = tuning::parse_unit_file(text, "fuzz.service");
  // The output is bounded by the input. Each assignment (3 bytes at least: "k=" and a line end)
  // carries a copy of its section's name, at most kMaxSectionNameBytes (longer ones' assignments
  // are dropped): so at most ~21 bytes per input byte, plus the text itself twice.
  std::size_t bytes = 0;
  for (const auto& a : f.assignments) {
    check(!a.key.empty(), "an assignment has a key");
    check(a.line >= 1, "an assignment is located");
    bytes += a.section.size() + a.key.size() + a.value.size();
  }
  for (const auto& s : f.sections) bytes += s.name.size();
  check(bytes <= (2 + tuning::kMaxSectionNameBytes / 3) * text.size() + 64,
        "the parsed file is bounded by its text");
  for (const auto& p : f.problems) check_message(p.message);
  if (f.fatal) check_message(f.fatal->message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = llmon::fuzz::as_text(data, size);
  tuning::UnitNameInfo unit{"fuzz@instance.service", "/etc/systemd/system/fuzz@.service"};
  if (const auto nul = text.find('\0'); nul != std::string_view::npos && nul <= 256) {
    unit.id = std::string(text.substr(0, nul));
    text.remove_prefix(nul + 1);
  }
  check_unit_file(text);

  const tuning::EnvValueParse env = tuning::parse_environment_value(text, unit);
  for (const auto& a : env.assignments) {
    check(tuning::env_name_valid(a.name), "Environment= keeps valid names only");
    check(tuning::utf8_valid(a.value), "Environment= keeps UTF-8 values only");
  }
  for (const auto& p : env.problems) check_message(p);
  const tuning::EnvFileParse file = tuning::parse_environment_file(text);
  for (const auto& a : file.assignments) {
    check(tuning::env_name_valid(a.name), "an environment file gives valid names only");
  }
  check(!file.fatal || file.assignments.empty(), "a refused file gives no variables");
  const tuning::EnvFileEntry entry = tuning::parse_environment_file_entry(text, unit);
  check(entry.path.empty() || entry.path[0] == '/', "an EnvironmentFile= path is absolute");
  const tuning::UnsetParse unset = tuning::parse_unset_environment(text, unit);
  for (const auto& e : unset.entries) {
    check(tuning::env_name_valid(e) || tuning::env_assignment_valid(e),
          "UnsetEnvironment= keeps names and assignments only");
  }

  (void)tuning::split_words(text);
  (void)tuning::expand_specifiers(text, unit);
  (void)tuning::user_name_valid(text);
  const std::string shown = tuning::printable(text);
  check(shown.size() <= 4 * 120 + 3, "printable is bounded");
  check(tuning::utf8_valid(shown), "printable is UTF-8");
  for (const char c : shown) {
    check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "printable has no control bytes");
  }
  const tuning::UnitNameParts parts = tuning::split_unit_name(text);
  check(parts.type.empty() || text.size() <= 255, "a valid unit name is at most 255 bytes");
  (void)tuning::unit_name_unescape(text);
  return 0;
}
