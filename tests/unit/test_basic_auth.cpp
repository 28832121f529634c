// Basic-auth building blocks: SHA-256, base64, the Authorization header, bcrypt hashes.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "exporters/basic_auth.hpp"
#include "exporters/sha256.hpp"

namespace llmon {
namespace {

std::string hex(const Sha256Digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : d) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// The same bytes through coreutils' sha256sum: an independent implementation.
std::string sha256sum(const std::string& bytes) {
  const auto path = std::filesystem::temp_directory_path() / "llmon-sha256-test.bin";
  std::ofstream(path, std::ios::binary) << bytes;
  std::string out(64, '\0');
  FILE* p = ::popen(("sha256sum " + path.string()).c_str(), "r");
  REQUIRE(p != nullptr);
  const std::size_t n = std::fread(out.data(), 1, out.size(), p);
  ::pclose(p);
  std::filesystem::remove(path);
  REQUIRE(n == 64);
  return out;
}

TEST_CASE("sha256: the FIPS 180-4 examples") {
  CHECK(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 million;
  for (int i = 0; i < 1000; ++i) million.update(std::string(1000, 'a'));
  CHECK(hex(million.finish()) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: agrees with sha256sum around the block and padding boundaries") {
  for (std::size_t n : {1u, 55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u, 1000u}) {
    CAPTURE(n);
    std::string bytes;
    for (std::size_t i = 0; i < n; ++i) bytes += static_cast<char>((i * 131 + 7) & 0xff);
    CHECK(hex(sha256(bytes)) == sha256sum(bytes));
  }
}

TEST_CASE("base64: strict RFC 4648 decoding") {
  CHECK(decode_base64("") == "");
  CHECK(decode_base64("dXNlcjpwYXNz") == "user:pass");
  CHECK(decode_base64("YQ==") == "a");
  CHECK(decode_base64("YWI=") == "ab");
  CHECK(decode_base64("+/+/") == std::string("\xfb\xff\xbf", 3));
  CHECK(decode_base64("YQ") == std::nullopt);        // padding required
  CHECK(decode_base64("Y===") == std::nullopt);      // too much padding
  CHECK(decode_base64("YQ==YQ==") == std::nullopt);  // data after padding
  CHECK(decode_base64("dXNl cjpw") == std::nullopt);
  CHECK(decode_base64("dXNl*jpw") == std::nullopt);
}

TEST_CASE("basic auth: the Authorization header") {
  auto c = parse_basic_authorization("Basic dXNlcjpwYXNz");
  REQUIRE(c);
  CHECK(c->user == "user");
  CHECK(c->password == "pass");
  c = parse_basic_authorization("  bAsIc   YTpiOmM=  ");  // case, spaces; "a:b:c"
  REQUIRE(c);
  CHECK(c->user == "a");
  CHECK(c->password == "b:c");
  c = parse_basic_authorization("Basic dTo=");  // "u:" (empty password)
  REQUIRE(c);
  CHECK(c->password.empty());
  CHECK_FALSE(parse_basic_authorization(""));
  CHECK_FALSE(parse_basic_authorization("Basic"));
  CHECK_FALSE(parse_basic_authorization("Basic "));
  CHECK_FALSE(parse_basic_authorization("Bearer dXNlcjpwYXNz"));
  CHECK_FALSE(parse_basic_authorization("Basicdxnlcjpwyxnz"));
  CHECK_FALSE(parse_basic_authorization("Basic dXNlcg=="));  // "user": no colon
  CHECK_FALSE(parse_basic_authorization("Basic dTpwAHg="));  // "u:p\0x": NUL
  CHECK_FALSE(parse_basic_authorization("Basic not base64!"));
}

TEST_CASE("basic auth: which bcrypt hashes are accepted") {
  const std::string good = "$2y$10$abcdefghijklmnopqrstuuqflPDzB6gcMhKa1rZqKiun2YGL5sa2u";
  CHECK(bcrypt_hash_problem(good) == std::nullopt);
  CHECK(bcrypt_hash_problem("$2b$" + good.substr(4)) == std::nullopt);
  CHECK(bcrypt_hash_problem("$2a$" + good.substr(4)) == std::nullopt);
  CHECK(bcrypt_hash_problem("$2x$" + good.substr(4))->find("expected a bcrypt hash") == 0);
  CHECK(bcrypt_hash_problem("$1$" + good.substr(3))->find("expected a bcrypt hash") == 0);
  CHECK(bcrypt_hash_problem(good.substr(0, 59))->find("59 characters") != std::string::npos);
  CHECK(bcrypt_hash_problem("secret")->find("6 characters") != std::string::npos);
  CHECK(*bcrypt_hash_problem("$2y$03$" + good.substr(7)) == "bcrypt cost 3 is outside 04-31");
  CHECK(*bcrypt_hash_problem("$2y$32$" + good.substr(7)) == "bcrypt cost 32 is outside 04-31");
  CHECK(bcrypt_hash_problem(good.substr(0, 59) + "!")->find("may only contain") !=
        std::string::npos);
}

TEST_CASE("basic auth: bcrypt against the classic test vectors, every prefix") {
  // Solar Designer's vectors (crypt_blowfish, used by libxcrypt and by PHP's tests).
  CHECK(bcrypt_matches("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  CHECK(bcrypt_matches("U*U", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  CHECK(bcrypt_matches("U*U", "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  CHECK(bcrypt_matches("U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"));
  CHECK(bcrypt_matches("", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"));
  CHECK_FALSE(
      bcrypt_matches("U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  CHECK_FALSE(
      bcrypt_matches("u*u", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  // One changed digest character.
  CHECK_FALSE(
      bcrypt_matches("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeX"));
}

TEST_CASE("basic auth: constant-time comparison is still a comparison") {
  CHECK(constant_time_equals("", ""));
  CHECK(constant_time_equals("abc", "abc"));
  CHECK_FALSE(constant_time_equals("abc", "abd"));
  CHECK_FALSE(constant_time_equals("abc", "ab"));
  CHECK_FALSE(constant_time_equals("ab", "abc"));
  CHECK_FALSE(constant_time_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace llmon
