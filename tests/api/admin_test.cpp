// Administration over real HTTP on loopback against a real SQLite database (issue 6, point 3):
// organisations, units, users and roles, key references (real PKCS#12 files), delegations and
// workflow templates. Two organisations are seeded: a province and a commune under it.

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/signing/certificate_authority.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"

using namespace vanthu;
using Poco::JSON::Array;
using Poco::JSON::Object;
using vanthu::test::TempDir;

namespace {

namespace fs = std::filesystem;
const std::string kPassword = "mat-khau-thu-nghiem-2026";
constexpr auto kDay = std::chrono::hours(24);

struct Reply {
  int status = 0;
  std::string contentType;
  std::string body;

  Object::Ptr json() const { return Poco::JSON::Parser().parse(body).extract<Object::Ptr>(); }
  std::string code() const { return json()->getValue<std::string>("code"); }
  std::string detail() const { return json()->optValue<std::string>("detail", ""); }
  Array::Ptr items() const { return json()->getArray("items"); }
};

std::string text(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

std::string base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A small PKI: a root, and signer certificates (current or expired) in PKCS#12 files.
struct TestPki {
  signing::TimePoint start =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  signing::CertificateAuthority root = signing::CertificateAuthority::createRoot(
      {{{"C", "VN"}, {"CN", "Admin Test Root CA"}}},
      signing::PrivateKey::generate(signing::KeyAlgorithm::EcP256), start - 3650 * kDay,
      start + 3650 * kDay);

  signing::Certificate issue(const signing::PrivateKey& key, const std::string& commonName,
                             signing::TimePoint notBefore, signing::TimePoint notAfter) {
    signing::CertificateRequest request;
    request.subject = {{{"C", "VN"}, {"CN", commonName}}};
    request.profile = signing::CertificateProfile::PersonalSigner;
    request.notBefore = notBefore;
    request.notAfter = notAfter;
    request.crlUrl = "http://127.0.0.1:8080/pki/test.crl";
    return root.issue(request, key);
  }

  /// The bytes of a PKCS#12 file holding a fresh key and its certificate.
  std::string pkcs12(const fs::path& dir, const std::string& commonName,
                     const std::string& password, bool expired = false) {
    auto key = signing::PrivateKey::generate(signing::KeyAlgorithm::EcP256);
    auto certificate = expired ? issue(key, commonName, start - 400 * kDay, start - 30 * kDay)
                               : issue(key, commonName, start - kDay, start + 365 * kDay);
    auto path = dir / (commonName + ".p12");
    signing::writePkcs12(path, key, certificate, {root.certificate()}, password, commonName);
    return readFile(path);
  }

  std::string certificatePem(const std::string& commonName, bool expired = false) {
    auto key = signing::PrivateKey::generate(signing::KeyAlgorithm::EcP256);
    return (expired ? issue(key, commonName, start - 400 * kDay, start - 30 * kDay)
                    : issue(key, commonName, start - kDay, start + 365 * kDay))
        .toPem();
  }
};

struct AdminServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;

  AdminServer() {
    config.dataDir = dir.path();
    config.port = 0;
    {
      auto database = storage::Database::open({config.resolvedDatabaseUrl()});
      storage::SqlDirectoryRepository directory(*database);
      REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
      REQUIRE(directory.addTier({"commune", "Cấp xã", 4, std::nullopt}).isOk());
      workflow::Organisation province;
      province.id = "tinh";
      province.code = "000.00.00.H55";
      province.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
      province.abbreviation = "UBND";
      province.tierCode = "province";
      REQUIRE(directory.addOrganisation(province).isOk());
      workflow::Organisation commune;
      commune.id = "xa";
      commune.code = "000.01.23.H55";
      commune.name = "Ủy ban nhân dân xã Phú Bình";
      commune.abbreviation = "UBND";
      commune.tierCode = "commune";
      commune.parentId = "tinh";
      REQUIRE(directory.addOrganisation(commune).isOk());
      REQUIRE(directory.addUnit({"vp", "tinh", "Văn phòng", "VP"}).isOk());
      REQUIRE(directory.addUnit({"xa-vp", "xa", "Văn phòng xã", "VP"}).isOk());
      addUser(directory, "u-admin", "admin", "tinh", workflow::Role::Administrator);
      // The leader's name is the one on the test certificates issued for the leader.
      addUser(directory, "u-lanhdao", "lanhdao", "tinh", workflow::Role::Leader, "Phạm Quốc Hùng");
      addUser(directory, "u-pho", "pho", "tinh", workflow::Role::DeputyLeader);
      addUser(directory, "u-cv", "chuyenvien", "tinh", workflow::Role::Specialist);
      addUser(directory, "u-xa-admin", "xa.admin", "xa", workflow::Role::Administrator);
      addUser(directory, "u-xa-vanthu", "xa.vanthu", "xa", workflow::Role::Clerk);
    }
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Info, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
  }

  static void addUser(storage::SqlDirectoryRepository& directory, const std::string& id,
                      const std::string& username, const std::string& organisation,
                      workflow::Role role, const std::string& fullName = "") {
    workflow::User user;
    user.id = id;
    user.username = username;
    user.fullName = fullName.empty() ? username : fullName;
    user.organisationId = organisation;
    user.passwordHash = api::hashPassword(kPassword, 1000);  // fast for tests
    REQUIRE(directory.addUser(user).isOk());
    REQUIRE(directory.grantRole({id, role, organisation, std::nullopt}).isOk());
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
    Poco::Net::HTTPResponse response;
    Reply reply;
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, reply.body);
    reply.status = static_cast<int>(response.getStatus());
    reply.contentType = response.getContentType();
    return reply;
  }

  Reply call(const std::string& method, const std::string& path, const std::string& bearer,
             const Object& body) {
    return call(method, path, bearer, text(body));
  }

  std::string token(const std::string& username, const std::string& password = kPassword) {
    Object body;
    body.set("username", username);
    body.set("password", password);
    auto reply = call("POST", "/api/v1/auth/login", "", body);
    REQUIRE(reply.status == 200);
    return reply.json()->getValue<std::string>("token");
  }
};

Object object(std::initializer_list<std::pair<std::string, Poco::Dynamic::Var>> fields) {
  Object json;
  for (const auto& [name, value] : fields) json.set(name, value);
  return json;
}

void checkProblem(const Reply& reply, int status, const std::string& code) {
  INFO(reply.body);
  CHECK(reply.status == status);
  CHECK(reply.contentType.rfind("application/problem+json", 0) == 0);
  if (!reply.body.empty()) CHECK(reply.code() == code);
}

std::vector<std::string> idsOf(const Array::Ptr& items, const std::string& field = "id") {
  std::vector<std::string> ids;
  for (size_t i = 0; i < items->size(); ++i) {
    ids.push_back(items->getObject(static_cast<unsigned>(i))->getValue<std::string>(field));
  }
  return ids;
}

}  // namespace

TEST_CASE("the organisation directory: every user reads it, filters by tier and text",
          "[api][admin]") {
  AdminServer s;
  auto specialist = s.token("chuyenvien");

  auto all = s.call("GET", "/api/v1/organizations", specialist);
  REQUIRE(all.status == 200);
  CHECK(idsOf(all.items()) == std::vector<std::string>{"tinh", "xa"});
  auto communes = s.call("GET", "/api/v1/organizations?tier=commune", specialist);
  CHECK(idsOf(communes.items()) == std::vector<std::string>{"xa"});
  auto byText = s.call("GET", "/api/v1/organizations?q=000.01", specialist);
  CHECK(idsOf(byText.items()) == std::vector<std::string>{"xa"});
  auto byName = s.call("GET", "/api/v1/organizations?q=Ph%C3%BA%20B%C3%ACnh", specialist);
  CHECK(idsOf(byName.items()) == std::vector<std::string>{"xa"});

  auto one = s.call("GET", "/api/v1/organizations/xa", specialist);
  REQUIRE(one.status == 200);
  CHECK(one.json()->getValue<std::string>("parent_id") == "tinh");
  CHECK(one.json()->getValue<std::string>("tier") == "commune");
  checkProblem(s.call("GET", "/api/v1/organizations/nowhere", specialist), 404, "not_found");

  auto tiers = s.call("GET", "/api/v1/tiers", specialist);
  REQUIRE(tiers.status == 200);
  CHECK(idsOf(tiers.items(), "code") == std::vector<std::string>{"province", "commune"});

  checkProblem(s.call("GET", "/api/v1/organizations", ""), 401, "unauthenticated");
}

TEST_CASE("an administrator creates and changes organisations only at or below their own",
          "[api][admin]") {
  AdminServer s;
  auto admin = s.token("admin");
  auto communeAdmin = s.token("xa.admin");
  auto specialist = s.token("chuyenvien");
  auto newCommune = object({{"id", "xa2"},
                            {"code", "000.02.23.H55"},
                            {"name", "Ủy ban nhân dân xã Đồng Hỷ"},
                            {"abbreviation", "UBND"},
                            {"tier", "commune"},
                            {"parent_id", "tinh"}});

  checkProblem(s.call("POST", "/api/v1/organizations", specialist, newCommune), 403, "forbidden");
  checkProblem(s.call("POST", "/api/v1/organizations", communeAdmin, newCommune), 403, "forbidden");
  auto created = s.call("POST", "/api/v1/organizations", admin, newCommune);
  REQUIRE(created.status == 201);
  CHECK(created.json()->getValue<std::string>("code") == "000.02.23.H55");
  CHECK(s.call("GET", "/api/v1/organizations/xa2", specialist).status == 200);
  checkProblem(s.call("POST", "/api/v1/organizations", admin, newCommune), 409, "already_exists");

  SECTION("bad input") {
    auto badCode = newCommune;
    badCode.set("id", "xa3");
    badCode.set("code", "23.H55");
    checkProblem(s.call("POST", "/api/v1/organizations", admin, badCode), 400, "invalid_argument");
    auto unknownField = newCommune;
    unknownField.set("colour", "red");
    auto reply = s.call("POST", "/api/v1/organizations", admin, unknownField);
    checkProblem(reply, 400, "invalid_argument");
    CHECK_THAT(reply.detail(), Catch::Contains("colour"));
    auto wrongType = newCommune;
    wrongType.set("name", 42);
    checkProblem(s.call("POST", "/api/v1/organizations", admin, wrongType), 400,
                 "invalid_argument");
    auto unknownTier = newCommune;
    unknownTier.set("id", "xa4");
    unknownTier.set("code", "000.04.23.H55");
    unknownTier.set("tier", "district");
    checkProblem(s.call("POST", "/api/v1/organizations", admin, unknownTier), 400,
                 "invalid_argument");
    checkProblem(s.call("POST", "/api/v1/organizations", admin, std::string("[1,2]")), 400,
                 "invalid_argument");
  }

  SECTION("changes") {
    auto renamed = s.call("PATCH", "/api/v1/organizations/xa", admin,
                          object({{"endpoint", "https://lienthong.example.vn/xa"}}));
    REQUIRE(renamed.status == 200);
    CHECK(renamed.json()->getValue<std::string>("endpoint") == "https://lienthong.example.vn/xa");
    CHECK(s.call("PATCH", "/api/v1/organizations/xa", communeAdmin,
                 object({{"name", "Ủy ban nhân dân xã Phú Bình (mới)"}}))
              .status == 200);
    checkProblem(s.call("PATCH", "/api/v1/organizations/tinh", communeAdmin,
                        object({{"name", "Chiếm quyền"}})),
                 403, "forbidden");
    checkProblem(
        s.call("PATCH", "/api/v1/organizations/xa", admin, object({{"abbreviation", "ub nd"}})),
        400, "invalid_argument");
    checkProblem(
        s.call("PATCH", "/api/v1/organizations/tinh", admin, object({{"parent_id", "xa"}})), 400,
        "invalid_argument");
    checkProblem(s.call("PATCH", "/api/v1/organizations/xa", admin,
                        object({{"dissolved_on", "last summer"}})),
                 400, "invalid_argument");
    auto dissolved = s.call("PATCH", "/api/v1/organizations/xa", admin,
                            object({{"dissolved_on", "2025-07-01"}}));
    REQUIRE(dissolved.status == 200);
    CHECK(dissolved.json()->getValue<std::string>("dissolved_on") == "2025-07-01");
    checkProblem(s.call("PATCH", "/api/v1/organizations/nowhere", admin, object({{"name", "X"}})),
                 404, "not_found");
    auto stored = s.call("GET", "/api/v1/organizations/tinh", specialist).json();
    CHECK(stored->getValue<std::string>("name") == "Ủy ban nhân dân tỉnh Thái Nguyên");
    CHECK(stored->isNull("parent_id"));
  }
}

TEST_CASE("units: listed for everyone, added and renamed by the organisation's administrator",
          "[api][admin]") {
  AdminServer s;
  auto admin = s.token("admin");
  auto communeAdmin = s.token("xa.admin");
  auto specialist = s.token("chuyenvien");

  auto created = s.call("POST", "/api/v1/organizations/tinh/units", admin,
                        object({{"name", "Phòng Tổng hợp"}, {"abbreviation", "TH"}}));
  REQUIRE(created.status == 201);
  auto unitId = created.json()->getValue<std::string>("id");
  auto listed = s.call("GET", "/api/v1/organizations/tinh/units", specialist);
  REQUIRE(listed.status == 200);
  CHECK(listed.items()->size() == 2);
  checkProblem(s.call("GET", "/api/v1/organizations/nowhere/units", specialist), 404, "not_found");

  checkProblem(s.call("POST", "/api/v1/organizations/tinh/units", specialist,
                      object({{"name", "X"}, {"abbreviation", "X"}})),
               403, "forbidden");
  checkProblem(s.call("POST", "/api/v1/organizations/tinh/units", communeAdmin,
                      object({{"name", "X"}, {"abbreviation", "X"}})),
               403, "forbidden");
  checkProblem(s.call("POST", "/api/v1/organizations/tinh/units", admin,
                      object({{"name", "Phòng Tổng hợp"}, {"abbreviation", "TH"}})),
               409, "already_exists");
  checkProblem(s.call("POST", "/api/v1/organizations/tinh/units", admin,
                      object({{"name", "Y"}, {"abbreviation", 7}})),
               400, "invalid_argument");

  auto renamed = s.call("PATCH", "/api/v1/units/" + unitId, admin,
                        object({{"name", "Phòng Tổng hợp - Kế hoạch"}}));
  REQUIRE(renamed.status == 200);
  CHECK(renamed.json()->getValue<std::string>("name") == "Phòng Tổng hợp - Kế hoạch");
  CHECK(renamed.json()->getValue<std::string>("abbreviation") == "TH");
  checkProblem(
      s.call("PATCH", "/api/v1/units/" + unitId, communeAdmin, object({{"name", "Chiếm"}})), 404,
      "not_found");
  checkProblem(s.call("PATCH", "/api/v1/units/xa-vp", admin, object({{"name", "Chiếm"}})), 404,
               "not_found");
}

TEST_CASE(
    "users: an administrator lists a page, creates, reads and changes users of their own "
    "organisation only",
    "[api][admin]") {
  AdminServer s;
  auto admin = s.token("admin");
  auto communeAdmin = s.token("xa.admin");
  auto specialist = s.token("chuyenvien");

  auto page = s.call("GET", "/api/v1/users?page=2&limit=3", admin);
  REQUIRE(page.status == 200);
  CHECK(page.json()->getValue<int>("total") == 4);
  CHECK(page.json()->getValue<int>("page") == 2);
  CHECK(page.items()->size() == 1);
  auto first = s.call("GET", "/api/v1/users?limit=3", admin);
  CHECK(idsOf(first.items(), "username") ==
        std::vector<std::string>{"admin", "chuyenvien", "lanhdao"});
  CHECK(idsOf(s.call("GET", "/api/v1/users", communeAdmin).items(), "username") ==
        std::vector<std::string>{"xa.admin", "xa.vanthu"});
  checkProblem(s.call("GET", "/api/v1/users?limit=0", admin), 400, "invalid_argument");
  checkProblem(s.call("GET", "/api/v1/users?page=abc", admin), 400, "invalid_argument");
  checkProblem(s.call("GET", "/api/v1/users", specialist), 403, "forbidden");

  const std::string newPassword = "mot-mat-khau-rat-dai-2026";
  auto newUser = object({{"username", "chanhvanphong"},
                         {"password", newPassword},
                         {"full_name", "Đỗ Thị Chánh"},
                         {"position", "Chánh Văn phòng"},
                         {"email", "chanh@example.vn"},
                         {"unit_id", "vp"}});
  checkProblem(s.call("POST", "/api/v1/users", specialist, newUser), 403, "forbidden");
  auto created = s.call("POST", "/api/v1/users", admin, newUser);
  REQUIRE(created.status == 201);
  auto json = created.json();
  auto id = json->getValue<std::string>("id");
  CHECK(json->getValue<std::string>("organisation_id") == "tinh");
  CHECK(json->getValue<std::string>("unit_id") == "vp");
  CHECK(json->getValue<bool>("active"));
  CHECK(created.body.find(newPassword) == std::string::npos);
  CHECK(created.body.find("pbkdf2") == std::string::npos);
  CHECK(s.logs.str().find(newPassword) == std::string::npos);
  CHECK(s.token("chanhvanphong", newPassword).size() > 20);
  checkProblem(s.call("POST", "/api/v1/users", admin, newUser), 409, "already_exists");

  SECTION("bad input") {
    auto shortPassword = newUser;
    shortPassword.set("username", "ngan");
    shortPassword.set("password", "ngan-qua-11");
    auto reply = s.call("POST", "/api/v1/users", admin, shortPassword);
    checkProblem(reply, 400, "invalid_argument");
    CHECK_THAT(reply.detail(), Catch::Contains("12"));
    auto foreignUnit = newUser;
    foreignUnit.set("username", "khac");
    foreignUnit.set("unit_id", "xa-vp");
    checkProblem(s.call("POST", "/api/v1/users", admin, foreignUnit), 400, "invalid_argument");
    auto wrongType = newUser;
    wrongType.set("username", "sai");
    wrongType.set("full_name", Poco::Dynamic::Var(true));
    checkProblem(s.call("POST", "/api/v1/users", admin, wrongType), 400, "invalid_argument");
    auto unknownField = newUser;
    unknownField.set("username", "la");
    unknownField.set("is_admin", true);
    checkProblem(s.call("POST", "/api/v1/users", admin, unknownField), 400, "invalid_argument");
    checkProblem(s.call("PATCH", "/api/v1/users/" + id, admin, object({{"active", "no"}})), 400,
                 "invalid_argument");
  }

  SECTION("reading and changing") {
    auto read = s.call("GET", "/api/v1/users/" + id, admin);
    REQUIRE(read.status == 200);
    CHECK(read.json()->getValue<std::string>("position") == "Chánh Văn phòng");
    checkProblem(s.call("GET", "/api/v1/users/" + id, communeAdmin), 404, "not_found");
    checkProblem(s.call("GET", "/api/v1/users/u-xa-vanthu", admin), 404, "not_found");
    checkProblem(
        s.call("PATCH", "/api/v1/users/u-xa-vanthu", admin, object({{"full_name", "Chiếm"}})), 404,
        "not_found");

    auto changed = s.call("PATCH", "/api/v1/users/" + id, admin,
                          object({{"full_name", "Đỗ Thị Chánh Mới"},
                                  {"unit_id", Poco::Dynamic::Var()},
                                  {"email", "moi@example.vn"}}));
    REQUIRE(changed.status == 200);
    CHECK(changed.json()->getValue<std::string>("full_name") == "Đỗ Thị Chánh Mới");
    CHECK(changed.json()->isNull("unit_id"));
    CHECK(changed.json()->getValue<std::string>("position") == "Chánh Văn phòng");
  }
}

TEST_CASE("a deactivated user's token stops working at once and they cannot log in",
          "[api][admin]") {
  AdminServer s;
  auto admin = s.token("admin");
  auto specialist = s.token("chuyenvien");
  REQUIRE(s.call("GET", "/api/v1/me", specialist).status == 200);

  auto reply = s.call("PATCH", "/api/v1/users/u-cv", admin, object({{"active", false}}));
  REQUIRE(reply.status == 200);
  CHECK_FALSE(reply.json()->getValue<bool>("active"));
  checkProblem(s.call("GET", "/api/v1/me", specialist), 401, "unauthenticated");
  Object login = object({{"username", "chuyenvien"}, {"password", kPassword}});
  checkProblem(s.call("POST", "/api/v1/auth/login", "", login), 401, "unauthenticated");

  REQUIRE(s.call("PATCH", "/api/v1/users/u-cv", admin, object({{"active", true}})).status == 200);
  CHECK(s.call("POST", "/api/v1/auth/login", "", login).status == 200);
}

TEST_CASE("roles: granted and taken away, but never the organisation's last administrator",
          "[api][admin]") {
  AdminServer s;
  auto admin = s.token("admin");
  auto specialist = s.token("chuyenvien");

  auto granted = s.call("POST", "/api/v1/users/u-cv/roles", admin,
                        object({{"role", "department_head"}, {"unit_id", "vp"}}));
  REQUIRE(granted.status == 201);
  CHECK(granted.json()->getArray("roles")->size() == 2);
  checkProblem(s.call("POST", "/api/v1/users/u-cv/roles", admin,
                      object({{"role", "department_head"}, {"unit_id", "vp"}})),
               409, "already_exists");
  checkProblem(s.call("POST", "/api/v1/users/u-cv/roles", admin, object({{"role", "emperor"}})),
               400, "invalid_argument");
  checkProblem(s.call("POST", "/api/v1/users/u-cv/roles", admin,
                      object({{"role", "clerk"}, {"unit_id", "xa-vp"}})),
               400, "invalid_argument");
  checkProblem(
      s.call("POST", "/api/v1/users/u-xa-vanthu/roles", admin, object({{"role", "administrator"}})),
      404, "not_found");
  checkProblem(
      s.call("POST", "/api/v1/users/u-cv/roles", specialist, object({{"role", "administrator"}})),
      403, "forbidden");

  CHECK(s.call("DELETE", "/api/v1/users/u-cv/roles/department_head?unit_id=vp", admin).status ==
        204);
  checkProblem(s.call("DELETE", "/api/v1/users/u-cv/roles/department_head?unit_id=vp", admin), 404,
               "not_found");

  auto last = s.call("DELETE", "/api/v1/users/u-admin/roles/administrator", admin);
  checkProblem(last, 409, "invalid_state");
  CHECK_THAT(last.detail(), Catch::Contains("last administrator"));
  checkProblem(s.call("PATCH", "/api/v1/users/u-admin", admin, object({{"active", false}})), 409,
               "invalid_state");
  CHECK(s.call("GET", "/api/v1/me", admin).status == 200);

  // With a second administrator the first may step down.
  REQUIRE(
      s.call("POST", "/api/v1/users/u-lanhdao/roles", admin, object({{"role", "administrator"}}))
          .status == 201);
  CHECK(s.call("DELETE", "/api/v1/users/u-admin/roles/administrator", admin).status == 204);
  checkProblem(s.call("GET", "/api/v1/users", admin), 403, "forbidden");
  auto leader = s.token("lanhdao");
  checkProblem(s.call("DELETE", "/api/v1/users/u-lanhdao/roles/administrator", leader), 409,
               "invalid_state");
}

TEST_CASE("keys: a PKCS#12 file is opened, described and kept 0600 without its password",
          "[api][admin][keys]") {
  AdminServer s;
  TestPki pki;
  TempDir work;
  auto admin = s.token("admin");
  auto leader = s.token("lanhdao");
  const std::string p12Password = "mat-khau-p12";
  auto p12 = pki.pkcs12(work.path(), "Phạm Quốc Hùng", p12Password);

  auto body = object({{"source", "pkcs12"},
                      {"user_id", "u-lanhdao"},
                      {"pkcs12", base64(p12)},
                      {"password", p12Password}});
  checkProblem(s.call("POST", "/api/v1/keys", leader, body), 403, "forbidden");
  auto created = s.call("POST", "/api/v1/keys", admin, body);
  INFO(created.body);
  REQUIRE(created.status == 201);
  auto json = created.json();
  CHECK_THAT(json->getValue<std::string>("certificate_subject"),
             Catch::Contains("CN=Phạm Quốc Hùng"));
  CHECK(json->getValue<std::string>("certificate_serial").size() >= 16);
  CHECK(json->getValue<std::string>("source") == "pkcs12");
  CHECK(json->getValue<bool>("active"));
  auto location = json->getValue<std::string>("location");
  auto stored = s.config.dataDir / location;
  CHECK(location.rfind("keys/", 0) == 0);
  REQUIRE(fs::exists(stored));
  CHECK(readFile(stored) == p12);
  struct stat info {};
  REQUIRE(::stat(stored.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  REQUIRE(::stat(stored.parent_path().c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0700);
  CHECK(created.body.find(p12Password) == std::string::npos);
  CHECK(s.logs.str().find(p12Password) == std::string::npos);
  {
    std::ifstream database(s.config.dataDir / "vanthu.db", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(database)), std::istreambuf_iterator<char>());
    CHECK(bytes.find(p12Password) == std::string::npos);
  }
  // The stored file still opens with the password the signer will give.
  CHECK(signing::readPkcs12(stored, p12Password).certificate.subjectText().find("Hùng") !=
        std::string::npos);

  auto mine = s.call("GET", "/api/v1/me/keys", leader);
  REQUIRE(mine.status == 200);
  CHECK(idsOf(mine.items()) == std::vector<std::string>{json->getValue<std::string>("id")});
  CHECK(s.call("GET", "/api/v1/me/keys", s.token("pho")).items()->size() == 0);
  checkProblem(s.call("GET", "/api/v1/keys", leader), 403, "forbidden");

  SECTION("a wrong password, an expired certificate, bytes that are no key store") {
    auto files = [&] {
      return fs::exists(s.config.dataDir / "keys")
                 ? std::distance(fs::directory_iterator(s.config.dataDir / "keys"),
                                 fs::directory_iterator())
                 : 0;
    };
    auto before = files();
    auto wrong = body;
    wrong.set("password", "sai-mat-khau");
    checkProblem(s.call("POST", "/api/v1/keys", admin, wrong), 422, "invalid_password");
    auto expired = body;
    expired.set("pkcs12", base64(pki.pkcs12(work.path(), "Hết hạn", p12Password, true)));
    auto reply = s.call("POST", "/api/v1/keys", admin, expired);
    checkProblem(reply, 422, "certificate_invalid");
    CHECK_THAT(reply.detail(), Catch::Contains("expired"));
    auto garbage = body;
    garbage.set("pkcs12", base64("this is not a key store at all"));
    checkProblem(s.call("POST", "/api/v1/keys", admin, garbage), 422, "certificate_invalid");
    // A key store with the certificate but no private key, made by the openssl CLI.
    test::writeText(work / "alone.pem", pki.certificatePem("Không khóa"));
    auto made = test::runCommand(
        "openssl pkcs12 -export -nokeys -in " + test::shellQuote(work / "alone.pem") + " -out " +
        test::shellQuote(work / "alone.p12") + " -passout pass:" + p12Password);
    REQUIRE(made.exitCode == 0);
    auto keyless = body;
    keyless.set("pkcs12", base64(readFile(work / "alone.p12")));
    auto noKey = s.call("POST", "/api/v1/keys", admin, keyless);
    checkProblem(noKey, 422, "certificate_invalid");
    CHECK_THAT(noKey.detail(), Catch::Contains("private key"));
    auto notBase64 = body;
    notBase64.set("pkcs12", "***");
    checkProblem(s.call("POST", "/api/v1/keys", admin, notBase64), 400, "invalid_argument");
    CHECK(files() == before);
    auto otherOrganisation = body;
    otherOrganisation.set("user_id", "u-xa-vanthu");
    checkProblem(s.call("POST", "/api/v1/keys", admin, otherOrganisation), 404, "not_found");
    auto mixed = body;
    mixed.set("uri", "pkcs11:token=a");
    checkProblem(s.call("POST", "/api/v1/keys", admin, mixed), 400, "invalid_argument");
    CHECK(s.call("GET", "/api/v1/keys", admin).items()->size() == 1);
  }

  SECTION("withdrawn keys stay listed as inactive; other organisations cannot touch them") {
    auto id = json->getValue<std::string>("id");
    checkProblem(s.call("DELETE", "/api/v1/keys/" + id, s.token("xa.admin")), 404, "not_found");
    CHECK(s.call("DELETE", "/api/v1/keys/" + id, admin).status == 204);
    auto listed = s.call("GET", "/api/v1/keys", admin);
    REQUIRE(listed.items()->size() == 1);
    CHECK_FALSE(listed.items()->getObject(0)->getValue<bool>("active"));
    checkProblem(s.call("DELETE", "/api/v1/keys/unknown", admin), 404, "not_found");
  }
}

TEST_CASE(
    "keys: a certificate naming someone else is refused with its names unless the administrator "
    "confirms it and the audit says so",
    "[api][admin][keys]") {
  AdminServer s;
  TestPki pki;
  TempDir work;
  auto admin = s.token("admin");
  const std::string p12Password = "mat-khau-p12";
  auto keyFiles = [&] {
    return fs::exists(s.config.dataDir / "keys")
               ? std::distance(fs::directory_iterator(s.config.dataDir / "keys"),
                               fs::directory_iterator())
               : 0;
  };

  // Someone else's PKCS#12 file for the leader: refused, naming both, and nothing kept.
  auto otherP12 = object({{"source", "pkcs12"},
                          {"user_id", "u-lanhdao"},
                          {"pkcs12", base64(pki.pkcs12(work.path(), "Trần Văn Bình", p12Password))},
                          {"password", p12Password}});
  auto refused = s.call("POST", "/api/v1/keys", admin, otherP12);
  checkProblem(refused, 422, "certificate_name_mismatch");
  CHECK_THAT(refused.detail(), Catch::Contains("\"Trần Văn Bình\", not \"Phạm Quốc Hùng\""));
  CHECK_THAT(refused.detail(), Catch::Contains("accept_other_name"));
  CHECK(keyFiles() == 0);
  // The same for an external certificate, a PKCS#11 key's and the seal.
  checkProblem(s.call("POST", "/api/v1/keys", admin,
                      object({{"source", "external"},
                              {"user_id", "u-lanhdao"},
                              {"certificate", pki.certificatePem("Trần Văn Bình")}})),
               422, "certificate_name_mismatch");
  checkProblem(s.call("POST", "/api/v1/keys", admin,
                      object({{"source", "pkcs11"},
                              {"user_id", "u-lanhdao"},
                              {"uri", "pkcs11:token=vanthu;object=k"},
                              {"certificate", pki.certificatePem("Phạm Quốc Hưng")}})),
               422, "certificate_name_mismatch");
  auto personAsSeal = s.call(
      "POST", "/api/v1/keys", admin,
      object({{"source", "external"}, {"certificate", pki.certificatePem("Phạm Quốc Hùng")}}));
  checkProblem(personAsSeal, 422, "certificate_name_mismatch");
  CHECK_THAT(personAsSeal.detail(), Catch::Contains("Ủy ban nhân dân tỉnh Thái Nguyên"));
  CHECK(keyFiles() == 0);
  CHECK(s.call("GET", "/api/v1/keys", admin).items()->size() == 0);
  checkProblem(s.call("POST", "/api/v1/keys", admin,
                      object({{"source", "external"},
                              {"user_id", "u-lanhdao"},
                              {"certificate", pki.certificatePem("Trần Văn Bình")},
                              {"accept_other_name", "yes"}})),
               400, "invalid_argument");

  // Confirmed: registered, and the audit entry records whose name the certificate bears.
  auto confirmed = otherP12;
  confirmed.set("accept_other_name", true);
  auto created = s.call("POST", "/api/v1/keys", admin, confirmed);
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK_THAT(created.json()->getValue<std::string>("certificate_subject"),
             Catch::Contains("CN=Trần Văn Bình"));
  CHECK(keyFiles() == 1);
  auto database = storage::Database::open({s.config.resolvedDatabaseUrl()});
  storage::SqlAuditLog audit(*database, nullptr);
  bool audited = false;
  for (uint64_t i = 0; i < audit.size(); ++i) {
    auto entry = *audit.entry(i);
    if (entry.action != "key_registered") continue;
    CHECK_THAT(entry.details,
               Catch::Contains("registered although the certificate names \"Trần Văn Bình\""));
    audited = true;
  }
  CHECK(audited);
  // false is the same as not sending it.
  auto notConfirmed = otherP12;
  notConfirmed.set("accept_other_name", false);
  checkProblem(s.call("POST", "/api/v1/keys", admin, notConfirmed), 422,
               "certificate_name_mismatch");
}

TEST_CASE("keys: pkcs11 URIs are checked against RFC 7512, external keys need a certificate",
          "[api][admin][keys]") {
  AdminServer s;
  TestPki pki;
  auto admin = s.token("admin");
  // The leader's name in capitals, as Vietnamese CAs often write it; the seal's in the province's.
  auto certificate = pki.certificatePem("PHẠM QUỐC HÙNG");
  auto sealCertificate = pki.certificatePem("Ủy ban nhân dân tỉnh Thái Nguyên");

  auto token = s.call("POST", "/api/v1/keys", admin,
                      object({{"source", "pkcs11"},
                              {"user_id", "u-lanhdao"},
                              {"uri", "pkcs11:token=vanthu;object=lanhdao%20key;type=private"},
                              {"certificate", certificate}}));
  INFO(token.body);
  REQUIRE(token.status == 201);
  CHECK(token.json()->getValue<std::string>("location") ==
        "pkcs11:token=vanthu;object=lanhdao%20key;type=private");

  auto seal = s.call("POST", "/api/v1/keys", admin,
                     object({{"source", "external"}, {"certificate", sealCertificate}}));
  REQUIRE(seal.status == 201);
  CHECK(seal.json()->getValue<std::string>("organisation_id") == "tinh");
  CHECK(seal.json()->isNull("user_id"));
  CHECK(s.call("GET", "/api/v1/keys", admin).items()->size() == 2);

  for (const char* bad :
       {"token=vanthu", "pkcs11:", "pkcs11:token=vanthu;object", "pkcs11:colour=blue",
        "pkcs11:object=two words", "pkcs11:type=banana", "pkcs11:object=a%2", "pkcs11:object=x%zz",
        "pkcs11:token=vanthu?pin-value=1234"}) {
    INFO(bad);
    checkProblem(s.call("POST", "/api/v1/keys", admin,
                        object({{"source", "pkcs11"},
                                {"user_id", "u-lanhdao"},
                                {"uri", bad},
                                {"certificate", certificate}})),
                 400, "invalid_argument");
  }
  checkProblem(s.call("POST", "/api/v1/keys", admin,
                      object({{"source", "external"}, {"certificate", "not a certificate"}})),
               422, "certificate_invalid");
  checkProblem(
      s.call("POST", "/api/v1/keys", admin,
             object({{"source", "external"}, {"certificate", pki.certificatePem("Cũ", true)}})),
      422, "certificate_invalid");
  checkProblem(s.call("POST", "/api/v1/keys", admin, object({{"source", "smartcard"}})), 400,
               "invalid_argument");
  checkProblem(s.call("POST", "/api/v1/keys", admin, object({{"source", "external"}})), 400,
               "invalid_argument");
  CHECK(s.call("GET", "/api/v1/keys", admin).items()->size() == 2);
}

TEST_CASE(
    "delegations: a user lends their own authority, an administrator records any, the giver "
    "revokes",
    "[api][admin][delegations]") {
  AdminServer s;
  auto admin = s.token("admin");
  auto leader = s.token("lanhdao");
  auto deputy = s.token("pho");
  auto specialist = s.token("chuyenvien");
  auto mission = object({{"to_user_id", "u-pho"},
                         {"scope", "sign"},
                         {"starts_at", "2026-12-01T00:00:00Z"},
                         {"ends_at", "2026-12-10T00:00:00Z"},
                         {"reason", "Đi công tác nước ngoài"}});

  auto created = s.call("POST", "/api/v1/delegations", leader, mission);
  INFO(created.body);
  REQUIRE(created.status == 201);
  auto json = created.json();
  auto id = json->getValue<std::string>("id");
  CHECK(json->getValue<std::string>("from_user_id") == "u-lanhdao");
  CHECK(json->getValue<std::string>("created_by") == "u-lanhdao");
  CHECK(json->getValue<std::string>("starts_at") == "2026-12-01T00:00:00Z");
  CHECK(json->isNull("revoked_at"));

  auto forSomeoneElse = mission;
  forSomeoneElse.set("from_user_id", "u-cv");
  checkProblem(s.call("POST", "/api/v1/delegations", leader, forSomeoneElse), 403, "forbidden");
  auto recorded = s.call("POST", "/api/v1/delegations", admin, forSomeoneElse);
  REQUIRE(recorded.status == 201);
  CHECK(recorded.json()->getValue<std::string>("created_by") == "u-admin");

  SECTION("bad input") {
    auto backwards = mission;
    backwards.set("ends_at", "2026-11-30T00:00:00Z");
    auto reply = s.call("POST", "/api/v1/delegations", leader, backwards);
    checkProblem(reply, 400, "invalid_argument");
    CHECK_THAT(reply.detail(), Catch::Contains("end after it starts"));
    auto toSelf = mission;
    toSelf.set("to_user_id", "u-lanhdao");
    checkProblem(s.call("POST", "/api/v1/delegations", leader, toSelf), 400, "invalid_argument");
    auto otherOrganisation = mission;
    otherOrganisation.set("to_user_id", "u-xa-vanthu");
    checkProblem(s.call("POST", "/api/v1/delegations", leader, otherOrganisation), 404,
                 "not_found");
    auto badScope = mission;
    badScope.set("scope", "everything");
    checkProblem(s.call("POST", "/api/v1/delegations", leader, badScope), 400, "invalid_argument");
    auto badTime = mission;
    badTime.set("starts_at", "next monday");
    checkProblem(s.call("POST", "/api/v1/delegations", leader, badTime), 400, "invalid_argument");
    auto wrongType = mission;
    wrongType.set("ends_at", 1767225600);
    checkProblem(s.call("POST", "/api/v1/delegations", leader, wrongType), 400, "invalid_argument");
    auto unknownField = mission;
    unknownField.set("forever", true);
    checkProblem(s.call("POST", "/api/v1/delegations", leader, unknownField), 400,
                 "invalid_argument");
    REQUIRE(s.call("PATCH", "/api/v1/users/u-pho", admin, object({{"active", false}})).status ==
            200);
    auto inactive = s.call("POST", "/api/v1/delegations", leader, mission);
    checkProblem(inactive, 400, "invalid_argument");
    CHECK_THAT(inactive.detail(), Catch::Contains("deactivated"));
  }

  SECTION("who sees and who revokes") {
    CHECK(s.call("GET", "/api/v1/delegations", admin).items()->size() == 2);
    CHECK(idsOf(s.call("GET", "/api/v1/delegations", leader).items()) ==
          std::vector<std::string>{id});
    CHECK(s.call("GET", "/api/v1/delegations", deputy).items()->size() == 2);
    CHECK(s.call("GET", "/api/v1/delegations", s.token("xa.admin")).items()->size() == 0);

    checkProblem(s.call("DELETE", "/api/v1/delegations/" + id, deputy), 403, "forbidden");
    checkProblem(s.call("DELETE", "/api/v1/delegations/" + id, s.token("xa.admin")), 404,
                 "not_found");
    CHECK(s.call("DELETE", "/api/v1/delegations/" + id, leader).status == 204);
    checkProblem(s.call("DELETE", "/api/v1/delegations/" + id, leader), 409, "invalid_state");
    auto listed = s.call("GET", "/api/v1/delegations", leader).items();
    REQUIRE(listed->size() == 1);
    CHECK_FALSE(listed->getObject(0)->isNull("revoked_at"));
    checkProblem(s.call("DELETE", "/api/v1/delegations/unknown", admin), 404, "not_found");
    (void)specialist;
  }
}

TEST_CASE("workflow templates: every user reads them, an administrator saves new versions",
          "[api][admin][templates]") {
  AdminServer s;
  auto admin = s.token("admin");
  auto specialist = s.token("chuyenvien");

  auto listed = s.call("GET", "/api/v1/templates", specialist);
  REQUIRE(listed.status == 200);
  auto ids = idsOf(listed.items());
  CHECK(std::find(ids.begin(), ids.end(), "outgoing-4") != ids.end());
  auto shipped = s.call("GET", "/api/v1/templates/outgoing-4", specialist);
  REQUIRE(shipped.status == 200);
  CHECK(shipped.json()->getArray("levels")->size() >= 4);
  checkProblem(s.call("GET", "/api/v1/templates/none", specialist), 404, "not_found");

  Poco::JSON::Array::Ptr levels = new Poco::JSON::Array;
  auto level = [&](int number, const std::string& role, const std::string& action) {
    Object::Ptr item = new Object;
    item->set("number", number);
    item->set("name", "Bước " + std::to_string(number));
    item->set("role", role);
    item->set("action", action);
    levels->add(item);
  };
  level(1, "specialist", "draft");
  level(2, "leader", "sign");
  level(3, "clerk", "issue");
  Object body;
  body.set("name", "Quy trình rút gọn");
  body.set("direction", "outgoing");
  body.set("levels", levels);

  checkProblem(s.call("PUT", "/api/v1/templates/tinh-short", specialist, body), 403, "forbidden");
  auto first = s.call("PUT", "/api/v1/templates/tinh-short", admin, body);
  INFO(first.body);
  REQUIRE(first.status == 200);
  CHECK(first.json()->getValue<int>("version") == 1);
  CHECK(first.json()->getValue<std::string>("created_by") == "u-admin");
  auto second = s.call("PUT", "/api/v1/templates/tinh-short", admin, body);
  REQUIRE(second.status == 200);
  CHECK(second.json()->getValue<int>("version") == 2);
  CHECK(
      s.call("GET", "/api/v1/templates/tinh-short", specialist).json()->getValue<int>("version") ==
      2);
  // Another organisation neither sees nor overwrites it.
  auto communeAdmin = s.token("xa.admin");
  checkProblem(s.call("GET", "/api/v1/templates/tinh-short", communeAdmin), 404, "not_found");
  checkProblem(s.call("PUT", "/api/v1/templates/tinh-short", communeAdmin, body), 400,
               "invalid_argument");

  // Two sign levels: refused, naming the level.
  level(4, "leader", "sign");
  auto invalid = s.call("PUT", "/api/v1/templates/tinh-short", admin, body);
  checkProblem(invalid, 400, "invalid_argument");
  CHECK_THAT(invalid.detail(), Catch::Contains("level"));
  Object wrongType;
  wrongType.set("name", "X");
  wrongType.set("direction", "outgoing");
  wrongType.set("levels", "all of them");
  checkProblem(s.call("PUT", "/api/v1/templates/tinh-short", admin, wrongType), 400,
               "invalid_argument");
  CHECK(
      s.call("GET", "/api/v1/templates/tinh-short", specialist).json()->getValue<int>("version") ==
      2);
}

TEST_CASE("every administrative write leaves an audit entry naming the actor, a refused one none",
          "[api][admin][audit]") {
  AdminServer s;
  auto admin = s.token("admin");
  auto leader = s.token("lanhdao");
  auto entries = [&] {
    auto database = storage::Database::open({s.config.resolvedDatabaseUrl()});
    storage::SqlAuditLog audit(*database, nullptr);
    std::vector<workflow::AuditEntry> all;
    for (uint64_t i = 0; i < audit.size(); ++i) all.push_back(*audit.entry(i));
    CHECK(audit.verify().ok());
    return all;
  };
  auto before = entries().size();

  REQUIRE(s.call("POST", "/api/v1/users/u-cv/roles", admin, object({{"role", "clerk"}})).status ==
          201);
  REQUIRE(s.call("POST", "/api/v1/delegations", leader,
                 object({{"to_user_id", "u-pho"},
                         {"scope", "all"},
                         {"starts_at", "2026-12-01T00:00:00Z"},
                         {"ends_at", "2026-12-02T00:00:00Z"}}))
              .status == 201);
  // A template's new version and its audit entry are one transaction.
  Poco::JSON::Array::Ptr levels = new Poco::JSON::Array;
  for (auto [number, role, action] :
       {std::tuple<int, const char*, const char*>{1, "specialist", "draft"},
        {2, "leader", "sign"},
        {3, "clerk", "issue"}}) {
    Object::Ptr item = new Object;
    item->set("number", number);
    item->set("name", "Bước " + std::to_string(number));
    item->set("role", std::string(role));
    item->set("action", std::string(action));
    levels->add(item);
  }
  Object templateBody;
  templateBody.set("name", "Quy trình rút gọn");
  templateBody.set("direction", "outgoing");
  templateBody.set("levels", levels);
  REQUIRE(s.call("PUT", "/api/v1/templates/tinh-audit", admin, templateBody).status == 200);
  // Refused: the last administrator, a unit of another organisation, a template without levels.
  REQUIRE(s.call("DELETE", "/api/v1/users/u-admin/roles/administrator", admin).status == 409);
  templateBody.set("levels", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  REQUIRE(s.call("PUT", "/api/v1/templates/tinh-audit", admin, templateBody).status == 400);
  REQUIRE(s.call("POST", "/api/v1/users/u-cv/roles", admin,
                 object({{"role", "clerk"}, {"unit_id", "xa-vp"}}))
              .status == 400);

  auto after = entries();
  REQUIRE(after.size() == before + 3);
  CHECK(after[before].action == "role_granted");
  CHECK(after[before].actor == "u-admin");
  CHECK(after[before].organisationId == "tinh");
  CHECK_THAT(after[before].details, Catch::Contains("u-cv"));
  CHECK(after[before + 1].action == "delegation_created");
  CHECK(after[before + 1].actor == "u-lanhdao");
  CHECK(after[before + 2].action == "template_saved");
  CHECK(after[before + 2].actor == "u-admin");
  CHECK_THAT(after[before + 2].details, Catch::Contains("tinh-audit version 1"));
}
