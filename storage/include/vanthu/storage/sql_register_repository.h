#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/documents.h"
#include "vanthu/workflow/register_table.h"

namespace vanthu::storage {

/// The reads behind the Decree 30 registers (sổ đăng ký văn bản đi/đến): an organisation's
/// registers and what one register numbered in one year. Parameterised SQL only, the same text on
/// SQLite and PostgreSQL. Borrows `database`; one repository per connection (not thread-safe,
/// as Database). StorageFailure when the database cannot be read.
class SqlRegisterRepository {
 public:
  explicit SqlRegisterRepository(Database& database) : database_(database) {}

  /// The organisation's registers: outgoing ones first, then by name.
  std::vector<workflow::Register> listRegisters(const std::string& organisationId);
  std::optional<workflow::Register> findRegister(const std::string& id);

  /// The documents numbered in `registerId` for `year`, in number order, with what the
  /// documents table holds and the signer: the full name of the actor of the document's latest
  /// "signature" version ("" when it has none).
  std::vector<workflow::RegisterEntry> entries(const std::string& registerId, int year);

 private:
  Database& database_;
};

}  // namespace vanthu::storage
