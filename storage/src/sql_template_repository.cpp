#include "vanthu/storage/sql_template_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <cstdio>
#include <ctime>
#include <sstream>

#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

using workflow::TemplateLevel;
using workflow::WorkflowTemplate;

// signature_placement: "PAGE X Y WIDTH HEIGHT", or "" for none.
std::string placementText(const std::optional<workflow::SignaturePlacement>& placement) {
  if (!placement) return "";
  char text[160];
  std::snprintf(text, sizeof text, "%d %.17g %.17g %.17g %.17g", placement->page, placement->x,
                placement->y, placement->width, placement->height);
  return text;
}

std::optional<workflow::SignaturePlacement> placementOf(const std::string& text,
                                                        const std::string& where) {
  if (text.empty()) return std::nullopt;
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  workflow::SignaturePlacement placement;
  std::string rest;
  if (!(in >> placement.page >> placement.x >> placement.y >> placement.width >>
        placement.height) ||
      (in >> rest)) {
    throw Error(ErrorCode::StorageFailure,
                where + " has an unreadable signature placement '" + text + "'");
  }
  return placement;
}

constexpr const char* kTemplateColumns =
    "SELECT id, version, organisation_id, name, direction, created_by, created_at"
    " FROM workflow_templates ";

constexpr const char* kLevelColumns =
    "number, name, role, action, optional, reviewers, reviewer_count, approval_signature,"
    " deadline_days, signature_placement";

// One level from the row's columns `first` onwards (kLevelColumns).
TemplateLevel readLevel(const PreparedQuery& row, int first, const std::string& id, int version) {
  TemplateLevel level;
  level.number = static_cast<int>(row.integer(first));
  level.name = row.text(first + 1);
  level.role = row.text(first + 2);
  auto action = workflow::levelActionFromName(row.text(first + 3));
  auto rule = workflow::reviewerRuleFromName(row.text(first + 5));
  if (!action || !rule) {
    throw Error(ErrorCode::StorageFailure,
                "template " + id + " version " + std::to_string(version) + " level " +
                    std::to_string(level.number) + " has an unknown action or reviewer rule");
  }
  level.action = *action;
  level.optional = row.integer(first + 4) != 0;
  level.reviewers = *rule;
  level.reviewerCount = static_cast<int>(row.integer(first + 6));
  level.approvalSignature = row.integer(first + 7) != 0;
  level.deadlineDays = static_cast<int>(row.integer(first + 8));
  level.signaturePlacement =
      placementOf(row.text(first + 9), "template " + id + " version " + std::to_string(version) +
                                           " level " + std::to_string(level.number));
  return level;
}

// The statements here are kept prepared on the connection: every workflow action reads its
// document's template.
std::vector<TemplateLevel> readLevels(Database::Impl& db, const std::string& id, int version) {
  PreparedQuery select(db.statements(),
                       std::string("SELECT ") + kLevelColumns +
                           " FROM workflow_template_levels"
                           " WHERE template_id = ? AND template_version = ? ORDER BY number",
                       "reading template " + id);
  select.bind(id).bind(int64_t{version});
  std::vector<TemplateLevel> levels;
  while (select.next()) levels.push_back(readLevel(select, 0, id, version));
  return levels;
}

void readHead(const PreparedQuery& row, WorkflowTemplate& t) {
  t.id = row.text(0);
  t.version = static_cast<int>(row.integer(1));
  t.organisationId = row.text(2);
  t.name = row.text(3);
  t.direction = row.text(4);
  t.createdBy = row.text(5);
  t.createdAt = row.text(6);
}

std::vector<WorkflowTemplate> readTemplates(Database::Impl& db, RecordSet& rows) {
  std::vector<WorkflowTemplate> all;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    WorkflowTemplate t;
    t.id = sql::text(rows, 0);
    t.version = static_cast<int>(sql::integer(rows, 1));
    t.organisationId = sql::text(rows, 2);
    t.name = sql::text(rows, 3);
    t.direction = sql::text(rows, 4);
    t.createdBy = sql::text(rows, 5);
    t.createdAt = sql::text(rows, 6);
    all.push_back(std::move(t));
  }
  for (auto& t : all) t.levels = readLevels(db, t.id, t.version);
  return all;
}

}  // namespace

Result<int> SqlTemplateRepository::saveTemplate(const WorkflowTemplate& t) {
  if (auto valid = workflow::validateTemplate(t); !valid) return valid;
  auto& db = database_.impl();
  try {
    // Joins the caller's transaction when there is one (the API saves the template and its
    // audit entry together).
    return sql::joinOrBegin(db, [&]() -> Result<int> {
      // The version is computed and taken in one statement; of two writers that race on the
      // same id, one gets a primary-key violation (reported as Conflict) instead of a fork.
      Poco::Data::Statement insert(db.session);
      insert << db.sql(
          "INSERT INTO workflow_templates (id, version, organisation_id, name, direction,"
          " created_by, created_at) SELECT ?, COALESCE(MAX(version), 0) + 1, ?, ?, ?, ?, ?"
          " FROM workflow_templates WHERE id = ?"),
          bind(t.id), bind(t.organisationId), bind(t.name), bind(t.direction), bind(t.createdBy),
          bind(t.createdAt), bind(t.id);
      insert.execute();
      Poco::Data::Statement select(db.session);
      select << db.sql(
          "SELECT version, organisation_id FROM workflow_templates WHERE id = ?"
          " ORDER BY version DESC LIMIT 2"),
          bind(t.id), now;
      RecordSet rows(select);
      rows.moveFirst();
      int version = static_cast<int>(sql::integer(rows, 0));
      if (rows.moveNext() && sql::text(rows, 1) != t.organisationId) {
        return Status::invalidArgument("template " + t.id + " belongs to organisation '" +
                                       sql::text(rows, 1) + "'; choose another id");
      }
      for (const auto& level : t.levels) {
        std::string action(workflow::levelActionName(level.action));
        std::string rule(workflow::reviewerRuleName(level.reviewers));
        int optional = level.optional ? 1 : 0;
        int approvalSignature = level.approvalSignature ? 1 : 0;
        std::string placement = placementText(level.signaturePlacement);
        db.session << db.sql(
            "INSERT INTO workflow_template_levels (template_id, template_version, number,"
            " name, role, action, optional, reviewers, reviewer_count, approval_signature,"
            " deadline_days, signature_placement) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            bind(t.id), bind(version), bind(level.number), bind(level.name), bind(level.role),
            bind(action), bind(optional), bind(rule), bind(level.reviewerCount),
            bind(approvalSignature), bind(level.deadlineDays), bind(placement), now;
      }
      return version;
    });
  } catch (const Poco::Exception& e) {
    if (sql::constraintStatus(e.displayText(), "template")) {
      return Status(ErrorCode::Conflict, "template " + t.id +
                                             " was saved by someone else at the same moment;"
                                             " reload it and try again");
    }
    sql::storageFailure(db, "saving template " + t.id, e);
  }
}

std::optional<WorkflowTemplate> SqlTemplateRepository::findTemplate(const std::string& id,
                                                                    std::optional<int> version) {
  auto& db = database_.impl();
  WorkflowTemplate t;
  if (version) {
    // A version and its levels in one statement (one round trip on PostgreSQL): the template's
    // columns repeat on every level's row; a template without levels has one row of NULLs.
    PreparedQuery select(
        db.statements(),
        "SELECT t.id, t.version, t.organisation_id, t.name, t.direction, t.created_by,"
        " t.created_at, l.number, l.name, l.role, l.action, l.optional, l.reviewers,"
        " l.reviewer_count, l.approval_signature, l.deadline_days, l.signature_placement"
        " FROM workflow_templates t"
        " LEFT JOIN workflow_template_levels l"
        " ON l.template_id = t.id AND l.template_version = t.version"
        " WHERE t.id = ? AND t.version = ? ORDER BY l.number",
        "reading template " + id);
    select.bind(id).bind(int64_t{*version});
    if (!select.next()) return std::nullopt;
    readHead(select, t);
    do {
      if (!select.isNull(7)) t.levels.push_back(readLevel(select, 7, t.id, t.version));
    } while (select.next());
    return t;
  }
  {
    PreparedQuery select(
        db.statements(),
        std::string(kTemplateColumns) + "WHERE id = ? ORDER BY version DESC LIMIT 1",
        "reading template " + id);
    select.bind(id);
    if (!select.next()) return std::nullopt;
    readHead(select, t);
  }
  t.levels = readLevels(db, t.id, t.version);
  return t;
}

std::vector<WorkflowTemplate> SqlTemplateRepository::listTemplates(
    const std::string& organisationId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kTemplateColumns) +
                     "t WHERE organisation_id IN (?, '') AND version ="
                     " (SELECT MAX(version) FROM workflow_templates v WHERE v.id = t.id)"
                     " ORDER BY id"),
        bind(organisationId), now;
    RecordSet rows(select);
    return readTemplates(db, rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "listing the templates of " + organisationId, e);
  }
}

int ensureShippedTemplates(workflow::TemplateRepository& repository) {
  int saved = 0;
  for (auto shipped : workflow::shippedTemplates()) {
    if (repository.findTemplate(shipped.id)) continue;
    std::time_t seconds = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char at[32];
    std::strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &utc);
    shipped.createdAt = at;
    auto version = repository.saveTemplate(shipped);
    if (!version && version.status().code() != ErrorCode::Conflict) {
      throw Error(ErrorCode::Internal,
                  "a shipped template does not save: " + version.status().message());
    }
    if (version) ++saved;
  }
  return saved;
}

}  // namespace vanthu::storage
