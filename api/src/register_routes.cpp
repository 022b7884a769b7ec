#include "register_routes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cctype>
#include <sstream>

#include "http_support.h"
#include "register_pdf.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_register_repository.h"
#include "vanthu/workflow/register_table.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using workflow::Role;

constexpr const char* kCsvType = "text/csv; charset=utf-8";

Status notFound(const std::string& id) {
  return Status::notFound("no register " + id);
}

Result<int> yearParameter(const std::map<std::string, std::string>& query) {
  auto found = query.find("year");
  const std::string text = found == query.end() ? "" : found->second;
  bool digits = text.size() == 4;
  for (char c : text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  int year = digits ? std::stoi(text) : 0;
  if (year < 1900 || year > 2999) {
    return Status::invalidArgument("query parameter 'year' must be a year such as 2026");
  }
  return year;
}

Result<std::string> formatParameter(const std::map<std::string, std::string>& query) {
  auto found = query.find("format");
  if (found == query.end() || (found->second != "csv" && found->second != "pdf")) {
    return Status::invalidArgument("query parameter 'format' must be csv or pdf");
  }
  return found->second;
}

/// Exporting a register of official documents is itself recorded: who took which register's
/// year, in which format and how many rows. One entry, written only once the file is made.
void auditExport(storage::Database& database, const RequestContext& context,
                 const std::string& registerId, int year, const std::string& format, size_t rows) {
  Object details;
  details.set("register", registerId);
  details.set("year", year);
  details.set("format", format);
  details.set("rows", rows);
  std::ostringstream text;
  details.stringify(text);
  workflow::AuditEntry entry;
  entry.actor = context.principal->userId;
  entry.organisationId = context.principal->organisationId;
  entry.action = "export_register";
  entry.details = text.str();
  entry.clientAddress = context.request.clientAddress().host().toString();
  storage::SqlAuditLog(database, nullptr).append(std::move(entry));
}

void addSchemas(Router& router) {
  router.addSchema("RegisterRecord", R"({"type":"object","properties":{
"id":{"type":"string"},"name":{"type":"string"},
"direction":{"enum":["outgoing","incoming"]}},"required":["id","name","direction"]})");
  router.addSchema("RegisterList", R"({"type":"object","properties":{"items":{"type":"array",
"items":{"$ref":"#/components/schemas/RegisterRecord"}}},"required":["items"]})");
}

}  // namespace

void registerRegisterRoutes(Router& router, ApiServices& services) {
  addSchemas(router);
  // The records office keeps the registers; the office chief and the leaders inspect them.
  const auto keepers = Access::usersWith(
      {Role::Clerk, Role::OfficeChief, Role::Leader, Role::DeputyLeader, Role::Administrator});

  router.add({"GET",
              "/api/v1/registers",
              keepers,
              {"The registers of the caller's organisation (sổ văn bản đi, đến)",
               "registers",
               "",
               200,
               "RegisterList",
               {},
               {}}},
             [&services](RequestContext& context) {
               const auto& organisation = context.principal->organisationId;
               auto registers = services.withDatabase([&](storage::Database& db) {
                 return storage::SqlRegisterRepository(db).listRegisters(organisation);
               });
               Array::Ptr items = new Array;
               for (const auto& r : registers) {
                 Object::Ptr json = new Object;
                 json->set("id", r.id);
                 json->set("name", r.name);
                 json->set("direction", r.direction);
                 items->add(json);
               }
               Object body;
               body.set("items", items);
               sendJson(context, 200, body);
             });

  router.add(
      {"GET",
       "/api/v1/registers/{id}/export",
       keepers,
       {"A register's year as the Decree 30 register table (Phụ lục IV), CSV or PDF",
        "registers",
        "",
        200,
        "csv|pdf",
        {{"year", "integer", "the year whose numbers to list, e.g. 2026", true},
         {"format", "string", "csv (UTF-8 with BOM, RFC 4180) or pdf (A4 landscape)", true}},
        {404}}},
      [&services](RequestContext& context) {
        const auto& id = context.pathParameters["id"];
        const auto& organisationId = context.principal->organisationId;
        struct Found {
          std::optional<workflow::Register> registerRecord;
          std::string organisationName;
        };
        auto found = services.withDatabase([&](storage::Database& db) {
          Found result;
          result.registerRecord = storage::SqlRegisterRepository(db).findRegister(id);
          if (auto organisation =
                  storage::SqlDirectoryRepository(db).findOrganisation(organisationId)) {
            result.organisationName = organisation->name;
          }
          return result;
        });
        // Another organisation's register is not said to exist.
        if (!found.registerRecord || found.registerRecord->organisationId != organisationId) {
          return sendProblem(context, notFound(id));
        }
        workflow::RegisterKind kind;
        if (!workflow::registerKindFromDirection(found.registerRecord->direction, kind)) {
          return sendProblem(context,
                             Status::invalidState("register " + id + " has no direction to print"));
        }
        auto query = queryParameters(context);
        auto year = yearParameter(query);
        if (!year) return sendProblem(context, year.status());
        auto format = formatParameter(query);
        if (!format) return sendProblem(context, format.status());

        auto entries = services.withDatabase([&](storage::Database& db) {
          return storage::SqlRegisterRepository(db).entries(id, year.value());
        });
        auto table =
            workflow::buildRegisterTable(kind, found.organisationName, found.registerRecord->name,
                                         year.value(), std::move(entries));
        const bool csv = format.value() == "csv";
        const std::string body = csv ? workflow::toCsv(table) : renderRegisterPdf(table);
        services.withDatabase([&](storage::Database& db) {
          auditExport(db, context, id, year.value(), format.value(), table.rows.size());
        });
        context.response.set("Content-Disposition",
                             "attachment; filename=\"" +
                                 workflow::registerFileName(kind, year.value(), format.value()) +
                                 "\"");
        context.response.set("Cache-Control", "no-store");
        sendBody(context, 200, csv ? kCsvType : "application/pdf", body);
      });
}

}  // namespace vanthu::api
