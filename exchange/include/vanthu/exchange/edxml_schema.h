#pragma once

// Validation against the XSDs we write and ship (samples/edxml/edxml.xsd for packages,
// samples/edxml/edxml-status.xsd for status messages). Schema and instance are parsed with network
// access off and no entity loading; while this module is in use, libxml2's external entity
// loader refuses everything, so neither an xs:import nor an instance can fetch anything.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/workflow/error.h"

namespace vanthu::exchange {

class EdxmlSchema {
 public:
  /// Loads the XSD at `path`. InvalidConfig naming the file and line if it cannot be read or is
  /// not a schema.
  static Result<EdxmlSchema> load(const std::filesystem::path& path);
  /// Compiles the XSD text `xsd`; `name` says where it came from, for messages.
  static Result<EdxmlSchema> fromText(std::string_view xsd, const std::string& name);
  /// The shipped schemas (samples/edxml/edxml.xsd and edxml-status.xsd, built in).
  static const EdxmlSchema& package();
  static const EdxmlSchema& statusMessage();

  EdxmlSchema(EdxmlSchema&&) noexcept;
  EdxmlSchema& operator=(EdxmlSchema&&) noexcept;
  ~EdxmlSchema();

  /// OK if `bytes` (read under `limits`) is valid; otherwise the first fault as
  /// "schema_invalid: NAME:LINE: what" (or the reading problem). Thread safety: one schema may
  /// validate from several threads (libxml2 validation contexts are per call).
  Status validate(std::string_view bytes, std::string_view name,
                  const ReadLimits& limits = {}) const;
  /// The same for a file, streamed: the file's bytes are never held whole in memory. IoFailure
  /// if it cannot be read.
  Status validateFile(const std::filesystem::path& path, const ReadLimits& limits = {}) const;

 private:
  struct Impl;
  explicit EdxmlSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The text of samples/edxml/edxml.xsd and edxml-status.xsd as built in.
std::string_view packageSchemaText();
std::string_view statusSchemaText();

}  // namespace vanthu::exchange
