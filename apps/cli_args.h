#pragma once

// Command-line parsing shared by the thin mains: `--name value`, `--name=value`, flags, and
// positionals. Unknown options are errors: a typo must not silently change what runs.

#include <map>
#include <string>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::cli {

struct OptionSpec {
  std::string name;  ///< without the leading "--"
  bool takesValue = true;
  bool repeatable = false;
};

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> options;  ///< flags map to {""}
  std::vector<std::string> positionals;

  bool has(const std::string& name) const { return options.count(name) > 0; }
  /// The (last) value of `name`, or `fallback`.
  std::string value(const std::string& name, const std::string& fallback = "") const;
};

/// InvalidArgument names the offending word ("unknown option '--prot'").
Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs);

/// Exit codes shared by the tools.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;  ///< bad flag, bad config, missing data dir, port in use

}  // namespace vanthu::cli
