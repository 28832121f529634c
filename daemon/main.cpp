#include "daemon/cli.hpp"

int main(int argc, char** argv) { return llmon::cli_main(argc, argv); }
