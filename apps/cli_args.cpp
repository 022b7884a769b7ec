#include "cli_args.h"

namespace vanthu::cli {

std::string ParsedArgs::value(const std::string& name, const std::string& fallback) const {
  auto found = options.find(name);
  if (found == options.end() || found->second.empty()) return fallback;
  return found->second.back();
}

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::vector<OptionSpec>& specs) {
  ParsedArgs parsed;
  bool onlyPositionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (onlyPositionals || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      if (!onlyPositionals && arg.size() > 1 && arg[0] == '-') {
        return Status::invalidArgument("unknown option '" + arg + "'");
      }
      parsed.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      onlyPositionals = true;
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool inlineValue = false;
    if (auto equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
      inlineValue = true;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& candidate : specs) {
      if (candidate.name == name) spec = &candidate;
    }
    if (spec == nullptr) return Status::invalidArgument("unknown option '--" + name + "'");
    if (spec->takesValue && !inlineValue) {
      if (i + 1 >= args.size())
        return Status::invalidArgument("option '--" + name + "' needs a value");
      value = args[++i];
    } else if (!spec->takesValue && inlineValue) {
      return Status::invalidArgument("option '--" + name + "' takes no value");
    }
    if (!spec->repeatable && parsed.has(name)) {
      return Status::invalidArgument("option '--" + name + "' given twice");
    }
    parsed.options[name].push_back(value);
  }
  return parsed;
}

}  // namespace vanthu::cli
