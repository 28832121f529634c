#pragma once
// HTTP basic authentication (RFC 7617) against bcrypt hashes, the format of Prometheus' own web
// configuration (`htpasswd -B`): parsing, hash validation and the comparison. Pure functions;
// thread-safe.
#include <optional>
#include <string>
#include <string_view>

namespace llmon {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// The credentials of an Authorization header value ("Basic <base64 of user:password>", scheme
// case-insensitive); nullopt when absent, another scheme, bad base64, no ':' or a NUL byte.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view value);

// Strict base64 (RFC 4648 alphabet, '=' padding required); nullopt when not.
std::optional<std::string> decode_base64(std::string_view text);

// Why `hash` is not a bcrypt hash llmon accepts ("$2a$", "$2b$" or "$2y$", cost 04-31, 53
// characters of salt and digest), or nullopt when it is one.
std::optional<std::string> bcrypt_hash_problem(std::string_view hash);

// True when equal, in time that depends only on the lengths.
bool constant_time_equals(std::string_view a, std::string_view b);

// Runs bcrypt (libcrypt's crypt_rn; milliseconds by design) and compares in constant time.
bool bcrypt_matches(const std::string& password, const std::string& hash);

}  // namespace llmon
