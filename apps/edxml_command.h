#pragma once

#include <string>
#include <vector>

namespace vanthu::cli {

/// `vanthu edxml pack|unpack|validate` (DESIGN §4): make an edXML package from a PDF, metadata
/// and attachments; take one apart into a directory; validate one against the shipped XSD and
/// the standard's rules. See the usage text for exit codes.
int runEdxmlCommand(const std::vector<std::string>& args);

}  // namespace vanthu::cli
