#pragma once

// Parsing XML that arrives from another agency into a libxml2 tree, the one way the exchange
// module does it. Shared by the reader and the schema validation.

#include <filesystem>
#include <string_view>

#include "libxml_handles.h"
#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/workflow/error.h"

namespace vanthu::exchange {

/// Parses `bytes` with network access off and no entity loading or substitution. The parse is
/// stopped at a DOCTYPE, before its internal subset (where entities would be declared), and at
/// the first element deeper than limits.maxDepth. Refusals are edxmlFailures with `name` and the
/// line.
Result<libxml::DocPtr> parseUntrustedXml(std::string_view bytes, std::string_view name,
                                         const ReadLimits& limits);
/// The same for a file, streamed: the file's bytes are never held whole in memory.
Result<libxml::DocPtr> parseUntrustedXmlFile(const std::filesystem::path& path,
                                             const ReadLimits& limits);

/// Makes libxml2's external entity loader refuse everything, process-wide, once: no DTD, schema
/// import or entity can then be fetched from a file or the network by any libxml2 call.
void refuseExternalEntities();

}  // namespace vanthu::exchange
