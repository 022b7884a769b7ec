#pragma once

// Whether a signing certificate names the person or the agency its key is registered for. A key
// reference binds a certificate to a user (or to the organisation's seal); a signature made with
// it shows the certificate's name, so a certificate of someone else registered for a user would
// sign that user's approvals under another person's name. Certificates spell names in their own
// way: Vietnamese CAs often write the common name in capitals ("NGUYỄN VĂN AN"), with spaces
// doubled or trimmed; the comparison ignores letter case (Vietnamese letters included) and
// runs of white space. It does not fold Unicode normalisation forms: a certificate written in
// decomposed form (NFD) does not match, and the administrator confirms it (see the keys route).

#include <optional>
#include <string>
#include <string_view>

namespace vanthu::workflow {

/// `text` with letters in lower case (ASCII and the Vietnamese letters: the Latin-1 letters,
/// Ă Đ Ĩ Ũ Ơ Ư and U+1EA0..U+1EF9), runs of white space as one space, none at the ends.
std::string foldName(std::string_view text);

/// Whether two names are the same under foldName().
bool sameName(std::string_view a, std::string_view b);

/// What a certificate's subject says of its holder.
struct CertificateHolder {
  std::string commonName;    ///< CN
  std::string organisation;  ///< O
  std::string uid;           ///< UID (the agency code in an organisation's certificate)
};

/// Why `holder` does not name the user called `fullName`; nullopt when its CN does.
std::optional<std::string> personMismatch(const CertificateHolder& holder,
                                          std::string_view fullName);

/// Why `holder` does not name the organisation `name` with agency code `code`; nullopt when its
/// UID is the code or its CN is the name. (Not its O: a person's certificate names the agency
/// the person works for there, and is not the agency's seal.)
std::optional<std::string> organisationMismatch(const CertificateHolder& holder,
                                                std::string_view name, std::string_view code);

}  // namespace vanthu::workflow
