#pragma once

// Receiving PDFs over HTTP without holding them in memory (issue 6, point 2): the body, or the
// `file` part of a multipart/form-data body, is streamed into a temporary file under the data
// directory while it is hashed and counted, and refused with 413 as soon as it is over the
// limit. The temporary file is removed when its UploadedFile goes away, on every path (success,
// a refusal, an exception from a client that went away).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "router.h"
#include "vanthu/workflow/error.h"

namespace vanthu::api {

/// A received file under the upload directory; removed on destruction.
class UploadedFile {
 public:
  explicit UploadedFile(std::filesystem::path path) : path_(std::move(path)) {}
  ~UploadedFile();
  UploadedFile(UploadedFile&& other) noexcept;
  UploadedFile& operator=(UploadedFile&&) = delete;
  UploadedFile(const UploadedFile&) = delete;
  UploadedFile& operator=(const UploadedFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  uint64_t size = 0;
  std::string sha256;  ///< lower-case hex of the bytes received
  std::string name;    ///< the file name the client gave, "" when none

 private:
  std::filesystem::path path_;
};

/// Where uploads are written while they arrive: DIR/tmp/uploads.
std::filesystem::path uploadDirectory(const std::filesystem::path& dataDir);

/// The whole request body (application/pdf) into a temporary file of at most `limit` bytes.
/// UnsupportedMediaType for another content type, PayloadTooLarge over the limit, InvalidArgument
/// for a body that ends before its Content-Length.
Result<UploadedFile> receivePdfBody(RequestContext& context, const std::filesystem::path& dataDir,
                                    uint64_t limit);
/// As receivePdfBody, for a body of one of `types` (the first is named in the refusal).
Result<UploadedFile> receiveBody(RequestContext& context, const std::filesystem::path& dataDir,
                                 uint64_t limit, const std::vector<std::string>& types);

/// A multipart/form-data body of a `metadata` part (JSON text, at most 16 KiB) and a `file`
/// part (streamed to a temporary file of at most `limit` bytes). Other parts, repeated parts
/// and a malformed body are InvalidArgument; a missing `file` too, a missing `metadata` only
/// when `metadataRequired`.
struct MultipartUpload {
  std::optional<std::string> metadata;
  std::optional<UploadedFile> file;
};
Result<MultipartUpload> receiveMultipartUpload(RequestContext& context,
                                               const std::filesystem::path& dataDir, uint64_t limit,
                                               bool metadataRequired);

/// Whether the file looks like a PDF: "%PDF-" at the start (within the first KiB, as readers
/// allow), and "startxref" and "%%EOF" within its last KiB. InvalidPdf says what is missing.
Status checkPdfFile(const std::filesystem::path& file);

/// Sends the problem for a refused upload and closes the connection: what the client has not
/// sent yet is read and thrown away (up to a few MiB) so that it can read the answer instead
/// of meeting a reset connection, and the rest is never read.
void refuseUpload(RequestContext& context, const Status& status);

}  // namespace vanthu::api
