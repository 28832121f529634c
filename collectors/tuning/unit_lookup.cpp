#include "collectors/tuning/unit_lookup.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include "collectors/tuning/unit_words.hpp"

namespace llmon::tuning {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxDirEntries = 20000;  // a unit directory holds hundreds, not millions
constexpr int kMaxHops = 32;                   // systemd's FOLLOW_MAX for alias chains

// Calls `visit` with each entry of `dir` (none when it cannot be read), at most kMaxDirEntries
// of them; a problem says when the rest was left unread.
template <typename Visit>
void for_each_entry(const fs::path& dir, std::vector<UnitProblem>& problems, Visit visit) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  std::size_t count = 0;
  for (; !ec && it != end; it.increment(ec)) {
    if (++count > kMaxDirEntries) {
      problems.push_back(
          {dir.string(), 0,
           "more than " + std::to_string(kMaxDirEntries) + " entries; the rest is not read"});
      return;
    }
    visit(*it);
  }
}

std::string template_of(const UnitNameParts& p) { return p.prefix + "@." + p.type; }

void add_dropin_dirs(const std::string& name, std::vector<std::string>& out) {
  const std::string dir = name + ".d";
  if (std::find(out.begin(), out.end(), dir) != out.end()) return;
  out.push_back(dir);
  const UnitNameParts parts = split_unit_name(name);
  if (parts.type.empty()) return;
  const bool instance = parts.templated && !parts.instance.empty();
  if (instance) add_dropin_dirs(template_of(parts), out);
  // "foo-bar-baz" -> "foo-bar-": cut after the last dash; a trailing dash is dropped once first.
  std::string prefix = parts.prefix;
  bool chopped = false;
  for (;;) {
    const auto dash = prefix.rfind('-');
    if (dash == std::string::npos || dash == 0) return;
    if (dash + 1 < prefix.size() || chopped) {
      prefix.resize(dash + 1);
      break;
    }
    prefix.resize(dash);
    chopped = true;
  }
  add_dropin_dirs(prefix + (instance ? "@" + parts.instance : "") + "." + parts.type, out);
}

struct NameEntry {
  fs::path source;
  std::string alias;  // non-empty: this name is an alias of that one
};

bool in_dirs(const fs::path& dir, const std::vector<fs::path>& dirs) {
  const fs::path normal = dir.lexically_normal();
  for (const auto& d : dirs) {
    if ((d.lexically_normal() / "").parent_path() == (normal / "").parent_path()) return true;
  }
  return false;
}

// Every unit name in `dirs`, the first directory holding a name winning (systemd's name map).
std::map<std::string, NameEntry> scan_names(const std::vector<fs::path>& dirs, const fs::path& root,
                                            std::vector<UnitProblem>& problems) {
  std::map<std::string, NameEntry> names;
  for (const auto& dir : dirs) {
    for_each_entry(dir, problems, [&](const fs::directory_entry& entry) {
      const std::string name = entry.path().filename().string();
      if (names.count(name) != 0 || !unit_name_valid(name)) return;
      std::error_code sec;
      const fs::file_status st = entry.symlink_status(sec);
      if (sec) return;
      if (fs::is_regular_file(st)) {
        names[name] = {entry.path(), {}};
        return;
      }
      if (!fs::is_symlink(st)) return;
      const fs::path target = fs::read_symlink(entry.path(), sec);
      if (sec) return;
      fs::path full = target.is_absolute() ? (root.empty() ? target : root / target.relative_path())
                                           : dir / target;
      full = full.lexically_normal();
      if (!in_dirs(full.parent_path(), dirs)) {  // a linked unit file, or a mask
        names[name] = {entry.path(), {}};
        return;
      }
      const std::string target_name = full.filename().string();
      if (target_name == name) return;  // a self-alias has no effect
      if (split_unit_name(target_name).type != split_unit_name(name).type) {
        problems.push_back({entry.path().string(), 0,
                            "alias to a unit of another type (" + target_name + "), ignored"});
        return;
      }
      names[name] = {entry.path(), target_name};
    });
  }
  return names;
}

// Follows aliases from `name`; returns the final name and its entry, or nullptr when not found.
const NameEntry* follow(const std::map<std::string, NameEntry>& names, std::string name,
                        std::string& final_name, bool& loop) {
  loop = false;
  for (int hop = 0; hop < kMaxHops; ++hop) {
    const UnitNameParts parts = split_unit_name(name);
    auto it = names.find(name);
    if (it == names.end() && parts.templated && !parts.instance.empty()) {
      it = names.find(template_of(parts));
    }
    if (it == names.end()) return nullptr;
    if (it->second.alias.empty()) {
      final_name = name;
      return &it->second;
    }
    name = it->second.alias;
    const UnitNameParts target = split_unit_name(name);
    if (target.templated && target.instance.empty() && !parts.instance.empty()) {
      name = target.prefix + "@" + parts.instance + "." + target.type;
    }
  }
  loop = true;
  return nullptr;
}

// `dir` with every symlink along it resolved, absolute targets taken under `root`, as systemd
// chases drop-in directories (so /lib/systemd/system/x.d on a merged-/usr system is reported as
// /usr/lib/systemd/system/x.d). Empty when it is not an existing directory.
fs::path chase_dir(const fs::path& dir, const fs::path& root) {
  std::error_code ec;
  const fs::path rel = dir.lexically_relative(root);
  if (root.empty() || rel.empty() || *rel.begin() == "..") {
    fs::path c = fs::canonical(dir, ec);
    return !ec && fs::is_directory(c, ec) ? c : fs::path();
  }
  std::vector<fs::path> todo(rel.begin(), rel.end());  // components still to walk, in order
  std::reverse(todo.begin(), todo.end());
  fs::path done = root;
  int hops = 0;
  while (!todo.empty()) {
    const fs::path part = todo.back();
    todo.pop_back();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (done != root) done = done.parent_path();
      continue;
    }
    const fs::path next = done / part;
    const fs::file_status st = fs::symlink_status(next, ec);
    if (ec || !fs::exists(st)) return {};
    if (!fs::is_symlink(st)) {
      done = next;
      continue;
    }
    if (++hops > 40) return {};
    const fs::path target = fs::read_symlink(next, ec);
    if (ec) return {};
    if (target.is_absolute()) done = root;
    const fs::path walk = target.is_absolute() ? target.relative_path() : target;
    for (auto it = walk.end(); it != walk.begin();) todo.push_back(*--it);
  }
  return fs::is_directory(done, ec) ? done : fs::path();
}

}  // namespace

std::vector<std::string> dropin_dir_names(std::string_view name) {
  std::vector<std::string> out;
  if (unit_name_valid(name)) add_dropin_dirs(std::string(name), out);
  return out;
}

fs::path resolve_under_root(const fs::path& path, const fs::path& root) {
  if (root.empty()) return path;
  fs::path p = path;
  for (int hop = 0; hop < 40; ++hop) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(p, ec)) || ec) return p;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) return p;
    if (target == "/dev/null") return "/dev/null";  // a mask, whatever the root
    p = (target.is_absolute() ? root / target.relative_path() : p.parent_path() / target)
            .lexically_normal();
  }
  return p;
}

UnitLookup find_unit(const std::string& name, const std::vector<fs::path>& dirs,
                     const fs::path& root) {
  UnitLookup out;
  out.id = name;
  const auto names = scan_names(dirs, root, out.problems);
  std::string final_name;
  bool loop = false;
  const NameEntry* entry = follow(names, name, final_name, loop);
  if (loop) out.problems.push_back({name, 0, "alias symlinks form a loop; unit not loaded"});
  std::set<std::string> all{name};
  if (entry != nullptr) {
    out.id = final_name;
    out.fragment = entry->source;
    out.contents = resolve_under_root(entry->source, root);
    struct stat st {};
    if (out.contents == "/dev/null" ||
        (::stat(out.contents.c_str(), &st) == 0 &&
         (S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0)))) {
      out.masked = true;
    }
  }
  // Every alias whose chain ends at the same unit (for an instance: at its template).
  const UnitNameParts id_parts = split_unit_name(out.id);
  const std::string id_template = id_parts.instance.empty() ? std::string() : template_of(id_parts);
  for (const auto& [alias, e] : names) {
    if (e.alias.empty()) continue;
    std::string end_name;
    bool l = false;
    if (follow(names, alias, end_name, l) == nullptr) continue;
    if (end_name == out.id) {
      all.insert(alias);
    } else if (!id_template.empty() && end_name == id_template) {
      const UnitNameParts a = split_unit_name(alias);
      if (a.templated && a.instance.empty()) {
        all.insert(a.prefix + "@" + id_parts.instance + "." + a.type);
      }
    }
  }
  all.erase(out.id);
  out.names.push_back(out.id);
  out.names.insert(out.names.end(), all.begin(), all.end());
  return out;
}

std::vector<fs::path> find_dropins(const std::vector<std::string>& names, std::string_view type,
                                   const std::vector<fs::path>& dirs, const fs::path& root,
                                   std::vector<UnitProblem>& problems) {
  std::vector<fs::path> search;
  for (const auto& dir : dirs) {
    for (const auto& n : names) {
      for (const auto& d : dropin_dir_names(n)) search.push_back(dir / d);
    }
  }
  for (const auto& dir : dirs) search.push_back(dir / (std::string(type) + ".d"));
  std::map<std::string, fs::path> by_name;  // sorted by file name, as systemd applies them
  std::set<fs::path> seen;
  for (const auto& candidate : search) {
    const fs::path dir = chase_dir(candidate, root);
    if (dir.empty() || !seen.insert(dir).second) continue;
    for_each_entry(dir, problems, [&](const fs::directory_entry& entry) {
      const std::string file = entry.path().filename().string();
      if (file.empty() || file[0] == '.' || file.size() <= 5 ||
          file.compare(file.size() - 5, 5, ".conf") != 0) {
        return;
      }
      by_name.emplace(file, entry.path());  // an earlier directory's file of this name wins
    });
  }
  std::vector<fs::path> out;
  for (auto& [file, path] : by_name) out.push_back(std::move(path));
  return out;
}

}  // namespace llmon::tuning
