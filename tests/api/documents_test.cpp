// Documents over real HTTP on loopback against a real SQLite database and blob store (issue 6,
// points 2 and 4): uploads streamed to disk, lists, ETags, versions, content, who sees what, and
// the public verification of a PDF.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_assignment_repository.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"

using namespace vanthu;
using vanthu::test::TempDir;

namespace {

const std::string kPassword = "mat-khau-thu-nghiem-2026";
const std::string kBoundary = "vanthu-test-boundary-7d3f";

struct Reply {
  int status = 0;
  std::string contentType;
  std::string body;
  Poco::Net::HTTPResponse headers;

  Poco::JSON::Object::Ptr json() const {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  }
  std::string code() const { return json()->getValue<std::string>("code"); }
  std::string header(const std::string& name) const { return headers.get(name, ""); }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

Reply receive(Poco::Net::HTTPClientSession& session) {
  Reply reply;
  std::istream& in = session.receiveResponse(reply.headers);
  Poco::StreamCopier::copyToString(in, reply.body);
  reply.status = static_cast<int>(reply.headers.getStatus());
  reply.contentType = reply.headers.getContentType();
  return reply;
}

Reply call(uint16_t port, const std::string& method, const std::string& path,
           const std::string& bearer = "", const std::string& body = "",
           const std::string& contentType = "application/json", const Headers& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!bearer.empty()) request.set("Authorization", "Bearer " + bearer);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST" || method == "PATCH") {
    request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  return receive(session);
}

std::string sha256(const std::string& bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string metadataJson(const std::string& subject, const std::string& confidentiality = "normal",
                         const std::string& direction = "outgoing") {
  Poco::JSON::Object metadata;
  metadata.set("direction", direction);
  metadata.set("document_type", "QĐ");
  metadata.set("subject", subject);
  metadata.set("urgency", "normal");
  metadata.set("confidentiality", confidentiality);
  std::ostringstream out;
  metadata.stringify(out);
  return out.str();
}

std::string partHeader(const std::string& name, const std::string& fileName,
                       const std::string& type) {
  std::string header =
      "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
  if (!fileName.empty()) header += "; filename=\"" + fileName + "\"";
  return header + "\r\nContent-Type: " + type + "\r\n\r\n";
}

std::string multipart(const std::optional<std::string>& metadata,
                      const std::optional<std::string>& pdf) {
  std::string body;
  if (metadata) body += partHeader("metadata", "", "application/json") + *metadata + "\r\n";
  if (pdf) body += partHeader("file", "van-ban.pdf", "application/pdf") + *pdf + "\r\n";
  return body + "--" + kBoundary + "--\r\n";
}

const std::string kMultipartType = "multipart/form-data; boundary=" + kBoundary;

std::string samplePdf() {
  return test::readFile(test::sourceDir() / "tests/data/corpus/unsigned/dss_EmptyPage.pdf");
}

// A valid PDF of about `bytes` bytes: one page and one large stream, written in pieces so that
// the test itself never holds it. Returns its SHA-256.
std::string writeLargePdf(const std::filesystem::path& path, uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  uint64_t offset = 0;
  std::vector<uint64_t> offsets;
  auto write = [&](const std::string& text) {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    engine.update(text);
    offset += text.size();
  };
  write("%PDF-1.4\n");
  offsets.push_back(offset);
  write("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  offsets.push_back(offset);
  write("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
  offsets.push_back(offset);
  write("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n");
  offsets.push_back(offset);
  write("4 0 obj\n<< /Length " + std::to_string(bytes) + " >>\nstream\n");
  std::string chunk(1 << 20, '\0');
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>((i * 131 + 7) % 251);
  for (uint64_t left = bytes; left > 0;) {
    uint64_t n = std::min<uint64_t>(left, chunk.size());
    chunk[0] = static_cast<char>(left % 256);  // no two megabytes alike
    write(chunk.substr(0, n));
    left -= n;
  }
  write("\nendstream\nendobj\n");
  uint64_t xref = offset;
  std::string table = "xref\n0 5\n0000000000 65535 f \n";
  for (auto at : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010llu 00000 n \n", static_cast<unsigned long long>(at));
    table += line;
  }
  write(table + "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) +
        "\n%%EOF\n");
  return Poco::DigestEngine::digestToHex(engine.digest());
}

// The peak resident set of this process (the server runs in it), in bytes.
uint64_t peakResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Two organisations; in the first a creator, a second specialist, an assignee, the leader and
// an administrator; in the second one specialist. Then a server on it.
struct DocumentServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;
  std::map<std::string, std::string> tokens;

  explicit DocumentServer(int maxUploadMb = 256) {
    config.dataDir = dir.path();
    config.port = 0;
    config.maxUploadMb = maxUploadMb;
    config.gcInterval = std::chrono::seconds(0);
    {
      auto database = storage::Database::open({config.resolvedDatabaseUrl()});
      storage::SqlDirectoryRepository directory(*database);
      REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
      addOrganisation(directory, "ubnd", "000.00.00.H55", "UBND");
      addOrganisation(directory, "sotc", "000.00.12.H55", "STC");
      REQUIRE(directory.addUnit({"vp", "ubnd", "Văn phòng", "VP"}).isOk());
      REQUIRE(directory.addUnit({"tc-vp", "sotc", "Văn phòng", "VP"}).isOk());
      addUser(directory, "u-creator", "chuyenvien", "ubnd", "vp", workflow::Role::Specialist);
      addUser(directory, "u-peer", "chuyenvien2", "ubnd", "vp", workflow::Role::Specialist);
      addUser(directory, "u-assignee", "chuyenvien3", "ubnd", "vp", workflow::Role::Specialist);
      addUser(directory, "u-leader", "lanhdao", "ubnd", "vp", workflow::Role::Leader);
      addUser(directory, "u-admin", "admin", "ubnd", "vp", workflow::Role::Administrator);
      addUser(directory, "u-outsider", "taichinh", "sotc", "tc-vp", workflow::Role::Specialist);
    }
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Warning, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
  }

  static void addOrganisation(storage::SqlDirectoryRepository& directory, const std::string& id,
                              const std::string& code, const std::string& abbreviation) {
    workflow::Organisation o;
    o.id = id;
    o.code = code;
    o.name = "Cơ quan " + abbreviation;
    o.abbreviation = abbreviation;
    o.tierCode = "province";
    REQUIRE(directory.addOrganisation(o).isOk());
  }

  static void addUser(storage::SqlDirectoryRepository& directory, const std::string& id,
                      const std::string& username, const std::string& organisation,
                      const std::string& unit, workflow::Role role) {
    workflow::User user;
    user.id = id;
    user.username = username;
    user.fullName = username;
    user.organisationId = organisation;
    user.unitId = unit;
    user.passwordHash = api::hashPassword(kPassword, 1000);  // fast for tests
    REQUIRE(directory.addUser(user).isOk());
    REQUIRE(directory.grantRole({id, role, organisation, {unit}}).isOk());
  }

  uint16_t port() const { return server->port(); }

  // The access token of `username`, logged in once.
  std::string token(const std::string& username) {
    auto& token = tokens[username];
    if (token.empty()) {
      Poco::JSON::Object body;
      body.set("username", username);
      body.set("password", kPassword);
      std::ostringstream out;
      body.stringify(out);
      auto reply = call(port(), "POST", "/api/v1/auth/login", "", out.str());
      REQUIRE(reply.status == 200);
      token = reply.json()->getValue<std::string>("token");
    }
    return token;
  }

  Reply get(const std::string& username, const std::string& path, const Headers& headers = {}) {
    return call(port(), "GET", path, token(username), "", "", headers);
  }

  Reply upload(const std::string& username, const std::string& body,
               const std::string& type = kMultipartType) {
    return call(port(), "POST", "/api/v1/documents", token(username), body, type);
  }

  // Uploads the sample PDF as `username`; returns the document's id.
  std::string create(const std::string& username, const std::string& subject,
                     const std::string& confidentiality = "normal") {
    auto reply = upload(username, multipart(metadataJson(subject, confidentiality), samplePdf()));
    REQUIRE(reply.status == 201);
    return reply.json()->getValue<std::string>("id");
  }

  void assign(const std::string& documentId, const std::string& userId) {
    auto database = storage::Database::open({config.resolvedDatabaseUrl()});
    storage::SqlAssignmentRepository assignments(*database);
    workflow::Assignment a;
    a.id = "a-" + documentId + "-" + userId;
    a.documentId = documentId;
    a.kind = "specialist";
    a.unitId = "vp";
    a.userId = userId;
    a.assignedBy = "u-leader";
    a.createdAt = "2026-11-29T04:00:00Z";
    REQUIRE(assignments.addAssignment(a).isOk());
  }

  int64_t total(const std::string& username, const std::string& query = "") {
    auto reply = get(username, "/api/v1/documents" + query);
    REQUIRE(reply.status == 200);
    return reply.json()->getValue<int64_t>("total");
  }

  bool uploadsLeftBehind() const {
    auto directory = dir.path() / "tmp" / "uploads";
    return std::filesystem::exists(directory) && !std::filesystem::is_empty(directory);
  }
};

std::vector<std::string> idsOf(const Reply& reply) {
  std::vector<std::string> ids;
  auto items = reply.json()->getArray("items");
  for (const auto& item : *items) {
    ids.push_back(item.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("id"));
  }
  return ids;
}

}  // namespace

TEST_CASE("an uploaded PDF is listed, read with an ETag and served back byte for byte",
          "[api][documents]") {
  DocumentServer s;
  const std::string pdf = samplePdf();
  auto created = s.upload("chuyenvien", multipart(metadataJson("Về việc thử nghiệm"), pdf));
  REQUIRE(created.status == 201);
  auto document = created.json();
  const auto id = document->getValue<std::string>("id");
  CHECK(created.header("Location") == "/api/v1/documents/" + id);
  CHECK(created.header("ETag") == "\"1\"");
  CHECK(document->getValue<std::string>("status") == "draft");
  CHECK(document->getValue<std::string>("subject") == "Về việc thử nghiệm");
  CHECK(document->getValue<std::string>("document_type") == "QĐ");
  CHECK(document->getValue<std::string>("organisation_id") == "ubnd");
  CHECK(document->getValue<std::string>("created_by") == "u-creator");

  auto list = s.get("chuyenvien", "/api/v1/documents?box=outgoing");
  REQUIRE(list.status == 200);
  CHECK(list.json()->getValue<int64_t>("total") == 1);
  CHECK(list.json()->getValue<int>("page") == 1);
  CHECK(list.json()->getValue<int>("limit") == 20);
  CHECK(idsOf(list) == std::vector<std::string>{id});
  CHECK(s.total("chuyenvien", "?box=incoming") == 0);
  CHECK(s.total("chuyenvien", "?q=NGHI") == 1);
  CHECK(s.total("chuyenvien", "?q=nghi%E1%BB%87m") == 1);
  CHECK(s.total("chuyenvien", "?q=khong-co") == 0);
  CHECK(s.total("chuyenvien", "?status=draft") == 1);
  CHECK(s.total("chuyenvien", "?status=issued") == 0);

  auto read = s.get("chuyenvien", "/api/v1/documents/" + id);
  REQUIRE(read.status == 200);
  // The revision and a digest of the caller's allowed actions (allowed_actions_test.cpp).
  CHECK(read.header("ETag").rfind("\"1.", 0) == 0);
  auto cached =
      s.get("chuyenvien", "/api/v1/documents/" + id, {{"If-None-Match", read.header("ETag")}});
  CHECK(cached.status == 304);
  CHECK(cached.body.empty());
  CHECK(s.get("chuyenvien", "/api/v1/documents/" + id, {{"If-None-Match", "\"7\""}}).status == 200);

  auto versions = s.get("chuyenvien", "/api/v1/documents/" + id + "/versions");
  REQUIRE(versions.status == 200);
  auto items = versions.json()->getArray("items");
  REQUIRE(items->size() == 1);
  auto first = items->getObject(0);
  CHECK(first->getValue<int>("number") == 1);
  CHECK(first->getValue<std::string>("kind") == "upload");
  CHECK(first->getValue<std::string>("sha256") == sha256(pdf));
  CHECK(first->getValue<int64_t>("size") == static_cast<int64_t>(pdf.size()));

  auto content = s.get("chuyenvien", "/api/v1/documents/" + id + "/versions/1/content");
  REQUIRE(content.status == 200);
  CHECK(content.contentType == "application/pdf");
  CHECK(sha256(content.body) == sha256(pdf));
  CHECK(content.header("Content-Length") == std::to_string(pdf.size()));
  CHECK(content.header("ETag") == "\"" + sha256(pdf) + "\"");
  CHECK(content.header("Content-Disposition") == "attachment; filename=\"" + id + "-v1.pdf\"");
  CHECK(s.get("chuyenvien", "/api/v1/documents/" + id + "/versions/1/content",
              {{"If-None-Match", "\"" + sha256(pdf) + "\""}})
            .status == 304);
  CHECK(s.get("chuyenvien", "/api/v1/documents/" + id + "/versions/2/content").status == 404);
  CHECK(s.get("chuyenvien", "/api/v1/documents/" + id + "/versions/x/content").status == 404);
  CHECK(s.get("chuyenvien", "/api/v1/documents/no-such-id").status == 404);
  CHECK_FALSE(s.uploadsLeftBehind());
}

TEST_CASE("PATCH needs If-Match with the current revision and returns the new ETag",
          "[api][documents]") {
  DocumentServer s;
  auto id = s.create("chuyenvien", "Bản nháp");
  const std::string path = "/api/v1/documents/" + id;
  const std::string token = s.token("chuyenvien");
  const std::string change = R"({"subject":"Bản nháp đã sửa","urgency":"urgent"})";

  auto missing = call(s.port(), "PATCH", path, token, change);
  CHECK(missing.status == 428);
  CHECK(missing.code() == "precondition_required");

  auto changed =
      call(s.port(), "PATCH", path, token, change, "application/json", {{"If-Match", "\"1\""}});
  REQUIRE(changed.status == 200);
  CHECK(changed.header("ETag") == "\"2\"");
  CHECK(changed.json()->getValue<std::string>("subject") == "Bản nháp đã sửa");
  CHECK(changed.json()->getValue<std::string>("urgency") == "urgent");
  CHECK(changed.json()->getValue<int64_t>("revision") == 2);

  auto stale = call(s.port(), "PATCH", path, token, R"({"subject":"Lần nữa"})", "application/json",
                    {{"If-Match", "\"1\""}});
  CHECK(stale.status == 412);
  CHECK(stale.code() == "precondition_failed");
  CHECK(call(s.port(), "PATCH", path, token, R"({"subject":"Lần nữa"})", "application/json",
             {{"If-Match", "garbage"}})
            .status == 412);

  auto read = s.get("chuyenvien", path);
  CHECK(read.json()->getValue<std::string>("subject") == "Bản nháp đã sửa");
  CHECK(read.header("ETag").rfind("\"2.", 0) == 0);

  SECTION("bad bodies are 400 and change nothing") {
    for (const std::string body :
         {R"({"subject":5})", R"({"colour":"red"})", R"({"urgency":"soon"})",
          R"({"confidentiality":"very"})", R"({})", R"({"subject":""})", "not json"}) {
      auto reply =
          call(s.port(), "PATCH", path, token, body, "application/json", {{"If-Match", "\"2\""}});
      CHECK(reply.status == 400);
      CHECK(reply.code() == "invalid_argument");
    }
    CHECK(s.get("chuyenvien", path).header("ETag").rfind("\"2.", 0) == 0);
  }

  SECTION("another specialist who can see it may not change it, an administrator may") {
    auto peer = call(s.port(), "PATCH", path, s.token("chuyenvien2"), R"({"subject":"Của tôi"})",
                     "application/json", {{"If-Match", "\"2\""}});
    CHECK(peer.status == 403);
    auto admin = call(s.port(), "PATCH", path, s.token("admin"), R"({"subject":"Quản trị sửa"})",
                      "application/json", {{"If-Match", "\"2\""}});
    CHECK(admin.status == 200);
    CHECK(admin.header("ETag") == "\"3\"");
  }

  SECTION("an outsider gets 404, not 403") {
    auto outsider = call(s.port(), "PATCH", path, s.token("taichinh"), R"({"subject":"x"})",
                         "application/json", {{"If-Match", "\"2\""}});
    CHECK(outsider.status == 404);
    CHECK(outsider.code() == "not_found");
  }
}

TEST_CASE("a new version needs If-Match, moves the revision and is served as uploaded",
          "[api][documents]") {
  DocumentServer s;
  auto id = s.create("chuyenvien", "Có nhiều phiên bản");
  const std::string path = "/api/v1/documents/" + id + "/versions";
  const std::string token = s.token("chuyenvien");
  const std::string second =
      test::readFile(test::sourceDir() / "tests/data/corpus/unsigned/dss_pdf-two-fields.pdf");
  const std::string body = multipart(std::string(R"({"reason":"sửa lỗi chính tả"})"), second);

  auto missing = call(s.port(), "POST", path, token, body, kMultipartType);
  CHECK(missing.status == 428);
  auto added = call(s.port(), "POST", path, token, body, kMultipartType, {{"If-Match", "\"1\""}});
  REQUIRE(added.status == 201);
  CHECK(added.json()->getValue<int>("number") == 2);
  CHECK(added.json()->getValue<std::string>("reason") == "sửa lỗi chính tả");
  CHECK(added.header("ETag") == "\"2\"");
  CHECK(added.header("Location") == path + "/2");
  auto stale = call(s.port(), "POST", path, token, multipart(std::nullopt, second), kMultipartType,
                    {{"If-Match", "\"1\""}});
  CHECK(stale.status == 412);

  auto versions = s.get("chuyenvien", path);
  REQUIRE(versions.json()->getArray("items")->size() == 2);
  auto content = s.get("chuyenvien", path + "/2/content");
  REQUIRE(content.status == 200);
  CHECK(sha256(content.body) == sha256(second));
  CHECK(sha256(s.get("chuyenvien", path + "/1/content").body) == sha256(samplePdf()));
  CHECK(s.get("chuyenvien", "/api/v1/documents/" + id).header("ETag").rfind("\"2.", 0) == 0);
  CHECK_FALSE(s.uploadsLeftBehind());
}

TEST_CASE("a 210 MB upload is streamed: the server's memory grows far less than the file",
          "[api][documents][large]") {
  DocumentServer s;
  const std::string token = s.token("chuyenvien");
  TempDir work;
  const uint64_t streamBytes = 210ull << 20;
  const auto file = work / "lon.pdf";
  const std::string hash = writeLargePdf(file, streamBytes);
  const uint64_t size = std::filesystem::file_size(file);

  const std::string head = partHeader("metadata", "", "application/json") +
                           metadataJson("Hồ sơ quét 210 MB") + "\r\n" +
                           partHeader("file", "lon.pdf", "application/pdf");
  const std::string tail = "\r\n--" + kBoundary + "--\r\n";
  const uint64_t before = peakResidentBytes();

  Poco::Net::HTTPClientSession session("127.0.0.1", s.port());
  session.setTimeout(Poco::Timespan(300, 0));
  Poco::Net::HTTPRequest request("POST", "/api/v1/documents", Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", "Bearer " + token);
  request.setContentType(kMultipartType);
  request.setContentLength64(static_cast<Poco::Int64>(head.size() + size + tail.size()));
  std::ostream& out = session.sendRequest(request);
  out << head;
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    out.write(buffer.data(), in.gcount());
  }
  out << tail;
  auto reply = receive(session);
  REQUIRE(reply.status == 201);
  const uint64_t after = peakResidentBytes();
  INFO("peak RSS before " << (before >> 20) << " MiB, after " << (after >> 20) << " MiB");
  CHECK(after - before < (64ull << 20));

  const auto id = reply.json()->getValue<std::string>("id");
  auto versions = s.get("chuyenvien", "/api/v1/documents/" + id + "/versions");
  auto version = versions.json()->getArray("items")->getObject(0);
  CHECK(version->getValue<std::string>("sha256") == hash);
  CHECK(version->getValue<uint64_t>("size") == size);
  CHECK_FALSE(s.uploadsLeftBehind());
}

TEST_CASE("bad uploads are refused with the right status and leave no temporary file",
          "[api][documents]") {
  const std::string pdf = samplePdf();

  SECTION("over the limit: 413 from Content-Length and from the streamed bytes") {
    DocumentServer s(1);
    std::string big = pdf + std::string((1 << 20) + 1000, ' ') + "\n%%EOF\n";
    auto declared = s.upload("chuyenvien", multipart(metadataJson("Quá lớn"), big));
    CHECK(declared.status == 413);
    CHECK(declared.code() == "payload_too_large");

    Poco::Net::HTTPClientSession session("127.0.0.1", s.port());
    Poco::Net::HTTPRequest request("POST", "/api/v1/documents", Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + s.token("chuyenvien"));
    request.setContentType(kMultipartType);
    request.setChunkedTransferEncoding(true);
    session.sendRequest(request) << multipart(metadataJson("Quá lớn"), big);
    auto streamed = receive(session);
    CHECK(streamed.status == 413);
    CHECK(streamed.code() == "payload_too_large");

    auto verify = call(s.port(), "POST", "/api/v1/verify", "", big, "application/pdf");
    CHECK(verify.status == 413);
    CHECK(s.total("chuyenvien") == 0);
    CHECK_FALSE(s.uploadsLeftBehind());
  }

  SECTION("not a PDF: 422; a wrong content type: 415; bad metadata: 400") {
    DocumentServer s;
    auto notPdf = s.upload("chuyenvien", multipart(metadataJson("Không phải PDF"),
                                                   std::string("PK\x03\x04 a zip file")));
    CHECK(notPdf.status == 422);
    CHECK(notPdf.code() == "invalid_pdf");
    auto truncated =
        s.upload("chuyenvien", multipart(metadataJson("Cắt ngắn"), pdf.substr(0, pdf.size() / 2)));
    CHECK(truncated.status == 422);

    auto json = s.upload("chuyenvien", metadataJson("JSON thay vì form"), "application/json");
    CHECK(json.status == 415);
    CHECK(json.code() == "unsupported_media_type");

    for (const std::string& metadata :
         {std::string("{not json"), std::string(R"({"direction":"outgoing","subject":7})"),
          std::string(R"({"direction":"outgoing","subject":"x","colour":"red"})"),
          std::string(R"({"direction":"sideways","subject":"x"})"),
          std::string(R"({"direction":"outgoing"})"), std::string(R"(["a"])"),
          std::string(R"({"direction":"outgoing","subject":"x","confidentiality":"hush"})")}) {
      INFO(metadata);
      auto reply = s.upload("chuyenvien", multipart(metadata, pdf));
      CHECK(reply.status == 400);
      CHECK(reply.code() == "invalid_argument");
    }
    CHECK(s.upload("chuyenvien", multipart(std::nullopt, pdf)).status == 400);
    CHECK(s.upload("chuyenvien", multipart(metadataJson("Không có tệp"), std::nullopt)).status ==
          400);
    CHECK(s.upload("chuyenvien", "garbage with no boundary").status == 400);
    CHECK(s.total("chuyenvien") == 0);
    CHECK_FALSE(s.uploadsLeftBehind());
  }

  SECTION("who may upload: not without a login, not an administrator") {
    DocumentServer s;
    auto anonymous = call(s.port(), "POST", "/api/v1/documents", "",
                          multipart(metadataJson("Ẩn danh"), pdf), kMultipartType);
    CHECK(anonymous.status == 401);
    CHECK(s.upload("admin", multipart(metadataJson("Quản trị"), pdf)).status == 403);
    CHECK(s.upload("lanhdao", multipart(metadataJson("Lãnh đạo soạn"), pdf)).status == 201);
    CHECK_FALSE(s.uploadsLeftBehind());
  }
}

TEST_CASE("lists are bounded and their parameters checked", "[api][documents]") {
  DocumentServer s;
  for (int i = 0; i < 3; ++i) s.create("chuyenvien", "Văn bản " + std::to_string(i));
  auto page = s.get("chuyenvien", "/api/v1/documents?limit=2&page=2");
  REQUIRE(page.status == 200);
  CHECK(page.json()->getValue<int64_t>("total") == 3);
  CHECK(page.json()->getArray("items")->size() == 1);
  for (const std::string query :
       {"limit=0", "limit=101", "limit=x", "page=0", "page=-1", "box=sideways", "page=1.5"}) {
    INFO(query);
    auto reply = s.get("chuyenvien", "/api/v1/documents?" + query);
    CHECK(reply.status == 400);
    CHECK(reply.code() == "invalid_argument");
  }
  CHECK(call(s.port(), "GET", "/api/v1/documents").status == 401);
  // Pending: your own documents that left draft; none has yet.
  CHECK(s.total("chuyenvien", "?box=pending") == 0);
}

TEST_CASE("documents are seen in their organisation only, confidential ones by few",
          "[api][documents]") {
  DocumentServer s;
  auto open = s.create("chuyenvien", "Công khai");
  auto secret = s.create("chuyenvien", "Tài liệu mật", "confidential");
  s.assign(secret, "u-assignee");

  SECTION("another organisation sees nothing") {
    for (const auto& id : {open, secret}) {
      CHECK(s.get("taichinh", "/api/v1/documents/" + id).status == 404);
      CHECK(s.get("taichinh", "/api/v1/documents/" + id + "/versions").status == 404);
      auto content = s.get("taichinh", "/api/v1/documents/" + id + "/versions/1/content");
      CHECK(content.status == 404);
      CHECK(content.code() == "not_found");
    }
    CHECK(s.total("taichinh") == 0);
    CHECK(s.total("taichinh", "?box=outgoing") == 0);
  }

  SECTION("a confidential document is hidden from an unassigned specialist") {
    CHECK(s.get("chuyenvien2", "/api/v1/documents/" + open).status == 200);
    auto hidden = s.get("chuyenvien2", "/api/v1/documents/" + secret);
    CHECK(hidden.status == 404);
    CHECK(hidden.code() == "not_found");
    CHECK(s.get("chuyenvien2", "/api/v1/documents/" + secret + "/versions/1/content").status ==
          404);
    auto list = s.get("chuyenvien2", "/api/v1/documents");
    CHECK(list.json()->getValue<int64_t>("total") == 1);
    CHECK(idsOf(list) == std::vector<std::string>{open});
    CHECK(s.total("chuyenvien2", "?q=m%E1%BA%ADt") == 0);
  }

  SECTION("the creator, the assignee and the leader see it, and count it") {
    for (const std::string user : {"chuyenvien", "chuyenvien3", "lanhdao"}) {
      INFO(user);
      CHECK(s.get(user, "/api/v1/documents/" + secret).status == 200);
      CHECK(s.get(user, "/api/v1/documents/" + secret + "/versions/1/content").status == 200);
      auto list = s.get(user, "/api/v1/documents?limit=1");
      CHECK(list.json()->getValue<int64_t>("total") == 2);
      CHECK(list.json()->getArray("items")->size() == 1);
    }
    CHECK(s.get("admin", "/api/v1/documents/" + secret).status == 404);
    CHECK(s.total("admin") == 1);
  }
}

TEST_CASE("POST /api/v1/verify gives the report vanthu-verify --json gives", "[api][verify]") {
  DocumentServer s;
  const auto signedPdf =
      test::sourceDir() / "tests/data/corpus/signed/pyhanko_sig-with-ski-sid.pdf";
  auto reply =
      call(s.port(), "POST", "/api/v1/verify", "", test::readFile(signedPdf), "application/pdf");
  REQUIRE(reply.status == 200);
  auto report = reply.json();

  auto cli = test::runCommand(test::shellQuote(test::binDir() / "vanthu-verify") + " --json " +
                              test::shellQuote(signedPdf) + " 2>/dev/null");
  INFO(cli.output);
  auto expected = Poco::JSON::Parser().parse(cli.output).extract<Poco::JSON::Object::Ptr>();
  CHECK(report->getValue<std::string>("verdict") == expected->getValue<std::string>("verdict"));
  CHECK(report->getValue<std::string>("sha256") == expected->getValue<std::string>("sha256"));
  auto signatures = report->getArray("signatures");
  auto expectedSignatures = expected->getArray("signatures");
  REQUIRE(signatures->size() == expectedSignatures->size());
  REQUIRE(signatures->size() > 0);
  for (size_t i = 0; i < signatures->size(); ++i) {
    for (const std::string field : {"field", "indication", "subindication"}) {
      CHECK(signatures->getObject(i)->get(field).toString() ==
            expectedSignatures->getObject(i)->get(field).toString());
    }
  }

  auto garbage =
      call(s.port(), "POST", "/api/v1/verify", "", "this is not a PDF at all", "application/pdf");
  CHECK(garbage.status == 422);
  CHECK(garbage.code() == "invalid_pdf");
  auto wrongType = call(s.port(), "POST", "/api/v1/verify", "", "{}", "application/json");
  CHECK(wrongType.status == 415);
  CHECK_FALSE(s.uploadsLeftBehind());
}

TEST_CASE("server.max_upload_mb defaults to 256 and takes 1 to 65536 MiB", "[api][config]") {
  auto base = api::settingsFromEnvironment({"VANTHU_DATA=/srv"});
  CHECK(api::buildServerConfig(base).value().maxUploadMb == 256);
  auto environment = api::settingsFromEnvironment({"VANTHU_DATA=/srv", "VANTHU_MAX_UPLOAD_MB=512"});
  CHECK(api::buildServerConfig(environment).value().maxUploadMb == 512);
  for (const std::string bad : {"0", "-1", "65537", "12MB", ""}) {
    auto layers = base;
    layers.push_back({"server.max_upload_mb", bad, "vanthu.conf:3"});
    auto config = api::buildServerConfig(layers);
    REQUIRE_FALSE(config.isOk());
    CHECK(config.status().code() == ErrorCode::InvalidConfig);
    CHECK(config.status().message().find("server.max_upload_mb") != std::string::npos);
  }
}

TEST_CASE("an API token with documents:read reads what is not confidential and writes nothing",
          "[api][documents]") {
  DocumentServer s;
  auto open = s.create("chuyenvien", "Công khai");
  auto secret = s.create("chuyenvien", "Mật", "secret");
  auto created = call(s.port(), "POST", "/api/v1/auth/tokens", s.token("admin"),
                      R"({"name":"Cổng tra cứu","scopes":["documents:read"]})");
  REQUIRE(created.status == 201);
  const auto token = created.json()->getValue<std::string>("token");

  auto list = call(s.port(), "GET", "/api/v1/documents", token);
  REQUIRE(list.status == 200);
  CHECK(list.json()->getValue<int64_t>("total") == 1);
  CHECK(idsOf(list) == std::vector<std::string>{open});
  CHECK(call(s.port(), "GET", "/api/v1/documents/" + open + "/versions/1/content", token).status ==
        200);
  CHECK(call(s.port(), "GET", "/api/v1/documents/" + secret, token).status == 404);
  CHECK(call(s.port(), "POST", "/api/v1/documents", token,
             multipart(metadataJson("Từ máy"), samplePdf()), kMultipartType)
            .status == 403);
  CHECK(call(s.port(), "PATCH", "/api/v1/documents/" + open, token, R"({"subject":"x"})",
             "application/json", {{"If-Match", "\"1\""}})
            .status == 403);
}

TEST_CASE("every write is in the audit log of its document", "[api][documents]") {
  DocumentServer s;
  auto id = s.create("chuyenvien", "Được ghi vết");
  auto changed = call(s.port(), "PATCH", "/api/v1/documents/" + id, s.token("chuyenvien"),
                      R"({"subject":"Đã sửa"})", "application/json", {{"If-Match", "\"1\""}});
  REQUIRE(changed.status == 200);
  auto database = storage::Database::open({s.config.resolvedDatabaseUrl()});
  storage::SqlAuditLog audit(*database, nullptr);
  auto entries = audit.entriesOfDocument(id);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].action == "create");
  CHECK(entries[0].actor == "u-creator");
  CHECK(entries[0].organisationId == "ubnd");
  CHECK(entries[0].details.find(sha256(samplePdf())) != std::string::npos);
  CHECK(entries[0].clientAddress == "127.0.0.1");
  CHECK(entries[1].action == "update");
  CHECK(entries[1].details.find("Đã sửa") != std::string::npos);
  CHECK(audit.verify().ok());
}

TEST_CASE("the temporary file of an upload goes when the client goes away", "[api][documents]") {
  DocumentServer s;
  const std::string pdf = samplePdf();
  const std::string head = partHeader("metadata", "", "application/json") + metadataJson("Bỏ dở") +
                           "\r\n" + partHeader("file", "do-dang.pdf", "application/pdf");
  auto waitFor = [&](bool leftBehind) {
    for (int i = 0; i < 100 && s.uploadsLeftBehind() != leftBehind; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return s.uploadsLeftBehind() == leftBehind;
  };
  {
    Poco::Net::HTTPClientSession session("127.0.0.1", s.port());
    Poco::Net::HTTPRequest request("POST", "/api/v1/documents", Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + s.token("chuyenvien"));
    request.setContentType(kMultipartType);
    request.setContentLength64(100 << 20);
    std::ostream& out = session.sendRequest(request);
    out << head << pdf;
    out.flush();
    REQUIRE(waitFor(true));  // the upload is being written
    session.reset();         // and the client goes away in the middle of it
  }
  CHECK(waitFor(false));
  CHECK(s.total("chuyenvien") == 0);
}
