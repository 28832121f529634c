// EnvironmentFile= contents: a state machine following systemd 252's env-file parser.
#include <string_view>

#include "collectors/tuning/unit_environment.hpp"

namespace llmon::tuning {

namespace {

bool is_newline(char c) { return c == '\n' || c == '\r'; }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class EnvFileParser {
 public:
  explicit EnvFileParser(EnvFileParse& out) : out_(out) {}

  void run(std::string_view text) {
    for (std::size_t i = 0; i < text.size() && !out_.fatal; ++i) {
      step(text[i]);
      // Count lines as an editor does: \n, \r\n, or a lone \r.
      if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
        ++line_;
      }
    }
    if (out_.fatal) return;
    switch (state_) {
      case kSingleQuote:
      case kDoubleQuote:
      case kDoubleQuoteEscape:
        out_.problems.push_back({key_line_, "quote not closed before the end of the file"});
        push(false);
        break;
      case kPreValue:
      case kValueEscape:
        push(false);
        break;
      case kValue:
        push(true);
        break;
      default:
        break;
    }
  }

 private:
  enum State {
    kPreKey,
    kKey,
    kPreValue,
    kValue,
    kValueEscape,
    kSingleQuote,
    kDoubleQuote,
    kDoubleQuoteEscape,
    kComment,
    kCommentEscape,
  };

  void step(char c) {
    switch (state_) {
      case kPreKey:
        if (c == '#' || c == ';') {
          state_ = kComment;
        } else if (!is_blank(c)) {
          state_ = kKey;
          key_.assign(1, c);
          key_blank_ = std::string::npos;
          key_line_ = line_;
        }
        break;
      case kKey:
        if (is_newline(c)) {  // no '=': systemd drops the line without a word
          state_ = kPreKey;
        } else if (c == '=') {
          state_ = kPreValue;
          value_.clear();
          value_blank_ = std::string::npos;
        } else {
          if (!is_blank(c))
            key_blank_ = std::string::npos;
          else if (key_blank_ == std::string::npos)
            key_blank_ = key_.size();
          key_ += c;
        }
        break;
      case kPreValue:
        if (is_newline(c))
          push(false);
        else if (c == '\'')
          state_ = kSingleQuote;
        else if (c == '"')
          state_ = kDoubleQuote;
        else if (c == '\\')
          state_ = kValueEscape;
        else if (!is_blank(c)) {
          state_ = kValue;
          value_ += c;
        }
        break;
      case kValue:
        if (is_newline(c)) {
          push(true);
        } else if (c == '\\') {
          state_ = kValueEscape;
          value_blank_ = std::string::npos;
        } else {
          if (!is_blank(c))
            value_blank_ = std::string::npos;
          else if (value_blank_ == std::string::npos)
            value_blank_ = value_.size();
          value_ += c;
        }
        break;
      case kValueEscape:  // an escaped character is kept, an escaped newline joins lines
        state_ = kValue;
        if (!is_newline(c)) value_ += c;
        break;
      case kSingleQuote:
        if (c == '\'')
          state_ = kPreValue;
        else
          value_ += c;
        break;
      case kDoubleQuote:
        if (c == '"')
          state_ = kPreValue;
        else if (c == '\\')
          state_ = kDoubleQuoteEscape;
        else
          value_ += c;
        break;
      case kDoubleQuoteEscape:  // as in a POSIX shell: \" \\ \` \$ unescape, others stay
        state_ = kDoubleQuote;
        if (std::string_view("\"\\`$").find(c) != std::string_view::npos) {
          value_ += c;
        } else if (c != '\n') {
          value_ += '\\';
          value_ += c;
        }
        break;
      case kComment:
        if (c == '\\')
          state_ = kCommentEscape;
        else if (is_newline(c))
          state_ = kPreKey;
        break;
      case kCommentEscape:  // systemd 252: the comment goes on after an escaped newline
        state_ = kComment;
        break;
    }
  }

  void push(bool trim_value) {
    state_ = kPreKey;
    if (key_blank_ != std::string::npos) key_.resize(key_blank_);
    if (trim_value && value_blank_ != std::string::npos) value_.resize(value_blank_);
    if (!utf8_valid(key_) || !utf8_valid(value_)) {
      out_.fatal = EnvFileProblem{
          key_line_, "invalid UTF-8 in '" + printable(key_) + "'; systemd refuses the whole file"};
      return;
    }
    if (!env_name_valid(key_)) {
      out_.problems.push_back({key_line_, "invalid environment assignment '" +
                                              printable(key_ + "=" + value_) + "', ignored"});
      return;
    }
    out_.assignments.push_back({key_, value_, key_line_});
  }

  EnvFileParse& out_;
  State state_ = kPreKey;
  std::string key_;
  std::string value_;
  std::size_t key_blank_ = std::string::npos;    // where the key's trailing blanks start
  std::size_t value_blank_ = std::string::npos;  // where the value's trailing blanks start
  unsigned line_ = 1;
  unsigned key_line_ = 1;
};

}  // namespace

EnvFileParse parse_environment_file(std::string_view text) {
  EnvFileParse out;
  const auto nul = text.find('\0');
  if (nul != std::string_view::npos) {
    out.fatal = EnvFileProblem{0, "contains a NUL byte (offset " + std::to_string(nul) +
                                      "); systemd refuses the whole file"};
    return out;
  }
  EnvFileParser(out).run(text);
  if (out.fatal) out.assignments.clear();
  return out;
}

}  // namespace llmon::tuning
