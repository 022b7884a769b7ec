#include "pdf_upload.h"

#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/NetException.h>
#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>
#include <random>

#include "http_support.h"

namespace vanthu::api {
namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr size_t kMetadataLimit = 16 * 1024;
// Room for the metadata part and the multipart framing beyond the file itself.
constexpr uint64_t kMultipartOverhead = 64 * 1024;
constexpr uint64_t kDrainLimit = 8u << 20;

std::string randomName() {
  std::random_device random;
  static const char* digits = "0123456789abcdef";
  std::string name;
  for (int i = 0; i < 32; ++i) name += digits[random() % 16];
  return name + ".part";
}

std::string tooLarge(uint64_t limit) {
  return "the PDF is over the limit of " + std::to_string(limit >> 20) +
         " MiB (server.max_upload_mb)";
}

struct DigestDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// Copies `in` to a new temporary file, hashing it, until its end or until it is over `limit`.
Result<UploadedFile> streamToFile(std::istream& in, const std::filesystem::path& dataDir,
                                  uint64_t limit) {
  auto directory = uploadDirectory(dataDir);
  std::filesystem::create_directories(directory);
  UploadedFile file(directory / randomName());
  std::ofstream out(file.path(), std::ios::binary | std::ios::trunc);
  if (!out) {
    throw Error(ErrorCode::IoFailure, "cannot create " + file.path().string());
  }
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> digest(EVP_MD_CTX_new());
  if (!digest || EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr) != 1) {
    throw Error(ErrorCode::CryptoFailure, "cannot start a SHA-256 digest");
  }
  std::array<char, kChunk> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    auto count = static_cast<size_t>(in.gcount());
    file.size += count;
    if (file.size > limit) return Status(ErrorCode::PayloadTooLarge, tooLarge(limit));
    EVP_DigestUpdate(digest.get(), buffer.data(), count);
    if (!out.write(buffer.data(), static_cast<std::streamsize>(count))) {
      throw Error(ErrorCode::IoFailure,
                  "cannot write " + file.path().string() + " (is the data directory's disk full?)");
    }
  }
  out.close();
  if (!out) throw Error(ErrorCode::IoFailure, "cannot write " + file.path().string());
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(digest.get(), hash, &length);
  static const char* digits = "0123456789abcdef";
  for (unsigned int i = 0; i < length; ++i) {
    file.sha256 += digits[hash[i] >> 4];
    file.sha256 += digits[hash[i] & 15];
  }
  return file;
}

bool hasType(const std::string& contentType, const std::string& type) {
  std::string base = contentType.substr(0, contentType.find(';'));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  for (auto& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return base == type;
}

}  // namespace

UploadedFile::~UploadedFile() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

UploadedFile::UploadedFile(UploadedFile&& other) noexcept
    : size(other.size),
      sha256(std::move(other.sha256)),
      name(std::move(other.name)),
      path_(std::move(other.path_)) {
  other.path_.clear();
}

std::filesystem::path uploadDirectory(const std::filesystem::path& dataDir) {
  return dataDir / "tmp" / "uploads";
}

Result<UploadedFile> receivePdfBody(RequestContext& context, const std::filesystem::path& dataDir,
                                    uint64_t limit) {
  return receiveBody(context, dataDir, limit, {"application/pdf", "application/octet-stream"});
}

Result<UploadedFile> receiveBody(RequestContext& context, const std::filesystem::path& dataDir,
                                 uint64_t limit, const std::vector<std::string>& types) {
  auto& request = context.request;
  const std::string& type = request.getContentType();
  bool accepted = false;
  for (const auto& allowed : types) accepted = accepted || hasType(type, allowed);
  if (!accepted) {
    return Status(ErrorCode::UnsupportedMediaType, "the body must be " + types.front());
  }
  const auto declared = request.getContentLength64();
  if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      static_cast<uint64_t>(declared) > limit) {
    return Status(ErrorCode::PayloadTooLarge, tooLarge(limit));
  }
  auto file = streamToFile(request.stream(), dataDir, limit);
  if (!file) return file.status();
  if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      file.value().size != static_cast<uint64_t>(declared)) {
    return Status::invalidArgument("the body ended before its Content-Length");
  }
  return file;
}

Result<MultipartUpload> receiveMultipartUpload(RequestContext& context,
                                               const std::filesystem::path& dataDir, uint64_t limit,
                                               bool metadataRequired) {
  auto& request = context.request;
  std::string base;
  Poco::Net::NameValueCollection parameters;
  Poco::Net::MessageHeader::splitParameters(request.getContentType(), base, parameters);
  if (!hasType(base, "multipart/form-data")) {
    return Status(ErrorCode::UnsupportedMediaType,
                  "the body must be multipart/form-data with a 'metadata' and a 'file' part");
  }
  const std::string boundary = parameters.get("boundary", "");
  if (boundary.empty()) return Status::invalidArgument("the multipart body has no boundary");
  const auto declared = request.getContentLength64();
  if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      static_cast<uint64_t>(declared) > limit + kMultipartOverhead) {
    return Status(ErrorCode::PayloadTooLarge, tooLarge(limit));
  }
  MultipartUpload upload;
  try {
    Poco::Net::MultipartReader reader(request.stream(), boundary);
    while (reader.hasNextPart()) {
      Poco::Net::MessageHeader header;
      reader.nextPart(header);
      std::string disposition;
      Poco::Net::NameValueCollection dispositionParameters;
      Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition,
                                                dispositionParameters);
      const std::string name = dispositionParameters.get("name", "");
      if (name == "metadata" && !upload.metadata) {
        std::string text;
        std::array<char, 4096> buffer{};
        auto& in = reader.stream();
        while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
          text.append(buffer.data(), static_cast<size_t>(in.gcount()));
          if (text.size() > kMetadataLimit) {
            return Status::invalidArgument("the 'metadata' part is over 16 KiB");
          }
        }
        upload.metadata = std::move(text);
      } else if (name == "file" && !upload.file) {
        auto file = streamToFile(reader.stream(), dataDir, limit);
        if (!file) return file.status();
        upload.file.emplace(std::move(file).value());
        upload.file->name = dispositionParameters.get("filename", "");
      } else if (name == "metadata" || name == "file") {
        return Status::invalidArgument("the part '" + name + "' is sent twice");
      } else {
        return Status::invalidArgument("unknown part '" + name +
                                       "'; the parts are 'metadata' and 'file'");
      }
    }
  } catch (const Poco::Net::MessageException& e) {
    return Status::invalidArgument("the multipart body is malformed: " + e.message());
  }
  if (!upload.file) return Status::invalidArgument("the part 'file' (the PDF) is missing");
  if (metadataRequired && !upload.metadata) {
    return Status::invalidArgument("the part 'metadata' (JSON) is missing");
  }
  return upload;
}

Status checkPdfFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::IoFailure, "cannot read " + file.string());
  std::string head(1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.find("%PDF-") == std::string::npos) {
    return Status(ErrorCode::InvalidPdf, "the file is not a PDF (no %PDF- header)");
  }
  in.clear();
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::streamoff>(in.tellg());
  const std::streamoff tailSize = std::min<std::streamoff>(size, 1024);
  in.seekg(size - tailSize);
  std::string tail(static_cast<size_t>(tailSize), '\0');
  in.read(tail.data(), tailSize);
  if (tail.find("%%EOF") == std::string::npos || tail.find("startxref") == std::string::npos) {
    return Status(ErrorCode::InvalidPdf,
                  "the PDF is incomplete (no startxref and %%EOF at its end); was the upload cut "
                  "short?");
  }
  return Status::ok();
}

void refuseUpload(RequestContext& context, const Status& status) {
  context.response.setKeepAlive(false);
  sendProblem(context, status);
  try {
    auto& in = context.request.stream();
    std::array<char, kChunk> buffer{};
    uint64_t drained = 0;
    while (drained < kDrainLimit && (in.read(buffer.data(), buffer.size()) || in.gcount() > 0)) {
      drained += static_cast<uint64_t>(in.gcount());
    }
  } catch (const std::exception&) {
    // The client went away: nothing more to tell it.
  }
}

}  // namespace vanthu::api
