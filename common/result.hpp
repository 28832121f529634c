#pragma once
// Expected<T>: a value or a human-readable error, for boundaries that must not throw.
// Value type; not synchronised (like any value).
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace llmon {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Expected(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    if (!ok()) throw std::runtime_error(error().message);
    return std::get<0>(v_);
  }
  T& value() & {
    if (!ok()) throw std::runtime_error(error().message);
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) throw std::runtime_error(error().message);
    return std::get<0>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

}  // namespace llmon
