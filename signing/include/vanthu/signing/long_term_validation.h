#pragma once

// The long-term levels of PAdES (standards/pdf-signatures.md §1.3), each an incremental update:
//  - addDocumentSecurityStore: a /DSS with the certificates, CRLs and OCSP responses a verifier
//    needs later (B-LT), and a /VRI entry per signature;
//  - timestampPdf: a document time-stamp (/DocTimeStamp, ETSI.RFC3161) over everything before
//    it (B-LTA; over a B-B signature it also gives proof of existence, as B-T does).

#include <filesystem>
#include <string>
#include <vector>

#include "vanthu/signing/digest_signer.h"
#include "vanthu/signing/time_stamper.h"

namespace vanthu::signing {

/// DER blobs, as the DSS stores them.
struct ValidationData {
  std::vector<std::string> certificates;
  std::vector<std::string> crls;
  std::vector<std::string> ocspResponses;  ///< whole OCSPResponse structures
};

/// Appends a DSS update to `input`, written to `output` (temporary file + rename). Material
/// already in the document's DSS is not added twice. A /VRI entry listing all of `data` is
/// added for each signature field named in `vriFields` (its key is the upper-case hex SHA-1 of
/// the signature's /Contents). Throws vanthu::Error: InvalidPdf, NotFound (no such signed
/// field), IoFailure.
void addDocumentSecurityStore(const std::filesystem::path& input,
                              const std::filesystem::path& output, const ValidationData& data,
                              const std::vector<std::string>& vriFields = {});

/// Appends a document time-stamp from `stamper` to `input`, written to `output`.
void timestampPdf(const std::filesystem::path& input, const std::filesystem::path& output,
                  TimeStamper& stamper, DigestAlgorithm digest = DigestAlgorithm::Sha256);

/// The names of the signature fields that hold a signature, in the order they appear in the
/// AcroForm.
std::vector<std::string> signedFieldNames(const std::filesystem::path& pdf);

}  // namespace vanthu::signing
