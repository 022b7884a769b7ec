// The Decree 30 registers over real HTTP on loopback against a real SQLite database: documents
// issued through the storage repository, the register listed and exported as CSV (parsed here as
// RFC 4180) and as PDF (judged by qpdf --check and pdftotext), and who may export what.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "register_pdf.h"
#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/workflow/document_types.h"
#include "vanthu/workflow/register_table.h"

using namespace vanthu;
using vanthu::test::TempDir;
using workflow::Role;

namespace {

const std::string kPassword = "mat-khau-so-dang-ky-2026";
const std::string kQuotedSubject = "Về việc ban hành quy chế, quy định \"một cửa\" của Ủy ban";
const std::string kFormulaSubject = "=HYPERLINK(\"http://example.invalid\",\"bấm vào\")";
const std::string kLongSubject =
    "Về việc tổng hợp, báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội, bảo đảm "
    "quốc phòng, an ninh trên địa bàn tỉnh và phương hướng, nhiệm vụ trọng tâm của năm tới";
constexpr int kCongVan = 45;  // enough rows for more than one page

struct Reply {
  int status = 0;
  std::string contentType;
  std::string body;
  Poco::Net::HTTPResponse headers;

  Poco::JSON::Object::Ptr json() const {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  }
  std::string code() const { return json()->getValue<std::string>("code"); }
};

// RFC 4180: fields separated by commas, records ending with CRLF, quoted fields may hold
// commas, CRLF and doubled quotes. REQUIREs that every record ends with CRLF.
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      REQUIRE(field.empty());
      quoted = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
    } else if (c == '\r') {
      REQUIRE(i + 1 < text.size());
      REQUIRE(text[i + 1] == '\n');
      ++i;
      record.push_back(field);
      field.clear();
      records.push_back(record);
      record.clear();
    } else {
      REQUIRE(c != '\n');  // a bare LF outside quotes: not CRLF
      field += c;
    }
  }
  REQUIRE_FALSE(quoted);
  REQUIRE(field.empty());
  REQUIRE(record.empty());  // the last record ended with CRLF too
  return records;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

struct RegisterServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;
  std::map<std::string, std::string> tokens;

  RegisterServer() {
    config.dataDir = dir.path();
    config.port = 0;
    config.gcInterval = std::chrono::seconds(0);
    {
      auto database = storage::Database::open({config.resolvedDatabaseUrl()});
      storage::SqlDirectoryRepository directory(*database);
      REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
      addOrganisation(directory, "ubnd", "000.00.00.H55", "Ủy ban nhân dân tỉnh Thái Nguyên");
      addOrganisation(directory, "sotc", "000.00.12.H55", "Sở Tài chính");
      REQUIRE(directory.addUnit({"vp", "ubnd", "Văn phòng", "VP"}).isOk());
      REQUIRE(directory.addUnit({"tc-vp", "sotc", "Văn phòng", "VP"}).isOk());
      addUser(directory, "u-clerk", "vanthu", "Nguyễn Thị Lan", "ubnd", "vp", Role::Clerk);
      addUser(directory, "u-leader", "lanhdao", "Phạm Quốc Hùng", "ubnd", "vp", Role::Leader);
      addUser(directory, "u-specialist", "chuyenvien", "Trần Văn Bình", "ubnd", "vp",
              Role::Specialist);
      addUser(directory, "u-other-clerk", "vanthu-stc", "Lê Thị Hoa", "sotc", "tc-vp", Role::Clerk);

      storage::SqlDocumentRepository documents(*database);
      REQUIRE(documents.createRegister({"so-di", "ubnd", "Sổ văn bản đi", "outgoing"}).isOk());
      REQUIRE(documents.createRegister({"so-den", "ubnd", "Sổ văn bản đến", "incoming"}).isOk());
      REQUIRE(documents.createRegister({"so-di-stc", "sotc", "Sổ văn bản đi", "outgoing"}).isOk());

      auto issue = [&](const std::string& id, const std::string& type, const std::string& subject,
                       const std::string& registerId, int year, const std::string& notation,
                       const std::string& direction = "outgoing") {
        workflow::DocumentRecord d;
        d.id = id;
        d.organisationId = registerId == "so-di-stc" ? "sotc" : "ubnd";
        d.direction = direction;
        d.documentType = type;
        d.subject = subject;
        d.status = "signed";
        d.createdBy = "u-specialist";
        d.createdAt = d.updatedAt = "2026-03-05T02:00:00Z";
        REQUIRE(documents.createDocument(d).isOk());
        REQUIRE(documents.issue(id, 1, registerId, year, notation).isOk());
      };
      // A year earlier, which the 2026 register must not show.
      issue("cu", "QĐ", "Văn bản năm trước", "so-di", 2025, "99/QĐ-UBND");
      issue("qd", "QĐ", kQuotedSubject, "so-di", 2026, "01/QĐ-UBND");
      workflow::DocumentVersion signature;
      signature.documentId = "qd";
      signature.blobHash = std::string(64, 'b');
      signature.kind = "signature";
      signature.actor = "u-leader";
      signature.createdAt = "2026-03-05T03:00:00Z";
      REQUIRE(documents.addVersion(signature).isOk());
      issue("cv", "", kFormulaSubject, "so-di", 2026, "02/UBND-VP");
      for (int n = 3; n < 3 + kCongVan; ++n) {
        issue("cv" + std::to_string(n), n % 2 ? "TB" : "", kLongSubject, "so-di", 2026,
              workflow::formatDocumentNumber(n) + (n % 2 ? "/TB-UBND" : "/UBND-VP"));
      }
      issue("den", "TB", "Về việc góp ý dự thảo", "so-den", 2026, "15/BNV-VP", "incoming");
      issue("stc", "", "Về việc dự toán", "so-di-stc", 2026, "01/STC-VP");
    }
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Warning, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
  }

  static void addOrganisation(storage::SqlDirectoryRepository& directory, const std::string& id,
                              const std::string& code, const std::string& name) {
    workflow::Organisation o;
    o.id = id;
    o.code = code;
    o.name = name;
    o.abbreviation = "UBND";
    o.tierCode = "province";
    REQUIRE(directory.addOrganisation(o).isOk());
  }

  static void addUser(storage::SqlDirectoryRepository& directory, const std::string& id,
                      const std::string& username, const std::string& fullName,
                      const std::string& organisation, const std::string& unit, Role role) {
    workflow::User user;
    user.id = id;
    user.username = username;
    user.fullName = fullName;
    user.organisationId = organisation;
    user.unitId = unit;
    user.passwordHash = api::hashPassword(kPassword, 1000);  // fast for tests
    REQUIRE(directory.addUser(user).isOk());
    REQUIRE(directory.grantRole({id, role, organisation, {unit}}).isOk());
  }

  Reply call(const std::string& method, const std::string& path, const std::string& bearer,
             const std::string& body = "") {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!bearer.empty()) request.set("Authorization", "Bearer " + bearer);
    if (!body.empty()) {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;
    Reply reply;
    std::istream& in = session.receiveResponse(reply.headers);
    Poco::StreamCopier::copyToString(in, reply.body);
    reply.status = static_cast<int>(reply.headers.getStatus());
    reply.contentType = reply.headers.getContentType();
    return reply;
  }

  std::string token(const std::string& username) {
    auto& token = tokens[username];
    if (token.empty()) {
      Poco::JSON::Object body;
      body.set("username", username);
      body.set("password", kPassword);
      std::ostringstream out;
      body.stringify(out);
      auto reply = call("POST", "/api/v1/auth/login", "", out.str());
      REQUIRE(reply.status == 200);
      token = reply.json()->getValue<std::string>("token");
    }
    return token;
  }

  Reply get(const std::string& username, const std::string& path) {
    return call("GET", path, token(username));
  }

  /// The audit entries recording register exports, oldest first.
  std::vector<workflow::AuditEntry> exportEntries() {
    auto database = storage::Database::open({config.resolvedDatabaseUrl()});
    storage::SqlAuditLog audit(*database, nullptr);
    std::vector<workflow::AuditEntry> found;
    for (uint64_t sequence = 0, size = audit.size(); sequence < size; ++sequence) {
      auto entry = audit.entry(sequence);
      REQUIRE(entry);
      if (entry->action == "export_register") found.push_back(*entry);
    }
    return found;
  }
};

}  // namespace

TEST_CASE("a clerk lists the registers of their own organisation", "[api][registers]") {
  RegisterServer s;
  auto reply = s.get("vanthu", "/api/v1/registers");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto items = reply.json()->getArray("items");
  REQUIRE(items->size() == 2);
  CHECK(items->getObject(0)->getValue<std::string>("id") == "so-di");
  CHECK(items->getObject(0)->getValue<std::string>("name") == "Sổ văn bản đi");
  CHECK(items->getObject(0)->getValue<std::string>("direction") == "outgoing");
  CHECK(items->getObject(1)->getValue<std::string>("id") == "so-den");
  CHECK(s.get("lanhdao", "/api/v1/registers").status == 200);
  CHECK(s.get("chuyenvien", "/api/v1/registers").status == 403);
}

TEST_CASE("the outgoing register exports as CSV: BOM, CRLF, headings, quoting, formulas guarded",
          "[api][registers]") {
  RegisterServer s;
  auto reply = s.get("vanthu", "/api/v1/registers/so-di/export?year=2026&format=csv");
  INFO(reply.body.substr(0, 400));
  REQUIRE(reply.status == 200);
  CHECK(reply.contentType == "text/csv; charset=utf-8");
  CHECK(reply.headers.get("Content-Disposition", "") ==
        "attachment; filename=\"so-van-ban-di-2026.csv\"");
  REQUIRE(reply.body.rfind("\xEF\xBB\xBF", 0) == 0);
  // The quotes of the subject are doubled inside a quoted field.
  CHECK(reply.body.find("\"Quyết định: Về việc ban hành quy chế, quy định \"\"một cửa\"\" của "
                        "Ủy ban\"") != std::string::npos);

  auto records = parseCsv(reply.body.substr(3));
  REQUIRE(records.size() == 1 + 2 + kCongVan);
  CHECK(records[0] == std::vector<std::string>{"Số, ký hiệu văn bản", "Ngày tháng văn bản",
                                               "Tên loại và trích yếu nội dung văn bản", "Người ký",
                                               "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu",
                                               "Số lượng bản", "Ngày chuyển", "Ký nhận",
                                               "Ghi chú"});
  for (const auto& record : records) REQUIRE(record.size() == 10);
  CHECK(records[1][0] == "01/QĐ-UBND");
  CHECK(records[1][1] == "05/03/2026");
  CHECK(records[1][2] == "Quyết định: " + kQuotedSubject);
  CHECK(records[1][3] == "Phạm Quốc Hùng");
  CHECK(records[1][8].empty());  // ký nhận: signed on paper
  CHECK(records[2][0] == "02/UBND-VP");
  CHECK(records[2][2] == "'" + kFormulaSubject);  // a công văn: the subject alone, guarded
  CHECK(records[2][3].empty());
  CHECK(records[3][2] == "Thông báo: " + kLongSubject);
  // In number order, and only 2026.
  for (size_t i = 1; i < records.size(); ++i) {
    CHECK(records[i][0].substr(0, records[i][0].find('/')) ==
          workflow::formatDocumentNumber(static_cast<int>(i)));
  }
  CHECK(reply.body.find("99/QĐ-UBND") == std::string::npos);
  CHECK(reply.body.find("01/STC-VP") == std::string::npos);
}

TEST_CASE("the incoming register has its own columns", "[api][registers]") {
  RegisterServer s;
  auto reply = s.get("vanthu", "/api/v1/registers/so-den/export?year=2026&format=csv");
  REQUIRE(reply.status == 200);
  CHECK(reply.headers.get("Content-Disposition", "") ==
        "attachment; filename=\"so-van-ban-den-2026.csv\"");
  auto records = parseCsv(reply.body.substr(3));
  REQUIRE(records.size() == 2);
  CHECK(records[0][0] == "Ngày đến");
  CHECK(records[0][1] == "Số đến");
  CHECK(records[1][0] == "05/03/2026");
  CHECK(records[1][1] == "01");
  CHECK(records[1][3] == "15/BNV-VP");
}

TEST_CASE("the outgoing register exports as a PDF that qpdf accepts and pdftotext reads back",
          "[api][registers][pdf]") {
  RegisterServer s;
  auto reply = s.get("vanthu", "/api/v1/registers/so-di/export?year=2026&format=pdf");
  REQUIRE(reply.status == 200);
  CHECK(reply.contentType == "application/pdf");
  CHECK(reply.headers.get("Content-Disposition", "") ==
        "attachment; filename=\"so-van-ban-di-2026.pdf\"");
  REQUIRE(reply.body.rfind("%PDF-", 0) == 0);
  auto file = s.dir / "so-van-ban-di-2026.pdf";
  test::writeText(file, reply.body);

  auto check = test::runCommand("qpdf --check " + test::shellQuote(file));
  INFO(check.output);
  CHECK(check.exitCode == 0);

  auto text = test::runCommand("pdftotext -layout -enc UTF-8 " + test::shellQuote(file) + " -");
  REQUIRE(text.exitCode == 0);
  const std::string& out = text.output;
  INFO(out.substr(0, 3000));
  CHECK(out.find("SỔ ĐĂNG KÝ VĂN BẢN ĐI — năm 2026") != std::string::npos);
  CHECK(out.find("Ủy ban nhân dân tỉnh Thái Nguyên") != std::string::npos);
  CHECK(out.find("01/QĐ-UBND") != std::string::npos);
  CHECK(out.find("02/UBND-VP") != std::string::npos);
  CHECK(out.find(workflow::formatDocumentNumber(2 + kCongVan) + "/TB-UBND") != std::string::npos);
  CHECK(out.find("Phạm Quốc Hùng") != std::string::npos);
  CHECK(out.find("Quyết định: Về việc ban hành quy chế") != std::string::npos);
  CHECK(out.find("99/QĐ-UBND") == std::string::npos);
  // More than one page: the headings repeat on each, and each is numbered.
  auto pages = test::runCommand("pdfinfo " + test::shellQuote(file));
  REQUIRE(pages.exitCode == 0);
  const auto at = pages.output.find("Pages:");
  REQUIRE(at != std::string::npos);
  const int pageCount = std::stoi(pages.output.substr(at + 6));
  CHECK(pageCount >= 2);
  CHECK(count(out, "Người ký") == static_cast<size_t>(pageCount));
  CHECK(count(out, "Ký nhận") == static_cast<size_t>(pageCount));
  CHECK(out.find("Trang 1/" + std::to_string(pageCount)) != std::string::npos);
  CHECK(out.find("Trang " + std::to_string(pageCount) + "/" + std::to_string(pageCount)) !=
        std::string::npos);
}

TEST_CASE("exports are refused to other organisations, other roles and bad parameters",
          "[api][registers]") {
  RegisterServer s;
  // Another organisation's register does not exist for the caller.
  auto other = s.get("vanthu-stc", "/api/v1/registers/so-di/export?year=2026&format=csv");
  CHECK(other.status == 404);
  CHECK(other.code() == "not_found");
  CHECK(s.get("vanthu", "/api/v1/registers/so-di-stc/export?year=2026&format=csv").status == 404);
  CHECK(s.get("vanthu", "/api/v1/registers/khong-co/export?year=2026&format=csv").status == 404);
  // A specialist does not keep registers.
  auto specialist = s.get("chuyenvien", "/api/v1/registers/so-di/export?year=2026&format=csv");
  CHECK(specialist.status == 403);
  CHECK(s.call("GET", "/api/v1/registers/so-di/export?year=2026&format=csv", "").status == 401);
  for (const char* query :
       {"?year=2026&format=xlsx", "?year=2026", "?format=csv", "?year=26&format=csv",
        "?year=abcd&format=pdf", "?year=2026x&format=csv", "?year=0000&format=csv"}) {
    INFO(query);
    auto bad = s.get("vanthu", std::string("/api/v1/registers/so-di/export") + query);
    CHECK(bad.status == 400);
    CHECK(bad.contentType.rfind("application/problem+json", 0) == 0);
    CHECK(bad.code() == "invalid_argument");
  }
}

TEST_CASE("an export is one audit entry: who, which register, year and format",
          "[api][registers]") {
  RegisterServer s;
  REQUIRE(s.exportEntries().empty());
  REQUIRE(s.get("vanthu", "/api/v1/registers/so-di/export?year=2026&format=csv").status == 200);
  auto entries = s.exportEntries();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].actor == "u-clerk");
  CHECK(entries[0].organisationId == "ubnd");
  CHECK(entries[0].documentId.empty());
  CHECK(entries[0].clientAddress == "127.0.0.1");
  auto details = Poco::JSON::Parser().parse(entries[0].details).extract<Poco::JSON::Object::Ptr>();
  CHECK(details->getValue<std::string>("register") == "so-di");
  CHECK(details->getValue<int>("year") == 2026);
  CHECK(details->getValue<std::string>("format") == "csv");
  CHECK(details->getValue<int>("rows") == 2 + kCongVan);

  REQUIRE(s.get("lanhdao", "/api/v1/registers/so-den/export?year=2025&format=pdf").status == 200);
  entries = s.exportEntries();
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].actor == "u-leader");
  details = Poco::JSON::Parser().parse(entries[1].details).extract<Poco::JSON::Object::Ptr>();
  CHECK(details->getValue<std::string>("register") == "so-den");
  CHECK(details->getValue<int>("year") == 2025);
  CHECK(details->getValue<std::string>("format") == "pdf");
  CHECK(details->getValue<int>("rows") == 0);
  // The chain still verifies with the new entries in it.
  {
    auto database = storage::Database::open({s.config.resolvedDatabaseUrl()});
    CHECK(storage::SqlAuditLog(*database, nullptr).verify().ok());
  }
}

TEST_CASE("a refused export writes no audit entry", "[api][registers]") {
  RegisterServer s;
  CHECK(s.get("vanthu-stc", "/api/v1/registers/so-di/export?year=2026&format=csv").status == 404);
  CHECK(s.get("vanthu", "/api/v1/registers/khong-co/export?year=2026&format=csv").status == 404);
  CHECK(s.get("chuyenvien", "/api/v1/registers/so-di/export?year=2026&format=csv").status == 403);
  CHECK(s.get("vanthu", "/api/v1/registers/so-di/export?year=2026&format=xlsx").status == 400);
  CHECK(s.get("vanthu", "/api/v1/registers/so-di/export?year=26&format=csv").status == 400);
  CHECK(s.call("GET", "/api/v1/registers/so-di/export?year=2026&format=csv", "").status == 401);
  CHECK(s.exportEntries().empty());
}

TEST_CASE("the register PDF copes with no rows, a cell longer than a page and unprintable text",
          "[api][registers][pdf]") {
  TempDir dir;
  auto judge = [&](const workflow::RegisterTable& table, const std::string& name) {
    auto file = dir / name;
    test::writeText(file, api::renderRegisterPdf(table));
    auto check = test::runCommand("qpdf --check " + test::shellQuote(file));
    INFO(check.output);
    CHECK(check.exitCode == 0);
    auto text = test::runCommand("pdftotext -layout -enc UTF-8 " + test::shellQuote(file) + " -");
    REQUIRE(text.exitCode == 0);
    return text.output;
  };
  auto empty =
      workflow::buildRegisterTable(workflow::RegisterKind::Incoming, "Sở Nội vụ", "", 2026, {});
  auto emptyText = judge(empty, "empty.pdf");
  CHECK(emptyText.find("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN — năm 2026") != std::string::npos);
  CHECK(emptyText.find("Trang 1/1") != std::string::npos);

  workflow::RegisterEntry huge;
  huge.number = 1;
  huge.notation = "01/BC-UBND";
  huge.documentType = "BC";
  std::string paragraph;
  for (int i = 0; i < 400; ++i) paragraph += "tình hình thực hiện nhiệm vụ ";
  huge.subject = paragraph + "\nkết thúc";
  workflow::RegisterEntry odd;
  odd.number = 2;
  odd.notation = "02/UBND-VP";
  odd.subject = std::string("Ký tự lạ: \xF0\x9F\x98\x80 \x01 \xFF cuối");  // emoji, control, bad
  auto table =
      workflow::buildRegisterTable(workflow::RegisterKind::Outgoing, "UBND", "", 2026, {huge, odd});
  auto text = judge(table, "huge.pdf");
  CHECK(text.find("Trang 1/") != std::string::npos);
  CHECK(text.find("Trang 2/") != std::string::npos);  // the long cell went on
  CHECK(text.find("kết thúc") != std::string::npos);
  CHECK(text.find("02/UBND-VP") != std::string::npos);
  CHECK(text.find("Ký tự lạ: ?") != std::string::npos);
  CHECK(text.find("cuối") != std::string::npos);
}
