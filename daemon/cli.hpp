#pragma once
// The `llmon` command line: the commands of daemon/help.hpp, --version, --help.
namespace llmon {

// Returns the process exit code: 0 success, 1 runtime failure, 2 usage or configuration error.
int cli_main(int argc, char** argv);

}  // namespace llmon
